/**
 * The app's side of the queue, at the services level: the "Run on" setting and its connection test, and titles runs on
 * a real redis-server worked by real `titlewave worker` processes — journaled like local runs, listed in History,
 * paused, cancelled, retried, and re-attached by the next services on the same data folder after a close.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterErrorOf, type Events, type RunSummary } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startFlakyServer, type FlakyServer } from '../services/flaky-server.js';
import { startWorker, stopProcess, waitFor, type Started } from './helpers.js';

const PASSWORD = 'sekret-Pa55word';
const settings = { concurrency: 16, perHost: 2, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore' as const, rate: null, render: 'never' as const, renderers: 2, renderTimeoutMs: 10_000 };

let redis: RedisServer;
let web: FixtureWeb;
let flaky: FlakyServer;
let root: string;
const workers: Started[] = [];
const opened: Services[] = [];

beforeAll(async () => {
  [redis, web, flaky] = await Promise.all([startRedisServer({ password: PASSWORD }), startFixtureWeb({ hosts: 3, delayMs: 20 }), startFlakyServer()]);
  root = mkdtempSync(join(tmpdir(), 'titlewave-queue-runs-'));
  workers.push(...(await Promise.all([startWorker(redis.url, 'w1', ['--concurrency', '8']), startWorker(redis.url, 'w2', ['--concurrency', '8'])])));
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((services) => services.close()));
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await Promise.all([redis?.stop(), web?.close(), flaky?.close()]);
  rmSync(root, { recursive: true, force: true });
}, 30_000);

let dirs = 0;
function newDataDir(): string {
  return join(root, `data-${++dirs}`);
}

interface Recorder {
  events: { event: string; payload: unknown }[];
  updates: (runId: string) => Events['titles.update'][];
  workers: (runId: string) => Events['cluster.workers'][];
}

function open(dataDir: string): { services: Services; seen: Recorder } {
  const services = createServices({ dataDir });
  opened.push(services);
  const events: Recorder['events'] = [];
  for (const event of ['titles.update', 'history.changed', 'cluster.workers'] as const) services.on(event, (payload) => events.push({ event, payload }));
  const seen: Recorder = {
    events,
    updates: (runId) => events.filter((e) => e.event === 'titles.update' && (e.payload as Events['titles.update']).runId === runId).map((e) => e.payload as Events['titles.update']),
    workers: (runId) => events.filter((e) => e.event === 'cluster.workers' && (e.payload as Events['cluster.workers']).runId === runId).map((e) => e.payload as Events['cluster.workers']),
  };
  return { services, seen };
}

async function close(services: Services): Promise<void> {
  await services.close();
  opened.splice(opened.indexOf(services), 1);
}

function urlList(count: number, tag: string, query = ''): string[] {
  return Array.from({ length: count }, (_, i) => web.url(`/page/${tag}-${i}${query}`, i % 3));
}

/** The journal's lines: one TitleRecord each. */
function journal(dataDir: string, runId: string): { index: number; url: string; title: string | null; error: { code: string } | null }[] {
  return readFileSync(join(dataDir, 'runs', runId, 'records.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { index: number; url: string; title: string | null; error: { code: string } | null });
}

function meta(dataDir: string, runId: string): { state: string; queue?: { url: string }; done: number; total: number } {
  return JSON.parse(readFileSync(join(dataDir, 'runs', runId, 'meta.json'), 'utf8')) as { state: string; queue?: { url: string }; done: number; total: number };
}

async function redisKeys(pattern: string): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    return (await client.keys(pattern)).sort();
  } finally {
    client.disconnect();
  }
}

async function waitingJobsOf(runId: string): Promise<number> {
  const client = new Redis(redis.url);
  try {
    const ids = [...(await client.lrange('tw:titles:wait', 0, -1)), ...(await client.lrange('tw:titles:paused', 0, -1)), ...(await client.zrange('tw:titles:prioritized', 0, -1))];
    return ids.filter((id) => id.startsWith(`${runId}.`)).length;
  } finally {
    client.disconnect();
  }
}

