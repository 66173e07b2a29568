/**
 * A run survives its server being killed: SIGKILL `titlewave serve` mid-run, start a new one on the same data
 * folder, resume the run from the history sidebar, and every row arrives with no finished row fetched again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Api } from '../../src/contract.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { launchChromium, makeTempDir, openApp, progressOf, removeDir, poll, startServe, waitForRunEnd, type ServeProcess } from './helpers.js';

const total = 60;
let web: FixtureWeb;
let browser: Browser;
let dataDir: string;
const serves: ServeProcess[] = [];

beforeAll(async () => {
  web = await startFixtureWeb({ delayMs: 200 });
  dataDir = await makeTempDir();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const serve of serves) await serve.stop();
  await web?.close();
  await removeDir(dataDir);
});

it('resumes a run after the server process was killed, losing and refetching nothing', async () => {
  const first = await startServe(dataDir);
  serves.push(first);
  const firstApp = await openApp(browser, first.url);
  const { page } = firstApp;
  const urls = Array.from({ length: total }, (_, i) => web.url(`/page/${i + 1}`));
  const allHits = () => web.stats().reduce((sum, port) => sum + port.requests, 0);
  await page.getByLabel('URLs').fill(urls.join('\n'));
  await page.getByLabel('Concurrency').fill('4');
  await page.getByLabel('Per host').fill('4');
  await page.getByRole('button', { name: /^Start/ }).click();

  // Kill it a third of the way in, as a crash would.
  await poll(async () => (await progressOf(page)).now, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(total / 3);
  await first.kill();
  expect((await progressOf(page)).now).toBeLessThan(total);
  await firstApp.context.close();
  // Requests already on the wire when the process died still reach the fixture; let them land before counting.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const hitsAtKill = allHits();

  const second = await startServe(dataDir);
  serves.push(second);
  const { page: page2, context, errors } = await openApp(browser, second.url);
  const history = page2.getByRole('navigation', { name: 'History' });
  await poll(() => history.getByText('Interrupted').count()).toBe(1);

  // What the journal kept: those rows must not be fetched again.
  const runs = await page2.evaluate(() => (globalThis as unknown as { api: Api }).api.invoke('history.list'));
  const run = runs[0]!;
  const kept = await page2.evaluate((id) => (globalThis as unknown as { api: Api }).api.invoke('history.load', id), run.id);
  const keptCount = kept.records.length;
  expect(keptCount).toBeGreaterThan(0);
  expect(keptCount).toBeLessThan(total);

  await history.getByRole('button', { name: `Resume ${run.name}` }).click();
  await waitForRunEnd(page2, total);
  await poll(() => page2.locator('.runbar .badge').textContent()).toBe('Done');
  await poll(() => page2.getByText(`${total} of ${total} rows`).count()).toBe(1);

  // Each missing row fetched exactly once; no kept row fetched again.
  expect(allHits() - hitsAtKill).toBe(total - keptCount);
  for (const record of kept.records) expect(web.hits(new URL(record.url).pathname)).toBe(1);
  for (let i = 1; i <= total; i++) expect(web.hits(`/page/${i}`)).toBeGreaterThanOrEqual(1);
  const final = await page2.evaluate((id) => (globalThis as unknown as { api: Api }).api.invoke('history.load', id), run.id);
  expect(new Set(final.records.map((record) => record.index)).size).toBe(total);
  expect(final.records.every((record) => record.error === null && record.title === web.titleFor(new URL(record.url).pathname))).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
});
