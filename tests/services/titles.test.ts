/**
 * Titles runs through the services, end to end against a loopback web: journal contents, batching cadence,
 * pause/resume, cancel, retry failed, history list/load/delete. Where timing matters, pages answer when the test
 * releases them (gated-web.ts) and the cadence is checked on a fake clock.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Events, RunSummary, TitlesSettings } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startGatedWeb } from '../helpers/gated-web.js';
import { startFlakyServer, type FlakyServer } from './flaky-server.js';

type Update = Events['titles.update'];

const settings: TitlesSettings = { concurrency: 8, perHost: 8, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };

let web: FixtureWeb;
let flaky: FlakyServer;
const open: Services[] = [];

beforeAll(async () => {
  web = await startFixtureWeb();
  flaky = await startFlakyServer();
});
afterAll(async () => {
  await web.close();
  await flaky.close();
});

/** Requests the fixture web answered for a URL (path and query as requested). */
function hitsOf(url: string): number {
  const { pathname, search } = new URL(url);
  return web.hits(pathname + search);
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((services) => services.close()));
});

async function newServices(dataDir?: string): Promise<{ services: Services; dataDir: string; updates: Update[]; history: RunSummary[][] }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'titlewave-services-')));
  const services = createServices({ dataDir: dir });
  open.push(services);
  const updates: Update[] = [];
  const history: RunSummary[][] = [];
  services.on('titles.update', (update) => updates.push(update));
  services.on('history.changed', ({ runs }) => history.push(runs));
  return { services, dataDir: dir, updates, history };
}

function finalUpdate(updates: Update[], runId: string, after = 0): Promise<Update> {
  return expect
    .poll(() => updates.slice(after).find((u) => u.runId === runId && (u.state === 'done' || u.state === 'cancelled')), { timeout: 30_000, interval: 20 })
    .toBeTruthy()
    .then(() => updates.slice(after).find((u) => u.runId === runId && (u.state === 'done' || u.state === 'cancelled')) as Update);
}

function recordsOf(updates: Update[], runId: string): TitleRecord[] {
  return updates.filter((u) => u.runId === runId).flatMap((u) => u.records);
}

async function journalLines(dataDir: string, runId: string): Promise<TitleRecord[]> {
  const text = await readFile(join(dataDir, 'runs', runId, 'records.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TitleRecord);
}

async function readMeta(dataDir: string, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dataDir, 'runs', runId, 'meta.json'), 'utf8')) as Record<string, unknown>;
}

