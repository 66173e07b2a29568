/**
 * Runs on a Redis queue, driven in Chromium through browser mode: "Run on: a Redis queue" with its connection test
 * (a wrong port, a wrong password, then the right URL), a run whose grid fills as real `titlewave worker`s commit,
 * the workers panel, and `serve` stopped and started again on the same data folder: the run is in History, attached
 * again, and ends with exactly one record per URL. A second queue without workers shows how to start one, and
 * cancelling there leaves only the run's summary on Redis. The password shows nowhere.
 *
 * With TITLEWAVE_SCREENSHOTS=<folder>, the views are saved there (light, dark, zh-CN, 1024×700) for a person to look at.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Api } from '../../src/contract.js';
import { startWorker, stopProcess, type Started } from '../cluster/helpers.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { launchChromium, makeTempDir, openApp, poll, progressOf, removeDir, startServe, waitForRunEnd, type ServeProcess } from './helpers.js';

const PASSWORD = 'e2e-Secret-42';
const screenshots = process.env.TITLEWAVE_SCREENSHOTS;

let redis: RedisServer;
let web: FixtureWeb;
let browser: Browser;
let dataDir: string;
const workers: Started[] = [];
const serves: ServeProcess[] = [];

beforeAll(async () => {
  [redis, web, browser, dataDir] = await Promise.all([startRedisServer({ password: PASSWORD }), startFixtureWeb({ hosts: 3, delayMs: 20 }), launchChromium(), makeTempDir()]);
  workers.push(...(await Promise.all([startWorker(redis.url, 'rack-1', ['--concurrency', '6']), startWorker(redis.url, 'rack-2', ['--concurrency', '6'])])));
  if (screenshots) mkdirSync(screenshots, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const serve of serves) await serve.stop();
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await Promise.all([redis?.stop(), web?.close()]);
  await removeDir(dataDir);
}, 30_000);

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

const api = (page: Page) => ({
  list: () => page.evaluate(() => (globalThis as unknown as { api: Api }).api.invoke('history.list')),
  load: (id: string) => page.evaluate((runId) => (globalThis as unknown as { api: Api }).api.invoke('history.load', runId), id),
});

/** Types a URL into "Run on", saves and tests it; returns the status line's text. */
async function saveUrl(page: Page, url: string, zh = false): Promise<string> {
  // The setting loads with the page: wait for it, then change the saved URL if there is one.
  await page.locator('.runon__saved, .runon__form').first().waitFor();
  const change = page.getByRole('button', { name: zh ? '更改' : 'Change' });
  if (await change.isVisible()) await change.click();
  await page.getByLabel(zh ? 'Redis 地址' : 'Redis URL').fill(url);
  await page.getByRole('button', { name: zh ? '保存并测试' : 'Save and test' }).click();
  const status = page.locator('.runon__status');
  await status.waitFor({ timeout: 15_000 });
  return (await status.textContent()) ?? '';
}

/** Every file of the data folder but the queue settings, as text. */
function dataFilesBut(except: string): string {
  let text = '';
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name !== except) text += readFileSync(path, 'utf8');
    }
  };
  walk(dataDir);
  return text;
}