/** Every file of a data folder but the queue settings, as text. */
function filesBut(dataDir: string, except: string): string {
  let text = '';
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path !== except) text += readFileSync(path, 'utf8');
    }
  };
  walk(dataDir);
  return text;
}

describe('"Run on" and the connection test', () => {
  it('keeps the URL in a file only its owner can read, and shows it everywhere else without the password', async () => {
    const dataDir = newDataDir();
    const { services } = open(dataDir);
    expect(await services.invoke('cluster.settings', [])).toEqual({ runOn: 'local', url: null });
    const saved = await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    expect(saved).toEqual({ runOn: 'queue', url: `redis://:***@127.0.0.1:${redis.port}/0` });
    expect(await services.invoke('cluster.settings', [])).toEqual(saved);
    const file = join(dataDir, 'queue.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(PASSWORD);
    // Switching back to this computer keeps the URL; a URL that is not one is refused and changes nothing.
    expect(await services.invoke('cluster.setSettings', [{ runOn: 'local' }])).toEqual({ ...saved, runOn: 'local' });
    const refused = await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: `http://:${PASSWORD}@example.com` }]).catch((error: unknown) => error);
    expect(clusterErrorOf(refused)?.code).toBe('BAD_URL');
    expect(String(refused)).not.toContain(PASSWORD);
    expect(await services.invoke('cluster.settings', [])).toEqual({ ...saved, runOn: 'local' });
    // A URL replaced before any run went to it leaves nothing of its password; Forget removes the saved one.
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: `redis://:typo-${PASSWORD}@127.0.0.1:1/0` }]);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    expect(readFileSync(file, 'utf8')).not.toContain(`typo-${PASSWORD}`);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: null }]);
    expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD);
    await close(services);
  });

  it('says what is wrong with a Redis, within seconds, never echoing the password', async () => {
    const { services } = open(newDataDir());
    const ok = await services.invoke('cluster.test', [{ url: redis.url }]);
    expect(ok).toMatchObject({ ok: true, url: `redis://:***@127.0.0.1:${redis.port}/0` });
    expect(ok.ok && ok.workers.map((worker) => worker.name)).toEqual(['w1', 'w2']);
    expect(ok.ok && ok.workers.every((worker) => worker.compatible)).toBe(true);
    // A worker of another Titlewave version (another job schema), as it reports itself: listed, and marked.
    const client = new Redis(redis.url);
    const now = Date.now();
    await client.multi().hset('tw:worker:old-rack', { host: 'old', pid: 1, version: '0.0.1', schema: 999, seenAt: now, startedAt: now, runs: '' }).zadd('tw:workers', now, 'old-rack').exec();
    try {
      const listed = await services.invoke('cluster.test', [{ url: redis.url }]);
      expect(listed.ok && listed.workers.find((worker) => worker.name === 'old-rack')).toMatchObject({ compatible: false, schema: 999, version: '0.0.1' });
    } finally {
      await client.multi().del('tw:worker:old-rack').zrem('tw:workers', 'old-rack').exec();
      client.disconnect();
    }

    const port = await freePort();
    const cases: [string, string, RegExp][] = [
      [`redis://:${PASSWORD}@127.0.0.1:${port}/0`, 'UNREACHABLE', /connection refused/],
      [`redis://:wrong-${PASSWORD}@127.0.0.1:${redis.port}/0`, 'AUTH', /refused the password/],
      [`redis://127.0.0.1:${redis.port}/0`, 'AUTH', /needs a password/],
    ];
    for (const [url, code, message] of cases) {
      const result = await services.invoke('cluster.test', [{ url }]);
      expect(result, url.replace(PASSWORD, '…')).toMatchObject({ ok: false, code });
      expect(!result.ok && result.message).toMatch(message);
      expect(JSON.stringify(result)).not.toContain(PASSWORD);
    }
    // Nothing saved yet: the saved URL's test says so.
    expect(await services.invoke('cluster.test', [{}])).toMatchObject({ ok: false, code: 'NOT_SET' });
    await close(services);
  }, 30_000);

  it('refuses a Redis in eviction mode, and a Redis whose runs are of another Titlewave version', async () => {
    const evicting = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    const { services } = open(newDataDir());
    try {
      const result = await services.invoke('cluster.test', [{ url: evicting.url }]);
      expect(result).toMatchObject({ ok: false, code: 'EVICTION' });
      expect(!result.ok && result.message).toMatch(/maxmemory-policy noeviction/);
    } finally {
      await evicting.stop();
    }
    const other = await startRedisServer();
    try {
      const client = new Redis(other.url);
      await client.multi().set('tw:schema', '999').zadd('tw:runs', Date.now(), 'r1').hset('tw:run:r1', { state: 'running', producerSeenAt: Date.now() }).exec();
      client.disconnect();
      const result = await services.invoke('cluster.test', [{ url: other.url }]);
      expect(result).toMatchObject({ ok: false, code: 'SCHEMA' });
      expect(!result.ok && result.message).toMatch(/schema 999.*same Titlewave version on every machine/);
      // Starting a run there says the same, and leaves no run behind.
      const dataDir = newDataDir();
      const second = open(dataDir).services;
      await second.invoke('cluster.setSettings', [{ runOn: 'queue', url: other.url }]);
      const refused = await second.invoke('titles.start', [{ text: web.url('/page/x'), settings, target: 'queue' }]).catch((error: unknown) => error);
      expect(clusterErrorOf(refused)?.code).toBe('SCHEMA');
      expect(await second.invoke('history.list', [])).toEqual([]);
      await close(second);
    } finally {
      await other.stop();
      await close(services);
    }
  }, 30_000);
});

