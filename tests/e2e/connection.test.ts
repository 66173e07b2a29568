/**
 * A page of browser mode whose server goes away (issue 12, item 6), in Chromium: the banner "Connection lost —
 * reconnecting…" at once, without a click, with the controls that need the server disabled; a restart of
 * `titlewave serve` on the same port and data folder, and the page reconnects by itself and shows live state again;
 * a restart with another address, and the page (and a reload of it) says exactly what to do. And a reload during and
 * after a primes and a thumbnails job keeps their results. A server that is stopped (SIGSTOP) but keeps its socket
 * open is noticed by the bridge's heartbeat.
 */
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { launchChromium, makeTempDir, openApp, poll, progressOf, removeDir, startServe, waitForRunEnd, type ServeProcess } from './helpers.js';

let web: FixtureWeb;
let browser: Browser;
const dirs: string[] = [];
const serves: ServeProcess[] = [];

beforeAll(async () => {
  web = await startFixtureWeb({ delayMs: 250 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const serve of serves) await serve.stop();
  await web?.close();
  for (const dir of dirs) await removeDir(dir);
});

async function tempDir(prefix?: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}

/** A port below 32768 (never an ephemeral one another process may be handed) that is free right now. */
async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 32768');
}

async function serveOn(dataDir: string, port: number, extra: string[] = []): Promise<ServeProcess> {
  const serve = await startServe(dataDir, ['--port', String(port), ...extra]);
  serves.push(serve);
  return serve;
}

