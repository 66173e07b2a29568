/**
 * Two `titlewave serve` processes on one --data-dir (issue 11, item 7): a run going in one is shown by the other as
 * running elsewhere, with no Resume or Delete, and every command the other is sent for it is refused with a clear
 * message (never "ok" without effect). When the owner is killed with SIGKILL, the other sees the run interrupted
 * by itself and resumes it at once: every missing row fetched once, none twice, one journal line per row.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { launchChromium, makeTempDir, openApp, poll, progressOf, removeDir, startServe, waitForRunEnd, type ServeProcess } from './helpers.js';

const total = 40;
let web: FixtureWeb;
let browser: Browser;
let dataDir: string;
const serves: ServeProcess[] = [];

beforeAll(async () => {
  web = await startFixtureWeb({ delayMs: 150 });
  dataDir = await makeTempDir();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const serve of serves) await serve.stop();
  await web?.close();
  await removeDir(dataDir);
});

/** Invoke a command through the page's window.api; resolves with its value or the message it was refused with. */
function invokeIn(page: Page, command: string, ...args: unknown[]): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  return page.evaluate(
    ([name, rest]) =>
      (globalThis as unknown as { api: { invoke(c: string, ...a: unknown[]): Promise<unknown> } }).api.invoke(name, ...rest).then(
        (value) => ({ ok: true as const, value }),
        (error: Error) => ({ ok: false as const, error: error.message }),
      ),
    [command, args] as const,
  );
}

it('shows a run owned by another serve as running elsewhere, refuses commands on it, and resumes it at once after a kill -9', async () => {
  const [owner, other] = await Promise.all([startServe(dataDir), startServe(dataDir)]);
  serves.push(owner, other);
  const ownerApp = await openApp(browser, owner.url);
  const urls = Array.from({ length: total }, (_, i) => web.url(`/page/${i + 1}`));
  await ownerApp.page.getByLabel('URLs').fill(urls.join('\n'));
  await ownerApp.page.getByLabel('Concurrency').fill('2');
  await ownerApp.page.getByLabel('Per host').fill('2');
  await ownerApp.page.getByRole('button', { name: /^Start/ }).click();
  await poll(async () => (await progressOf(ownerApp.page)).now, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  // Paused, it stays its owner's (and unfinished) for as long as the other process is looked at, however slow.
  await ownerApp.page.locator('.runbar').getByRole('button', { name: 'Pause', exact: true }).click();
  await poll(() => ownerApp.page.locator('.runbar .badge').textContent()).toBe('Paused');

  const otherApp = await openApp(browser, other.url);
  const { page } = otherApp;
  const history = page.getByRole('navigation', { name: 'History' });
  await poll(() => history.getByText('Running elsewhere').count()).toBe(1);
  const runs = (await invokeIn(page, 'history.list')) as { ok: true; value: { id: string; name: string; state: string }[] };
  const run = runs.value[0]!;
  expect(run.state).toBe('elsewhere');
  expect(await history.getByRole('button', { name: `Resume ${run.name}` }).count()).toBe(0);
  expect(await history.getByRole('button', { name: `Delete ${run.name}` }).count()).toBe(0);
  expect(await history.locator('.badge--elsewhere').getAttribute('title')).toBe('Running in another Titlewave window or process');

  // Opened here, it says where it runs and offers nothing that would act on it.
  await history.getByRole('button', { name: `Open ${run.name}` }).click();
  await poll(() => page.locator('.runbar .badge').textContent()).toBe('Running elsewhere');
  await poll(() => page.getByText('Running in another Titlewave window or process. Follow it, pause or cancel it there').count()).toBe(1);
  for (const name of ['Pause', 'Cancel', 'Resume', 'Retry failed']) expect(await page.locator('.runbar').getByRole('button', { name, exact: true }).count(), name).toBe(0);

  // Commands sent anyway are refused, with who owns the run.
  const refusal = `This run is going on in another Titlewave window or process (titlewave serve, process ${owner.child.pid})`;
  for (const [command, action] of [
    ['titles.cancel', 'cancel'],
    ['titles.pause', 'pause'],
    ['titles.resume', 'resume'],
    ['titles.retryFailed', 'open'],
    ['history.resume', 'open'],
    ['history.delete', 'stop'],
  ] as const) {
    expect(await invokeIn(page, command, run.id), command).toEqual({ ok: false, error: `${refusal}; ${action} it there.` });
  }
  expect((await progressOf(ownerApp.page)).now).toBeLessThan(total);

  // The owner dies without a word; the other notices by itself and offers Resume, which works at once.
  await owner.kill();
  await ownerApp.context.close();
  await poll(() => history.getByText('Interrupted').count()).toBe(1);
  await poll(() => page.locator('.runbar .badge').textContent()).toBe('Interrupted');
  const kept = (await invokeIn(page, 'history.load', run.id)) as { ok: true; value: { records: TitleRecord[] } };
  const keptIndexes = new Set(kept.value.records.map((record) => record.index));
  // Requests the dead owner had on the wire were answered to nobody; let them land before counting.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const hitsAtKill = urls.map((url) => web.hits(new URL(url).pathname));

  await history.getByRole('button', { name: `Resume ${run.name}` }).click();
  await waitForRunEnd(page, total);
  await poll(() => page.locator('.runbar .badge').textContent()).toBe('Done');
  urls.forEach((url, index) => {
    const fetchedAgain = web.hits(new URL(url).pathname) - hitsAtKill[index]!;
    expect(fetchedAgain, url).toBe(keptIndexes.has(index) ? 0 : 1);
  });
  const lines = (await readFile(join(dataDir, 'runs', run.id, 'records.jsonl'), 'utf8')).split('\n').filter(Boolean);
  expect(lines).toHaveLength(total);
  expect(new Set(lines.map((line) => (JSON.parse(line) as TitleRecord).index)).size).toBe(total);
  expect(otherApp.errors).toEqual([]);
  await otherApp.context.close();
});
