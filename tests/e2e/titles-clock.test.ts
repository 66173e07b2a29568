/**
 * The run bar's clock (issue 12, item 5), on a page whose clock Playwright controls (page.clock): while one slow
 * page is in flight and no update comes, the elapsed time still ticks, the rate falls to nothing and the time left
 * is unknown; paused, the elapsed time stands and the rate says "paused"; resumed, it goes on from where it stood
 * (it never starts over).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { launchChromium, makeTempDir, poll, progressOf, removeDir, startServe, type ServeProcess } from './helpers.js';

let web: FixtureWeb;
let serve: ServeProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let dataDir: string;

beforeAll(async () => {
  web = await startFixtureWeb();
  dataDir = await makeTempDir();
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
  context = await browser.newContext({ locale: 'en-US' });
  // Fake timers from the start; time flows on its own until pauseAt.
  await context.clock.install();
  page = await context.newPage();
  await page.goto(serve.url);
  await page.getByRole('tablist').waitFor();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await serve?.stop();
  await web?.close();
  await removeDir(dataDir);
});

const statValue = (label: string) => page.locator('.runbar .stat', { has: page.locator('.stat__label', { hasText: new RegExp(`^${label}$`) }) }).locator('.stat__value');

/** "850 ms", "12.4 s", "3 min 05 s" as milliseconds (to the display's precision). */
async function shownMs(label: string): Promise<number> {
  const text = (await statValue(label).textContent()) ?? '';
  const ms = /^(\d+) ms$/.exec(text);
  if (ms) return Number(ms[1]);
  const seconds = /^([\d.]+) s$/.exec(text);
  if (seconds) return Number(seconds[1]) * 1000;
  const minutes = /^(\d+) min (\d+) s$/.exec(text);
  if (minutes) return (Number(minutes[1]) * 60 + Number(minutes[2])) * 1000;
  throw new Error(`not a duration: ${JSON.stringify(text)}`);
}

/**
 * Moves the page's paused clock on by `ms`, a second at a time, with a call to the server after each second: the
 * bridge's heartbeat (a ping every second, the connection dropped when 4 s pass with no message) runs on the same
 * fake clock, and the call's answer is the message that keeps it alive. One jump of several seconds would let the
 * heartbeat see 4 s of silence that never happened.
 */
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await context.clock.runFor(Math.min(1000, left));
    await page.evaluate(() => (globalThis as unknown as { api: { invoke(command: string): Promise<unknown> } }).api.invoke('history.list'));
  }
}

describe('the run bar’s clock', () => {
  it('ticks while a slow page is in flight, stands still while paused, and goes on after Resume', async () => {
    await page.getByLabel('Timeout').fill('120');
    await page.getByLabel('URLs').fill(`${web.url('/page/quick')}\n${web.url('/hostile/never')}`);
    await page.getByRole('button', { name: /^Start/ }).click();
    // The quick page is in: the last update until the slow one answers, which it never does.
    await poll(async () => (await progressOf(page)).now).toBe(1);
    await poll(() => statValue('Elapsed').count()).toBe(1);

    // From here the page's time moves only when the test says so.
    await context.clock.pauseAt((await page.evaluate(() => Date.now())) + 50);
    const start = await shownMs('Elapsed');
    await advance(10_000);
    const later = await shownMs('Elapsed');
    // It ticked (it stood at `start` before the fix): 10 s on, give or take the last tick and the rounding.
    expect(later - start).toBeGreaterThanOrEqual(8_900);
    expect(later - start).toBeLessThanOrEqual(11_100);
    // Ten seconds and nothing finished: no rate, no time left to promise.
    await advance(2_000);
    expect(await statValue('Rate').textContent()).toBe('0/s');
    expect(await statValue('Time left').textContent()).toBe('—');

    // Paused: the rate says so, and the elapsed time stands however long the pause.
    await page.getByRole('button', { name: 'Pause' }).click();
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Paused');
    await poll(() => statValue('Rate').textContent()).toBe('paused');
    const paused = await shownMs('Elapsed');
    await advance(5_000);
    expect(await shownMs('Elapsed')).toBe(paused);

    // Another window opened on the paused run (no update comes while paused) shows its time too, from the history.
    const other = await browser.newContext({ locale: 'en-US' });
    try {
      const otherPage = await other.newPage();
      await otherPage.goto(serve.url);
      await otherPage.locator('.runbar .badge', { hasText: 'Paused' }).waitFor();
      const otherElapsed = otherPage.locator('.runbar .stat', { has: otherPage.locator('.stat__label', { hasText: /^Elapsed$/ }) }).locator('.stat__value');
      await poll(() => otherElapsed.count()).toBe(1);
      expect(await otherElapsed.textContent()).toMatch(/^(\d+ ms|[\d.]+ s)$/);
      expect(await otherElapsed.textContent()).not.toBe('0 ms');
    } finally {
      await other.close();
    }

    // Resumed: on from where it stood (the host's elapsed time leaves the pause out; it never starts over).
    await page.locator('.runbar').getByRole('button', { name: 'Resume' }).click();
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Running');
    const resumed = await shownMs('Elapsed');
    expect(resumed).toBeGreaterThanOrEqual(paused);
    await advance(3_000);
    expect(await shownMs('Elapsed')).toBeGreaterThanOrEqual(resumed + 2_000);

    await context.clock.resume();
    await page.keyboard.press('Escape');
    await poll(() => page.locator('.runbar .badge').textContent(), { timeout: 10_000 }).toBe('Cancelled');
  });
});