describe('when the server goes away', () => {
  it('shows the banner at once, reconnects by itself after a restart on the same port, and says what to do after a restart with another address', async () => {
    const [dataDir, port] = await Promise.all([tempDir(), freeLowPort()]);
    const first = await serveOn(dataDir, port);
    const { page, context, errors } = await openApp(browser, first.url);
    const banner = page.getByRole('alert').filter({ hasText: 'Connection lost — reconnecting…' });

    // A titles run going when the server dies.
    const total = 30;
    const urls = Array.from({ length: total }, (_, i) => web.url(`/page/conn-${i}`));
    await page.getByLabel('URLs').fill(urls.join('\n'));
    await page.getByLabel('Concurrency').fill('2');
    await page.getByLabel('Per host').fill('2');
    await page.getByRole('button', { name: /^Start/ }).click();
    await poll(async () => (await progressOf(page)).now, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(await banner.count()).toBe(0);

    await first.kill();
    // No click needed: the page says so by itself, and what needs the server is disabled.
    await poll(() => banner.count()).toBe(1);
    await poll(() => page.locator('.runbar').getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
    expect(await page.locator('.runbar').getByRole('button', { name: /^Cancel/ }).isDisabled()).toBe(true);
    expect(await page.getByRole('combobox', { name: 'Language' }).isDisabled()).toBe(true);
    expect(await page.getByRole('navigation', { name: 'History' }).getByRole('button').first().isDisabled()).toBe(true);
    const frozen = (await progressOf(page)).now;
    expect(frozen).toBeLessThan(total);

    // The same data folder and port: the same address, and the page reconnects by itself.
    const second = await serveOn(dataDir, port);
    expect(second.url).toBe(first.url);
    await poll(() => banner.count(), { timeout: 20_000 }).toBe(0);
    await poll(() => page.getByText('Connected to Titlewave again.').count()).toBe(1);
    // Live state: the run the dead server was doing is interrupted, resumable, and resumes to the end.
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Interrupted');
    await page.locator('.runbar').getByRole('button', { name: 'Resume', exact: true }).click();
    await waitForRunEnd(page, total);
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Done');
    expect(await page.getByRole('combobox', { name: 'Language' }).isDisabled()).toBe(false);

    // Restarted with another address: the page cannot come back, and says exactly what to do.
    await second.kill();
    await poll(() => banner.count()).toBe(1);
    const third = await serveOn(dataDir, port, ['--new-address']);
    expect(third.url).not.toBe(first.url);
    const replaced = 'Titlewave was restarted with a new address: open the address titlewave serve printed.';
    await poll(() => page.getByRole('alert').filter({ hasText: replaced }).count(), { timeout: 20_000 }).toBe(1);
    expect(await banner.count()).toBe(0);
    // A reload of the old address gets the same advice from the server, not a bare "Unauthorized".
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(403);
    await poll(() => page.locator('body').innerText()).toContain(replaced);
    expect(await page.locator('body').innerText()).toContain('Titlewave 已使用新地址重新启动');
    // The printed address works.
    await page.goto(third.url);
    await page.getByRole('tablist').waitFor();
    await poll(() => page.getByRole('navigation', { name: 'History' }).getByText('Done').count()).toBe(1);
    expect(errors.filter((error) => !/Failed to load resource|WebSocket connection/.test(error))).toEqual([]);
    await context.close();
  });
});

describe('when the server stops answering but keeps its socket open', () => {
  it('shows the banner within seconds of a SIGSTOP, and clears it after SIGCONT', async () => {
    const serve = await startServe(await tempDir());
    serves.push(serve);
    const { page, context, errors } = await openApp(browser, serve.url);
    const banner = page.getByRole('alert').filter({ hasText: 'Connection lost — reconnecting…' });
    await page.getByRole('tablist').waitFor();
    expect(await banner.count()).toBe(0);
    try {
      serve.child.kill('SIGSTOP');
      // The heartbeat: a ping a second, lost after 4 s without an answer (the socket itself never closes).
      await poll(() => banner.count(), { timeout: 15_000 }).toBe(1);
      expect(await page.getByRole('combobox', { name: 'Language' }).isDisabled()).toBe(true);
    } finally {
      serve.child.kill('SIGCONT');
    }
    await poll(() => banner.count(), { timeout: 20_000 }).toBe(0);
    await poll(() => page.getByText('Connected to Titlewave again.').count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Language' }).isDisabled()).toBe(false);
    expect(errors.filter((error) => !/Failed to load resource|WebSocket connection/.test(error))).toEqual([]);
    await context.close();
  });
});

describe('a reload', () => {
  let serve: ServeProcess;
  let photos: string;

  beforeAll(async () => {
    const [dataDir, work] = await Promise.all([tempDir(), tempDir('titlewave-reload-')]);
    serve = await startServe(dataDir);
    serves.push(serve);
    photos = join(work, 'Photos');
    await mkdir(photos);
    const noise = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg();
    for (let i = 0; i < 24; i++) await noise(900 + i, 700).toFile(join(photos, `photo-${String(i).padStart(2, '0')}.jpg`));
  });

  it('during and after a prime count, and after a check and a list, keeps their results', async () => {
    const { page, context, errors } = await openApp(browser, serve.url);
    await page.getByRole('tab', { name: 'Primes' }).click();
    const range = page.getByRole('region', { name: 'Count or list primes in a range' });
    const check = page.getByRole('region', { name: 'Check numbers' });

    await check.getByRole('button', { name: 'Use the tutorial’s example' }).click();
    await check.getByRole('button', { name: /^Check/ }).click();
    await poll(() => check.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^13 checked · 12 prime · 1 composite/);

    await range.getByLabel('From', { exact: true }).fill('0');
    await range.getByLabel('To', { exact: true }).fill('1e14');
    await range.getByRole('button', { name: 'Count', exact: true }).click();
    // Hours of work: asked first.
    await page.getByRole('dialog', { name: 'This will take a long time' }).getByRole('button', { name: 'Start anyway' }).click();
    const bar = range.getByRole('progressbar');
    await poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);

    // During: the running count is shown again, with its bounds, and goes on.
    await page.reload();
    await page.getByRole('tab', { name: 'Primes' }).click();
    await poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await range.getByLabel('To', { exact: true }).inputValue()).toBe('100000000000000');
    const before = Number(await bar.getAttribute('aria-valuenow'));
    await poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(before);
    // The check's results came back too.
    await poll(() => check.getByRole('status').textContent()).toMatch(/^13 checked · 12 prime · 1 composite/);
    expect(Number(await check.getByRole('grid').getAttribute('aria-rowcount'))).toBe(14);
    // Still its job: Cancel works.
    await range.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => range.getByText(/^Cancelled/).count(), { timeout: 10_000 }).toBe(1);

    // After: a finished list is shown again in full.
    await range.getByLabel('From', { exact: true }).fill('1000');
    await range.getByLabel('To', { exact: true }).fill('5000');
    await range.getByRole('button', { name: 'List', exact: true }).click();
    const count = range.locator('.primes-result-card__count');
    await poll(() => count.textContent(), { timeout: 20_000 }).toBe('501 primes in [1,000, 5,000]');
    await page.reload();
    await page.getByRole('tab', { name: 'Primes' }).click();
    await poll(() => count.textContent(), { timeout: 20_000 }).toBe('501 primes in [1,000, 5,000]');
    await poll(() => range.getByText('501 shown').count()).toBe(1);
    expect(await range.getByRole('list', { name: 'Primes' }).locator('.prime-list__prime').first().textContent()).toBe('1009');
    expect(await range.getByLabel('From', { exact: true }).inputValue()).toBe('1000');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('during and after a thumbnails job keeps its thumbnails, counts and inputs', async () => {
    const { page, context, errors } = await openApp(browser, serve.url);
    await page.getByRole('tab', { name: 'Thumbnails' }).click();
    const inputs = page.getByRole('region', { name: 'Images', exact: true });
    const run = page.getByRole('region', { name: 'Thumbnails', exact: true });
    await inputs.getByLabel('Folder or image path').fill(photos);
    await inputs.getByRole('button', { name: 'Add' }).click();
    await poll(() => inputs.getByText('24 images found').count(), { timeout: 20_000 }).toBe(1);
    await run.getByRole('button', { name: /^Make thumbnails/ }).click();
    await poll(async () => Number(await run.getByTestId('thumbs-done').textContent()), { timeout: 20_000 }).toBeGreaterThan(0);

    // During (or just after, on a fast machine): the job is shown again, and ends with every thumbnail.
    await page.reload();
    await page.getByRole('tab', { name: 'Thumbnails' }).click();
    await poll(() => run.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Finished: 24 images/);
    const pictures = run.getByRole('list', { name: 'Thumbnails made' }).getByRole('img');
    await poll(() => pictures.count()).toBe(24);
    expect(await run.getByTestId('thumbs-done').textContent()).toBe('24');
    // Its inputs too.
    await poll(() => inputs.getByText('24 images found').count(), { timeout: 20_000 }).toBe(1);

    // After: the same again, previews loading.
    await page.reload();
    await page.getByRole('tab', { name: 'Thumbnails' }).click();
    await poll(() => run.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^Finished: 24 images/);
    await poll(() => pictures.count()).toBe(24);
    const widths = () => pictures.evaluateAll((elements) => elements.map((element) => (element as unknown as { naturalWidth: number }).naturalWidth));
    await poll(async () => (await widths()).every((width) => width > 0)).toBe(true);
    expect(await run.getByRole('button', { name: 'Open output folder' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
