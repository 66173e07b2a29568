/**
 * The corpus's expectations are what a browser shows: load every case in Debian's headless Chromium over loopback
 * HTTP and read `document.title` and `document.characterSet`. (null = no HTML <title> element in the document.)
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { titleCases } from './corpus.js';

let web: FixtureWeb;
let browser: Browser;
const seen = new Map<string, { title: string | null; encoding: string }>();

beforeAll(async () => {
  web = await startFixtureWeb();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--lang=en-US'],
  });
  const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled: true });
  const page = await context.newPage();
  for (const c of titleCases) {
    await page.goto(web.addCase(c.id, { headers: c.headers, body: c.body }), { waitUntil: 'load' });
    seen.set(
      c.id,
      // A string, evaluated in the page (this file is type-checked without the DOM library).
      (await page.evaluate(
        `({ title: document.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', 'title').length === 0 ? null : document.title, encoding: document.characterSet })`,
      )) as { title: string | null; encoding: string },
    );
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('Chromium agrees with the corpus', () => {
  it.each(titleCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(seen.get(c.id)).toEqual({ title: c.expected.title, encoding: c.expected.encoding });
  });
});