describe('a titles run on the queue', () => {
  it('journals one record per URL as the workers commit them, shows the workers, and leaves only its summary on Redis', async () => {
    const dataDir = newDataDir();
    const { services, seen } = open(dataDir);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    const urls = urlList(45, 'a', '?delay=60');
    const text = [...urls, urls[0], 'not a url', ''].join('\n');
    const { runId, queue } = await services.invoke('titles.start', [{ text, settings, name: 'queue run', target: 'queue' }]);
    const display = `redis://:***@127.0.0.1:${redis.port}/0`;
    expect(queue).toBe(display);
    await waitFor(() => seen.updates(runId).some((update) => update.state === 'done'), 30_000, 'the run to end');
    const records = journal(dataDir, runId);
    expect(records.map((record) => record.index).sort((a, b) => a - b)).toEqual(Array.from({ length: urls.length + 1 }, (_, i) => i));
    expect(records.find((record) => record.url === 'not a url')?.error?.code).toBe('INVALID_URL');
    for (const record of records.filter((r) => r.error === null)) expect(record.title).toMatch(/^Fixture \/page\/a-/);
    // Shown as they arrived, every record once, after it was journaled.
    const shown = seen.updates(runId).flatMap((update) => update.records);
    expect(shown.map((record) => record.index).sort((a, b) => a - b)).toEqual(records.map((record) => record.index).sort((a, b) => a - b));
    expect(seen.updates(runId).at(-1)).toMatchObject({ state: 'done', progress: { total: urls.length + 1, done: urls.length + 1, failed: 1 } });
    // The workers, live, while it went.
    const lists = seen.workers(runId);
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.some((list) => list.workers.map((worker) => worker.name).join() === 'w1,w2')).toBe(true);
    expect(lists.every((list) => list.queue === display)).toBe(true);

    expect(meta(dataDir, runId)).toMatchObject({ state: 'done', queue: { url: display }, done: urls.length + 1 });
    const history = await services.invoke('history.list', []);
    expect(history).toMatchObject([{ id: runId, state: 'done', queue: display, name: 'queue run' }]);
    expect(await redisKeys(`tw:run:${runId}*`)).toEqual([`tw:run:${runId}`]);
    // The password is nowhere but in the queue settings: not in events, not in the run's files.
    expect(JSON.stringify(seen.events)).not.toContain(PASSWORD);
    expect(filesBut(dataDir, join(dataDir, 'queue.json'))).not.toContain(PASSWORD);
    await close(services);
  }, 60_000);

  it('goes on on the queue when the services close, and the next services on the data folder attach to it and finish it', async () => {
    const dataDir = newDataDir();
    const first = open(dataDir);
    await first.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    web.resetStats();
    const urls = urlList(90, 'b', '?delay=150');
    const { runId } = await first.services.invoke('titles.start', [{ text: urls.join('\n'), settings, target: 'queue' }]);
    await waitFor(() => first.seen.updates(runId).reduce((sum, update) => sum + update.records.length, 0) >= 10, 20_000, 'some records');
    await close(first.services);
    const kept = journal(dataDir, runId).length;
    expect(kept).toBeLessThan(urls.length);
    expect(meta(dataDir, runId).state).toBe('interrupted');
    // Still on the queue, not cancelled: its producer is gone, its workers finish what was queued.
    const client = new Redis(redis.url);
    try {
      expect(await client.hget(`tw:run:${runId}`, 'state')).toBe('running');
    } finally {
      client.disconnect();
    }

    const second = open(dataDir);
    await waitFor(async () => (await second.services.invoke('history.list', [])).some((run) => run.id === runId && run.state === 'running'), 20_000, 'the run to be attached');
    await waitFor(() => second.seen.updates(runId).some((update) => update.state === 'done'), 30_000, 'the run to end');
    const records = journal(dataDir, runId);
    // Exactly one record per URL in the journal (no index twice), and every URL fetched exactly once.
    expect(records.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(records.every((record) => record.error === null)).toBe(true);
    expect(web.stats().reduce((sum, port) => sum + port.requests, 0)).toBe(urls.length);
    const loaded = await second.services.invoke('history.load', [runId]);
    expect(loaded.run).toMatchObject({ state: 'done', done: urls.length, total: urls.length });
    expect(await redisKeys(`tw:run:${runId}*`)).toEqual([`tw:run:${runId}`]);
    await close(second.services);
  }, 90_000);

  it('closes while Redis does not answer (the app quits, serve stops), and the run is attached again once it does', async () => {
    const dataDir = newDataDir();
    const first = open(dataDir);
    await first.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    const urls = urlList(120, 'r', '?delay=100');
    const { runId } = await first.services.invoke('titles.start', [{ text: urls.join('\n'), settings, target: 'queue' }]);
    await waitFor(() => first.seen.updates(runId).some((update) => update.records.length > 0), 20_000, 'some records');
    redis.process.kill('SIGSTOP');
    try {
      // Resolves (the producer's commands would wait for Redis forever): the run is left interrupted, resumable.
      await close(first.services);
    } finally {
      redis.process.kill('SIGCONT');
    }
    expect(meta(dataDir, runId).state).toBe('interrupted');
    const second = open(dataDir);
    await waitFor(() => second.seen.updates(runId).some((update) => update.state === 'done'), 60_000, 'the run to end');
    expect(journal(dataDir, runId).map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    await close(second.services);
  }, 90_000);

  it('closes within seconds when Redis is gone, not just silent (ioredis would wait to reconnect for ever), and the run stays interrupted', async () => {
    const lone = await startRedisServer();
    const dataDir = newDataDir();
    const first = open(dataDir);
    try {
      await first.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: lone.url }]);
      const { runId } = await first.services.invoke('titles.start', [{ text: urlList(60, 'g', '?delay=100').join('\n'), settings, target: 'queue' }]);
      await waitFor(() => first.seen.updates(runId).length > 0, 20_000, 'the run to start');
      await lone.stop();
      await waitFor(() => first.seen.workers(runId).some((view) => view.connection === 'reconnecting'), 10_000, 'the run to see Redis gone');
      const started = Date.now();
      await close(first.services);
      // The producer gives up on Redis 2 s after it is stopped; before, close() never resolved.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(meta(dataDir, runId).state).toBe('interrupted');
    } finally {
      await lone.stop();
    }
  }, 60_000);

  it('pauses (its waiting jobs leave the queue), resumes, and cancels on the queue leaving only the summary', async () => {
    const dataDir = newDataDir();
    const { services, seen } = open(dataDir);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    // Per host 4: each worker holds 4 jobs of 16 URLs at once (concurrency 8, 4 per host), the queue holds more (up to
    // 64 URLs per host are dealt).
    const urls = urlList(300, 'c', '?delay=150');
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...settings, perHost: 4 }, target: 'queue' }]);
    await waitFor(() => seen.updates(runId).some((update) => update.records.length > 0), 20_000, 'some records');
    await waitFor(async () => (await waitingJobsOf(runId)) > 0, 10_000, 'jobs waiting in the queue');
    await services.invoke('titles.pause', [runId]);
    expect(await waitingJobsOf(runId)).toBe(0);
    expect(seen.updates(runId).at(-1)?.state).toBe('paused');
    expect((await services.invoke('history.list', [])).find((run) => run.id === runId)?.state).toBe('paused');
    // While paused, the workers are still listed, every second.
    const before = seen.workers(runId).length;
    await waitFor(() => seen.workers(runId).length > before && seen.workers(runId).at(-1)?.paused === true, 5000, 'workers while paused');

    await services.invoke('titles.resume', [runId]);
    expect((await services.invoke('history.list', [])).find((run) => run.id === runId)?.state).toBe('running');
    const doneBefore = journal(dataDir, runId).length;
    await waitFor(() => journal(dataDir, runId).length > doneBefore, 20_000, 'records after resuming');

    await services.invoke('titles.cancel', [runId]);
    expect(seen.updates(runId).at(-1)?.state).toBe('cancelled');
    expect(meta(dataDir, runId).state).toBe('cancelled');
    expect(await waitingJobsOf(runId)).toBe(0);
    await waitFor(async () => (await redisKeys(`tw:run:${runId}*`)).length === 1, 10_000, 'the keys to go');
    expect(await redisKeys(`tw:run:${runId}*`)).toEqual([`tw:run:${runId}`]);
    const records = journal(dataDir, runId);
    expect(new Set(records.map((record) => record.index)).size).toBe(records.length);
    expect(records.length).toBeLessThan(urls.length);

    // Resumed from History: the rest, on the queue again, nothing journaled twice.
    await services.invoke('history.resume', [runId]);
    await waitFor(() => seen.updates(runId).at(-1)?.state === 'done', 60_000, 'the resumed run to end');
    const all = journal(dataDir, runId);
    expect(all.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    await close(services);
  }, 120_000);

  it('follows a cancel from elsewhere, and retries failed rows on the queue', async () => {
    const dataDir = newDataDir();
    const { services, seen } = open(dataDir);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    // Their first request is reset at the connection: two failed rows.
    const urls = [...urlList(6, 'd'), flaky.url('retry-1'), flaky.url('retry-2')];
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings, target: 'queue' }]);
    await waitFor(() => seen.updates(runId).some((update) => update.state === 'done'), 30_000, 'the run to end');
    expect(seen.updates(runId).at(-1)?.progress.failed).toBe(2);
    const retried = await services.invoke('titles.retryFailed', [runId]);
    expect(retried).toEqual({ runId, count: 2, adjusted: [] });
    await waitFor(() => seen.updates(runId).filter((update) => update.state === 'done').length === 2, 30_000, 'the retry to end');
    const loaded = await services.invoke('history.load', [runId]);
    expect(loaded.records).toHaveLength(urls.length);
    expect(loaded.records.every((record) => record.error === null)).toBe(true);
    expect(loaded.run).toMatchObject({ state: 'done', failed: 0, queue: `redis://:***@127.0.0.1:${redis.port}/0` });
    expect([flaky.hits('retry-1'), flaky.hits('retry-2')]).toEqual([2, 2]);
    // The rows the user chose, whatever they answered (here a page that was fine), and a name of their own.
    const chosen = loaded.records.find((record) => record.url === flaky.url('retry-1'))!.index;
    expect(await services.invoke('titles.retryRows', [runId, { indices: [chosen] }])).toEqual({ runId, count: 1, adjusted: [] });
    await waitFor(() => seen.updates(runId).filter((update) => update.state === 'done').length === 3, 30_000, 'the retried row');
    expect(flaky.hits('retry-1')).toBe(3);
    expect(flaky.hits('retry-2')).toBe(2);
    // The 'done' update comes a moment before the ended run's folder lock is let go.
    await waitFor(() => services.invoke('history.rename', [runId, 'Queue list']).then(() => true, () => false), 10_000, 'the rename');
    expect(meta(dataDir, runId)).toMatchObject({ name: 'Queue list', queue: { url: `redis://:***@127.0.0.1:${redis.port}/0` } });

    // `titlewave runs --cancel` (or another app) cancels it on the queue: this producer stops, the run says cancelled.
    const slow = urlList(60, 'e', '?delay=200');
    const second = await services.invoke('titles.start', [{ text: slow.join('\n'), settings: { ...settings, perHost: 1 }, target: 'queue' }]);
    await waitFor(() => seen.updates(second.runId).some((update) => update.records.length > 0), 20_000, 'some records');
    const { openCluster } = await import('../../src/cluster/index.js');
    const handle = await openCluster(redis.url);
    try {
      expect(await handle.cancelRun(second.runId)).toBe(true);
    } finally {
      await handle.close();
    }
    await waitFor(() => seen.updates(second.runId).at(-1)?.state === 'cancelled', 10_000, 'the cancel to be seen');
    expect(meta(dataDir, second.runId).state).toBe('cancelled');
    expect((await services.invoke('history.list', [])).find((run: RunSummary) => run.id === second.runId)?.state).toBe('cancelled');
    await close(services);
  }, 90_000);

  it('a run whose queue URL this computer no longer knows stays interrupted and says so; given it again, Retry failed attaches and finishes it', async () => {
    const dataDir = newDataDir();
    const first = open(dataDir);
    await first.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    const urls = [flaky.url('gone-1'), flaky.url('gone-2'), ...urlList(90, 'g', '?delay=100')];
    const { runId } = await first.services.invoke('titles.start', [{ text: urls.join('\n'), settings, target: 'queue' }]);
    await waitFor(() => first.seen.updates(runId).some((update) => update.progress.failed === 2), 20_000, 'the two failures');
    await first.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: null }]);
    await close(first.services);
    expect(meta(dataDir, runId).state).toBe('interrupted');

    const second = open(dataDir);
    const refused = await second.services.invoke('history.resume', [runId]).catch((error: unknown) => error);
    expect(clusterErrorOf(refused)?.code).toBe('NO_PASSWORD');
    expect(clusterErrorOf(refused)?.message).toContain(`redis://:***@127.0.0.1:${redis.port}/0`);
    expect((await second.services.invoke('history.list', [])).find((run) => run.id === runId)?.state).toBe('interrupted');
    await second.services.invoke('cluster.setSettings', [{ runOn: 'queue', url: redis.url }]);
    expect(await second.services.invoke('titles.retryFailed', [runId])).toEqual({ runId, count: 2, adjusted: [] });
    await waitFor(() => second.seen.updates(runId).some((update) => update.state === 'done'), 30_000, 'the run to end');
    const loaded = await second.services.invoke('history.load', [runId]);
    expect(loaded.records.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(loaded.records.every((record) => record.error === null)).toBe(true);
    expect(new Set(journal(dataDir, runId).filter((record) => record.error === null).map((record) => record.index)).size).toBe(urls.length);
    await close(second.services);
  }, 90_000);

  it('refuses to start when the queue is unreachable, within seconds, leaving no run folder', async () => {
    const dataDir = newDataDir();
    const { services } = open(dataDir);
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: `redis://:${PASSWORD}@127.0.0.1:${await freePort()}/0` }]);
    const refused = await services.invoke('titles.start', [{ text: web.url('/page/z'), settings, target: 'queue' }]).catch((error: unknown) => error);
    expect(clusterErrorOf(refused)).toMatchObject({ code: 'UNREACHABLE' });
    expect(String(refused)).not.toContain(PASSWORD);
    expect(await services.invoke('history.list', [])).toEqual([]);
    // Without a saved URL, the refusal says what to do.
    await services.invoke('cluster.setSettings', [{ runOn: 'queue', url: null }]);
    const unset = await services.invoke('titles.start', [{ text: web.url('/page/z'), settings, target: 'queue' }]).catch((error: unknown) => error);
    expect(clusterErrorOf(unset)?.code).toBe('NOT_SET');
    await close(services);
  });
});