it('tests the connection, runs on the queue with its workers shown, and survives serve being stopped and started again', async () => {
  const first = await startServe(dataDir);
  serves.push(first);
  const { page, context, errors } = await openApp(browser, first.url, { viewport: { width: 1024, height: 700 } });
  // The choice is a segmented pair of radios: the user clicks its label.
  await page.locator('label', { hasText: 'A Redis queue' }).click();
  expect(await page.getByRole('radio', { name: 'A Redis queue' }).isChecked()).toBe(true);
  await page.getByLabel('Redis URL').waitFor();
  await shot(page, 'runon-empty-light');

  // A wrong port, then a wrong password: each says what it is, and the page never shows the password.
  const wrongPort = await saveUrl(page, `redis://:${PASSWORD}@127.0.0.1:${await freePort()}/0`);
  expect(wrongPort).toMatch(/Cannot reach Redis.*connection refused/);
  await shot(page, 'runon-unreachable-light');
  const wrongPassword = await saveUrl(page, `redis://:not-${PASSWORD}@127.0.0.1:${redis.port}/0`);
  expect(wrongPassword).toMatch(/Wrong or missing password.*refused the password/);
  const ok = await saveUrl(page, redis.url);
  expect(ok).toMatch(/Connected to Redis \d+\.\d+\.\d+: 2 workers connected/);
  const display = `redis://:***@127.0.0.1:${redis.port}/0`;
  await poll(() => page.locator('.runon__display').textContent()).toBe(display);
  await shot(page, 'runon-connected-light');

  // More URLs than the producer keeps queued (4 chunks a host): the run cannot end while serve is stopped.
  const total = 300;
  const urls = Array.from({ length: total }, (_, i) => web.url(`/page/q-${i}?delay=100`, i % 3));
  await page.getByLabel('URLs').fill(urls.join('\n'));
  await page.getByLabel('Per host').fill('2');
  await page.getByRole('button', { name: /^Start/ }).click();
  await poll(() => page.locator('.runbar .badge--queue').textContent()).toBe('Queue');

  // The grid fills as the workers commit; the workers panel lists both, on this run.
  await poll(async () => (await progressOf(page)).now, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
  const panel = page.getByRole('region', { name: 'Workers' });
  await poll(() => panel.getByRole('rowheader').allTextContents()).toEqual(['rack-1', 'rack-2']);
  await poll(() => panel.getByText(`On queue ${display}`).isVisible()).toBe(true);
  await poll(() => panel.getByText(/just now|\d s ago/).count()).toBe(2);
  await shot(page, 'queue-run-light');
  expect(await page.locator('body').textContent()).not.toContain(PASSWORD);

  // Stop serve mid-run (as closing the app does): the run goes on on the queue, and the journal keeps what it got.
  const [run] = await api(page).list();
  expect(run).toMatchObject({ queue: display, state: 'running' });
  await context.close();
  await first.stop();
  expect(first.stderr()).not.toContain(PASSWORD);
  const meta = JSON.parse(readFileSync(join(dataDir, 'runs', run!.id, 'meta.json'), 'utf8')) as { state: string; done: number };
  expect(meta.state).toBe('interrupted');
  expect(meta.done).toBeLessThan(total);

  // Started again: the run is in History, attached again (Running), and finishes with one record per URL.
  const second = await startServe(dataDir);
  serves.push(second);
  const again = await openApp(browser, second.url, { viewport: { width: 1024, height: 700 } });
  const history = again.page.getByRole('navigation', { name: 'History' });
  await poll(() => history.getByText('Running').count(), { timeout: 20_000 }).toBe(1);
  await poll(() => history.locator('.badge--queue').count()).toBe(1);
  await history.getByRole('button', { name: `Open ${run!.name}` }).click();
  await poll(() => again.page.getByRole('region', { name: 'Workers' }).getByRole('rowheader').count()).toBe(2);
  await shot(again.page, 'queue-run-reattached-light');
  await waitForRunEnd(again.page, total, 60_000);
  await poll(() => again.page.locator('.runbar .badge').first().textContent()).toBe('Done');
  const loaded = await api(again.page).load(run!.id);
  expect(loaded.records.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
  expect(loaded.records.every((record) => record.error === null && record.title === web.titleFor(new URL(record.url).pathname, urls.indexOf(record.url) % 3))).toBe(true);
  const lines = readFileSync(join(dataDir, 'runs', run!.id, 'records.jsonl'), 'utf8').split('\n').filter(Boolean);
  expect(lines).toHaveLength(total);
  // Every URL was requested once: nothing fetched twice across the stop.
  expect(web.stats().reduce((sum, port) => sum + port.requests, 0)).toBe(total);

  expect(await again.page.locator('body').textContent()).not.toContain(PASSWORD);
  expect(second.stderr()).not.toContain(PASSWORD);
  expect(dataFilesBut('queue.json')).not.toContain(PASSWORD);
  // Forget: the URL and its password leave this computer.
  expect(readFileSync(join(dataDir, 'queue.json'), 'utf8')).toContain(PASSWORD);
  await again.page.getByRole('button', { name: 'New run' }).click();
  await again.page.getByRole('button', { name: 'Forget' }).click();
  await again.page.getByLabel('Redis URL').waitFor();
  expect(readFileSync(join(dataDir, 'queue.json'), 'utf8')).not.toContain(PASSWORD);
  expect(errors).toEqual([]);
  expect(again.errors).toEqual([]);
  await again.context.close();
}, 180_000);

it('shows how to start a worker when none is connected, and a cancel from the app leaves only the summary on Redis', async () => {
  const empty = await startRedisServer();
  try {
    const serve = serves.at(-1)!;
    for (const [name, options] of [
      ['light', {}],
      ['dark', { colorScheme: 'dark' as const }],
      ['zh-CN', { locale: 'zh-CN' }],
    ] as const) {
      const { page, context, errors } = await openApp(browser, serve.url, { viewport: { width: 1024, height: 700 }, ...options });
      const zh = name === 'zh-CN';
      const status = await saveUrl(page, empty.url, zh);
      expect(status).toMatch(zh ? /已连接 Redis .*还没有工作进程连接/ : /no worker connected yet/);
      await shot(page, `runon-no-workers-${name}`);
      await page.getByLabel(zh ? '网址列表' : 'URLs').fill(Array.from({ length: 40 }, (_, i) => web.url(`/page/none-${name}-${i}`)).join('\n'));
      await page.getByRole('button', { name: zh ? /^开始/ : /^Start/ }).click();
      const panel = page.getByRole('region', { name: zh ? '工作进程' : 'Workers' });
      await poll(() => panel.getByText(zh ? '没有工作进程连接' : 'No worker is connected').isVisible()).toBe(true);
      await poll(() => panel.locator('.workers__command').textContent()).toBe(`titlewave worker --redis 'redis://127.0.0.1:${empty.port}/0'`);
      await shot(page, `queue-no-workers-${name}`);

      const [run] = (await api(page).list()).filter((item) => item.queue?.includes(String(empty.port)));
      await page.locator('.runbar').getByRole('button', { name: zh ? '取消' : 'Cancel' }).click();
      await poll(() => page.locator('.runbar .badge').first().textContent()).toBe(zh ? '已取消' : 'Cancelled');
      const client = new Redis(empty.url);
      try {
        expect((await client.keys(`tw:run:${run!.id}*`)).sort()).toEqual([`tw:run:${run!.id}`]);
        expect(await client.hget(`tw:run:${run!.id}`, 'state')).toBe('cancelled');
        expect((await client.lrange('tw:titles:wait', 0, -1)).filter((id) => id.startsWith(`${run!.id}.`))).toEqual([]);
      } finally {
        client.disconnect();
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  } finally {
    await empty.stop();
  }
}, 120_000);
