/**
 * What a titles run does with HTTP problems and what the app asks of a run (issue 12): "Retry failed" takes failed
 * fetches and transient statuses (5xx, 429) but not a 404 or 410; "retry rows" takes exactly the rows asked for;
 * a run can be renamed (validated, kept in meta.json); a run's elapsed time goes on over its retries and leaves its
 * pauses out. Against a loopback web, through the services.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandArgs, type Events, type TitlesSettings } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import { isRetryableRecord, statusClassOf } from '../../src/titles/problems.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

type Update = Events['titles.update'];

const settings: TitlesSettings = { concurrency: 8, perHost: 8, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };

let web: FixtureWeb;
/** /<status>/<name>: answers <status> the first time, then a page (the fixture web's /flaky keeps its status). */
let once: Server;
let onceOrigin: string;
const open: Services[] = [];

beforeAll(async () => {
  web = await startFixtureWeb();
  const seen = new Set<string>();
  once = createServer((request, response) => {
    const path = request.url ?? '/';
    const status = seen.has(path) ? 200 : Number(path.split('/')[1]);
    seen.add(path);
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>${status} ${path}</title>`);
  });
  await new Promise<void>((resolve) => once.listen(0, '127.0.0.1', resolve));
  onceOrigin = `http://127.0.0.1:${(once.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await web.close();
  once.closeAllConnections();
  await new Promise((resolve) => once.close(resolve));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((services) => services.close()));
});

async function newServices(): Promise<{ services: Services; dataDir: string; updates: Update[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-problems-'));
  const services = createServices({ dataDir });
  open.push(services);
  const updates: Update[] = [];
  services.on('titles.update', (update) => updates.push(update));
  return { services, dataDir, updates };
}

/** The run's final update after the `after`-th update (a job of the run ending). */
async function ended(updates: Update[], runId: string, after = 0): Promise<Update> {
  const find = () => updates.slice(after).find((u) => u.runId === runId && (u.state === 'done' || u.state === 'cancelled'));
  await expect.poll(find, { timeout: 30_000, interval: 20 }).toBeTruthy();
  return find()!;
}

function pathOf(url: string): string {
  const { pathname, search } = new URL(url);
  return pathname + search;
}

describe('problems of a titles run', () => {
  it('classifies records by status and says which ones Retry failed takes', () => {
    const record = (status: number | null, code: string | null = null) => ({ status, error: code === null ? null : { code, message: '' } }) as Pick<TitleRecord, 'status' | 'error'>;
    expect([200, 301, 404, 503].map((status) => statusClassOf(record(status)))).toEqual(['2xx', '3xx', '4xx', '5xx']);
    expect(statusClassOf(record(null, 'TIMEOUT'))).toBe('network');
    expect(statusClassOf(record(null, 'INVALID_URL'))).toBe('invalid');
    expect([500, 502, 503, 504, 429, 408, 425].every((status) => isRetryableRecord(record(status)))).toBe(true);
    expect([200, 301, 400, 401, 403, 404, 410, 451].some((status) => isRetryableRecord(record(status)))).toBe(false);
    expect(isRetryableRecord(record(null, 'CONNECT'))).toBe(true);
    expect(isRetryableRecord(record(200, 'NOT_HTML'))).toBe(true);
    expect(isRetryableRecord(record(null, 'INVALID_URL'))).toBe(false);
  });

  it('retries 5xx and 429 answers with the failed fetches, never a 404 or 410', async () => {
    const { services, updates } = await newServices();
    const urls = {
      ok: web.url('/page/fine'),
      gone: web.url('/status/410'),
      missing: web.url('/status/404'),
      // 503 and 429 once, then a page: what a retry is for.
      busy: `${onceOrigin}/503/busy`,
      limited: `${onceOrigin}/429/limited`,
      refused: 'http://127.0.0.1:1/refused',
      invalid: 'javascript:alert(1)',
    };
    const { runId } = await services.invoke('titles.start', [{ text: Object.values(urls).join('\n'), settings }]);
    const first = await ended(updates, runId);
    const byUrl = new Map(updates.flatMap((u) => u.records).map((record) => [record.url, record]));
    expect(byUrl.get(urls.busy)).toMatchObject({ status: 503, error: null });
    expect(byUrl.get(urls.limited)).toMatchObject({ status: 429, error: null });
    expect(byUrl.get(urls.missing)).toMatchObject({ status: 404, error: null });
    const hitsBefore = { gone: web.hits(pathOf(urls.gone)), missing: web.hits(pathOf(urls.missing)), ok: web.hits(pathOf(urls.ok)) };

    const after = updates.length;
    // 503, 429 and the refused connection; not the 404, the 410, the page, or the line that is no URL.
    await expect(services.invoke('titles.retryFailed', [runId])).resolves.toEqual({ runId, count: 3, adjusted: [] });
    await ended(updates, runId, after);
    const retried = updates.slice(after).flatMap((u) => u.records);
    expect(retried.map((record) => record.url).sort()).toEqual([urls.busy, urls.limited, urls.refused].sort());
    expect(retried.find((record) => record.url === urls.busy)).toMatchObject({ status: 200, error: null });
    expect(retried.find((record) => record.url === urls.limited)).toMatchObject({ status: 200, error: null });
    expect({ gone: web.hits(pathOf(urls.gone)), missing: web.hits(pathOf(urls.missing)), ok: web.hits(pathOf(urls.ok)) }).toEqual(hitsBefore);
    expect(first.progress.total).toBe(7);
  });

  it('retries exactly the rows asked for, a 404 included, and refuses nothing else quietly', async () => {
    const { services, updates } = await newServices();
    const missing = web.url('/status/404');
    const ok = web.url('/page/fine-2');
    const { runId } = await services.invoke('titles.start', [{ text: `${ok}\n${missing}`, settings }]);
    await ended(updates, runId);
    const before = web.hits(pathOf(missing));
    const after = updates.length;
    await expect(services.invoke('titles.retryRows', parseCommandArgs('titles.retryRows', [runId, { indices: [1, 99] }]))).resolves.toEqual({ runId, count: 1, adjusted: [] });
    await ended(updates, runId, after);
    expect(web.hits(pathOf(missing))).toBe(before + 1);
    expect(updates.slice(after).flatMap((u) => u.records).map((record) => record.index)).toEqual([1]);
    // Nothing to retry: the run is let go at once (a later retry is not refused as "still going").
    await expect(services.invoke('titles.retryRows', [runId, { indices: [5] }])).resolves.toEqual({ runId, count: 0, adjusted: [] });
    await expect(services.invoke('titles.retryFailed', [runId])).resolves.toEqual({ runId, count: 0, adjusted: [] });
    await expect(services.invoke('titles.retryRows', [runId, { indices: [0] }])).resolves.toEqual({ runId, count: 1, adjusted: [] });
  });

  it('renames a run, in its meta.json, and refuses a name with a line break', async () => {
    const { services, dataDir, updates } = await newServices();
    const { runId } = await services.invoke('titles.start', [{ text: web.url('/page/named'), settings, name: 'first' }]);
    await ended(updates, runId);
    await services.invoke('history.rename', parseCommandArgs('history.rename', [runId, '  Shop, spring list  ']));
    const meta = JSON.parse(await readFile(join(dataDir, 'runs', runId, 'meta.json'), 'utf8')) as { name: string };
    expect(meta.name).toBe('Shop, spring list');
    expect((await services.invoke('history.list', [])).find((run) => run.id === runId)?.name).toBe('Shop, spring list');
    for (const bad of ['', '   ', 'two\nlines', 'x'.repeat(201), 'bidi \u202e trick']) expect(() => parseCommandArgs('history.rename', [runId, bad])).toThrow(/Invalid arguments for history.rename/);
    await expect(services.invoke('history.rename', ['20990101-000000-00000000', 'no such run'])).rejects.toThrow(/No run/);
  });

  it('names a run it was not given a name for by its first host and its number of URLs', async () => {
    const { services, updates } = await newServices();
    const text = Array.from({ length: 3 }, (_, i) => web.url(`/page/n-${i}`)).join('\n');
    const { runId } = await services.invoke('titles.start', [{ text, settings }]);
    await ended(updates, runId);
    expect((await services.invoke('history.list', [])).find((run) => run.id === runId)?.name).toBe('127.0.0.1 (3)');
  });

  it('keeps counting a run’s elapsed time over a retry, and leaves a pause out', async () => {
    const { services, updates } = await newServices();
    const slow = web.url('/page/slow-elapsed?delay=400');
    const { runId } = await services.invoke('titles.start', [{ text: `${slow}\n${onceOrigin}/503/elapsed`, settings }]);
    const first = await ended(updates, runId);
    const firstElapsed = first.summary!.elapsedMs;
    expect(firstElapsed).toBeGreaterThan(0);
    const after = updates.length;
    await services.invoke('titles.retryFailed', [runId]);
    const second = await ended(updates, runId, after);
    // Every update of the retry counts on from the first job's time (it restarted at 0 before).
    for (const update of updates.slice(after).filter((u) => u.runId === runId)) expect(update.progress.elapsedMs).toBeGreaterThanOrEqual(firstElapsed);
    expect(second.summary!.elapsedMs).toBeGreaterThanOrEqual(firstElapsed);
    // The history says it too (a reopened run shows how long it worked).
    await expect.poll(async () => (await services.invoke('history.list', [])).find((run) => run.id === runId)?.elapsedMs).toBe(second.summary!.elapsedMs);
    expect((await services.invoke('history.load', [runId])).run.elapsedMs).toBe(second.summary!.elapsedMs);

    // Paused: the elapsed time stands still, however long the pause (the engine's own clock runs on).
    const { runId: pausedRun } = await services.invoke('titles.start', [{ text: web.url('/hostile/never'), settings: { ...settings, timeoutMs: 60_000 } }]);
    await services.invoke('titles.pause', [pausedRun]);
    await expect.poll(() => updates.filter((u) => u.runId === pausedRun).at(-1)?.progress.paused).toBe(true);
    const pausedElapsed = updates.filter((u) => u.runId === pausedRun).at(-1)!.progress.elapsedMs;
    // Let some paused time pass (whatever it is, none of it may count).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A page opened now learns the time from the history, with no update coming while paused.
    expect((await services.invoke('history.load', [pausedRun])).run.elapsedMs).toBe(pausedElapsed);
    await services.invoke('titles.cancel', [pausedRun]);
    const cancelled = await ended(updates, pausedRun);
    expect(cancelled.summary!.elapsedMs).toBe(pausedElapsed);
  });

  it('keeps the last job’s elapsed time in meta.json while the run goes again, for a resume after a crash', async () => {
    const { services, dataDir, updates } = await newServices();
    const { runId } = await services.invoke('titles.start', [{ text: `${web.url('/page/crash-elapsed')}\n${web.url('/hostile/never')}`, settings: { ...settings, timeoutMs: 60_000 } }]);
    await expect.poll(() => updates.filter((u) => u.runId === runId).flatMap((u) => u.records).length).toBe(1);
    await services.invoke('titles.cancel', [runId]);
    const cancelledElapsed = (await ended(updates, runId)).summary!.elapsedMs;
    const after = updates.length;
    await services.invoke('history.resume', [runId]);
    // Going again (the never-answering page in flight): a crash now would leave this meta.json behind.
    const meta = JSON.parse(await readFile(join(dataDir, 'runs', runId, 'meta.json'), 'utf8')) as { state: string; summary: { elapsedMs: number } | null };
    expect(meta.state).toBe('running');
    expect(meta.summary?.elapsedMs).toBe(cancelledElapsed);
    await services.invoke('titles.cancel', [runId]);
    await ended(updates, runId, after);
  });
});