describe('a titles run through the services', () => {
  it('fetches every distinct entry once, journals each record, and saves the run in history', async () => {
    const { services, dataDir, updates, history } = await newServices();
    const urls = Array.from({ length: 30 }, (_, i) => web.url(`/page/e2e-${i}`));
    const text = ['', ...urls, urls[3], 'javascript:alert(1)', '   ', web.url('/hostile/xss-title')].join('\n');
    const { runId } = await services.invoke('titles.start', [{ text, settings, name: 'thirty' }]);
    const final = await finalUpdate(updates, runId);

    expect(final.state).toBe('done');
    expect(final.summary).toBeDefined();
    expect(final.progress).toMatchObject({ total: 32, done: 32, failed: 1 });
    const shown = recordsOf(updates, runId);
    expect(shown.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const byIndex = new Map(shown.map((r) => [r.index, r]));
    expect(byIndex.get(0)).toMatchObject({ url: urls[0], title: web.titleFor('/page/e2e-0'), status: 200, error: null });
    expect(byIndex.get(30)).toMatchObject({ url: 'javascript:alert(1)', error: { code: 'INVALID_URL' } });
    expect(byIndex.get(31)?.title).toBe('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> & <b>bold</b>');
    for (const url of urls) expect(hitsOf(url), url).toBe(1);

    // The journal holds exactly what was shown, the input as given, and the final meta.
    const lines = await journalLines(dataDir, runId);
    expect(lines).toEqual(shown);
    expect(await readFile(join(dataDir, 'runs', runId, 'input.txt'), 'utf8')).toBe(text);
    expect(await readMeta(dataDir, runId)).toMatchObject({ id: runId, name: 'thirty', state: 'done', total: 32, done: 32, failed: 1, owner: null, settings });

    const list = await services.invoke('history.list', []);
    expect(list[0]).toMatchObject({ id: runId, name: 'thirty', state: 'done', total: 32, done: 32, failed: 1 });
    await expect.poll(() => history.at(-1)?.[0]?.state).toBe('done');

    const loaded = await services.invoke('history.load', [runId]);
    expect(loaded.run).toMatchObject({ id: runId, state: 'done', done: 32 });
    expect(loaded.records).toEqual([...shown].sort((a, b) => a.index - b.index));
    expect(loaded.urls).toEqual([...urls, 'javascript:alert(1)', web.url('/hostile/xss-title')]);
  });

  it('batches updates: at most one each 100 ms of its clock, each carrying the records since the last', async () => {
    const gated = await startGatedWeb();
    // The services' clock and timers are the test's; the pages and the journal are real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { services, updates } = await newServices();
      const urls = Array.from({ length: 300 }, (_, i) => gated.url(`/cadence-${i}`));
      const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, concurrency: 100, perHost: 100, timeoutMs: 600_000 } }]);
      const mine = () => updates.filter((u) => u.runId === runId);
      // Ten pages answered per 10 ms of the clock, until the run ends: about 100 records in every 100 ms.
      for (let step = 0; !mine().some((u) => u.state === 'done'); step++) {
        if (step > 20_000) throw new Error('the run did not end');
        let answered = 0;
        gated.release(() => answered++ < 10);
        for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
        await vi.advanceTimersByTimeAsync(10);
      }
      const all = mine();
      const paced = all.slice(0, -1);
      // Each paced update went out at least 100 ms after the one before (the final one goes at once).
      for (let i = 1; i < paced.length; i++) expect(paced[i]!.progress.elapsedMs - paced[i - 1]!.progress.elapsedMs).toBeGreaterThanOrEqual(100);
      expect(all.at(-1)?.state).toBe('done');
      expect(all.length).toBeLessThanOrEqual(Math.floor(performance.now() / 100) + 2);
      expect(Math.max(...all.map((u) => u.records.length))).toBeGreaterThan(1);
      // Every record once, and progress in each update agrees with the records delivered so far.
      expect(recordsOf(updates, runId).map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      let delivered = 0;
      for (const update of all) {
        delivered += update.records.length;
        expect(update.progress.done).toBe(delivered);
        expect(update.progress.total).toBe(300);
      }
    } finally {
      vi.useRealTimers();
      await gated.close();
    }
  });

  it('pauses (no new requests start) and resumes to the end', async () => {
    const gated = await startGatedWeb();
    try {
      const { services, dataDir, updates } = await newServices();
      const urls = Array.from({ length: 24 }, (_, i) => gated.url(`/pause-${i}`));
      const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, concurrency: 2, perHost: 2 } }]);
      await gated.arrived(2);
      await services.invoke('titles.pause', [runId]);
      expect((await readMeta(dataDir, runId)).state).toBe('paused');
      expect((await services.invoke('history.list', []))[0]?.state).toBe('paused');
      // The two requests in flight finish; then nothing more is requested while paused.
      gated.release();
      await expect.poll(() => updates.filter((u) => u.runId === runId).at(-1)?.progress, { timeout: 10_000 }).toMatchObject({ done: 2, inFlight: 0, paused: true });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gated.arrivals).toHaveLength(2);

      gated.open();
      await services.invoke('titles.resume', [runId]);
      expect((await readMeta(dataDir, runId)).state).toBe('running');
      const final = await finalUpdate(updates, runId);
      expect(final).toMatchObject({ state: 'done', progress: { done: 24, failed: 0 } });
      expect(gated.arrivals.map((r) => r.path).sort()).toEqual(urls.map((url) => new URL(url).pathname).sort());
    } finally {
      await gated.close();
    }
  });

  it('cancels a paused run, and deletes a run that is going', async () => {
    const { services, dataDir, updates } = await newServices();
    const urls = Array.from({ length: 20 }, (_, i) => web.url(`/page/paused-cancel-${i}?delay=100`));
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, concurrency: 1, perHost: 1 } }]);
    await services.invoke('titles.pause', [runId]);
    await services.invoke('titles.cancel', [runId]);
    expect(updates.filter((u) => u.runId === runId).at(-1)).toMatchObject({ state: 'cancelled', summary: { cancelled: true } });
    expect((await readMeta(dataDir, runId)).state).toBe('cancelled');
    await expect(services.invoke('titles.pause', [runId])).rejects.toThrow(/not going/);

    const going = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, concurrency: 1, perHost: 1 } }]);
    await services.invoke('history.delete', [going.runId]);
    expect(await readdir(join(dataDir, 'runs'))).toEqual([runId]);
    const requested = urls.reduce((sum, url) => sum + hitsOf(url), 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(urls.reduce((sum, url) => sum + hitsOf(url), 0)).toBe(requested);
  });

  it('cancels, keeps what was done, and resumes fetching only the rest', async () => {
    const gated = await startGatedWeb();
    try {
      const { services, dataDir, updates } = await newServices();
      const urls = Array.from({ length: 40 }, (_, i) => gated.url(`/cancel-${i}`));
      const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, concurrency: 2, perHost: 2 } }]);
      // Four pages answered, one at a time; two more requested and held when the run is cancelled.
      for (let answered = 0; answered < 4; answered++) {
        await gated.arrived(answered + 2);
        let one = 0;
        gated.release(() => one++ < 1);
        await expect.poll(() => recordsOf(updates, runId).length, { timeout: 10_000 }).toBe(answered + 1);
      }
      await gated.arrived(6);
      await services.invoke('titles.cancel', [runId]);
      const cancelled = updates.find((u) => u.runId === runId && u.state === 'cancelled');
      expect(cancelled?.summary?.cancelled).toBe(true);
      expect((await readMeta(dataDir, runId)).state).toBe('cancelled');
      const kept = await journalLines(dataDir, runId);
      expect(kept).toHaveLength(4);
      expect(kept.every((r) => r.error === null)).toBe(true);
      const requestedBefore = gated.arrivals.length;

      gated.open();
      const after = updates.length;
      await services.invoke('history.resume', [runId]);
      const final = await finalUpdate(updates, runId, after);
      expect(final).toMatchObject({ state: 'done', progress: { total: 40, done: 40 } });
      // Rows that had a record were not fetched again; the two cancelled in flight were.
      const again = gated.arrivals.slice(requestedBefore).map((r) => r.path);
      expect(again).toHaveLength(36);
      for (const record of kept) expect(again).not.toContain(new URL(record.url).pathname);
      const loaded = await services.invoke('history.load', [runId]);
      expect(loaded.records).toHaveLength(40);
      expect(loaded.records.every((r) => r.error === null && r.title === gated.titleFor(`/cancel-${r.index}`))).toBe(true);
    } finally {
      await gated.close();
    }
  });

  it('retries the failed rows in the same run; new records win by index', async () => {
    const { services, dataDir, updates } = await newServices();
    const urls = [web.url('/page/ok-1'), flaky.url('a'), web.url('/page/ok-2'), flaky.url('b'), 'ftp://example.com/file'];
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings }]);
    const first = await finalUpdate(updates, runId);
    expect(first.progress).toMatchObject({ done: 5, failed: 3 });

    const after = updates.length;
    expect(await services.invoke('titles.retryFailed', [runId])).toEqual({ runId, count: 2, adjusted: [] });
    const second = await finalUpdate(updates, runId, after);
    expect(second.progress).toMatchObject({ total: 5, done: 5, failed: 1 });
    expect(recordsOf(updates.slice(after), runId).map((r) => r.index).sort()).toEqual([1, 3]);
    expect(hitsOf(urls[0] as string)).toBe(1);
    expect(flaky.hits('a')).toBe(2);
    expect(flaky.hits('b')).toBe(2);

    const loaded = await services.invoke('history.load', [runId]);
    expect(loaded.records.map((r) => [r.index, r.error?.code ?? null, r.title])).toEqual([
      [0, null, web.titleFor('/page/ok-1')],
      [1, null, 'Second try a'],
      [2, null, web.titleFor('/page/ok-2')],
      [3, null, 'Second try b'],
      [4, 'INVALID_URL', null],
    ]);
    expect(loaded.run).toMatchObject({ done: 5, failed: 1, state: 'done' });
    // One final update per job, and it is the last one.
    expect(updates.filter((u) => u.runId === runId && u.state !== 'running').map((u) => u.state)).toEqual(['done', 'done']);
    expect(updates.filter((u) => u.runId === runId).at(-1)?.state).toBe('done');
    expect(await journalLines(dataDir, runId)).toHaveLength(7);
    // Nothing left to retry: no job starts.
    expect(await services.invoke('titles.retryFailed', [runId])).toEqual({ runId, count: 0, adjusted: [] });
  });

  it('lists newest first, deletes a run (folder and all), and refuses unknown or hostile ids', async () => {
    const { services, dataDir, updates, history } = await newServices();
    const a = await services.invoke('titles.start', [{ text: web.url('/page/list-a'), settings, name: 'A' }]);
    await finalUpdate(updates, a.runId);
    const b = await services.invoke('titles.start', [{ text: web.url('/page/list-b'), settings, name: 'B' }]);
    await finalUpdate(updates, b.runId);
    expect((await services.invoke('history.list', [])).map((r) => r.name)).toEqual(['B', 'A']);

    await services.invoke('history.delete', [a.runId]);
    expect(await readdir(join(dataDir, 'runs'))).toEqual([b.runId]);
    expect((await services.invoke('history.list', [])).map((r) => r.name)).toEqual(['B']);
    await expect.poll(() => history.at(-1)?.map((r) => r.name)).toEqual(['B']);
    await expect(services.invoke('history.load', [a.runId])).rejects.toThrow(/No run/);
    await expect(services.invoke('history.load', ['../../etc'])).rejects.toThrow(/Invalid arguments/);
    await expect(services.invoke('titles.start', [{ text: '\n  \n', settings }])).rejects.toThrow(/no URLs/);
  });
});
