/**
 * Titles on a Redis queue, end to end: a real redis-server, several `titlewave worker` processes, the producer
 * (`titlewave titles --redis`), and loopback hosts that count their requests in flight.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startCli, startWorker, stopProcess, waitFor, type Started } from './helpers.js';

let redis: RedisServer;
let web: FixtureWeb;
let dir: string;
const workers: Started[] = [];

beforeAll(async () => {
  [redis, web] = await Promise.all([startRedisServer(), startFixtureWeb({ hosts: 6, delayMs: 40 })]);
  dir = mkdtempSync(join(tmpdir(), 'titlewave-cluster-'));
  workers.push(...(await Promise.all([startWorker(redis.url, 'w1', ['--concurrency', '8']), startWorker(redis.url, 'w2', ['--concurrency', '8']), startWorker(redis.url, 'w3', ['--concurrency', '8'])])));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await Promise.all([redis?.stop(), web?.close()]);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

function urlList(perHost: number, tag: string): string[] {
  const urls: string[] = [];
  for (let i = 0; i < perHost; i += 1) for (let host = 0; host < web.origins.length; host += 1) urls.push(web.url(`/page/${tag}-${i}`, host));
  return urls;
}

function records(path: string): { index: number; url: string; title: string | null; error: unknown }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { index: number; url: string; title: string | null; error: unknown });
}

/** Keys left on the server besides the queues' own and the workers' status. */
async function runKeys(id?: string): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    return (await client.keys(id === undefined ? 'tw:run:*' : `tw:run:${id}*`)).sort();
  } finally {
    client.disconnect();
  }
}

describe('titlewave titles --redis', () => {
  it('gives every distinct URL exactly one record, never more than --per-host in flight per host over all workers', async () => {
    web.resetStats();
    const urls = urlList(40, 'a');
    const input = join(dir, 'a.txt');
    writeFileSync(input, [...urls, urls[0], 'javascript:alert(1)', ''].join('\n'));
    const out = join(dir, 'a.jsonl');
    const producer = startCli(['titles', input, '--output', out, '--per-host', '3', '--redis', redis.url]);
    expect(await producer.exited, producer.stderr()).toBe(0);
    const got = records(out);
    expect(got).toHaveLength(urls.length + 1);
    expect(new Set(got.map((record) => record.index)).size).toBe(got.length);
    for (const record of got.filter((r) => r.error === null)) expect(record.title).toMatch(/^Fixture \/page\/a-/);
    expect(got.find((record) => record.url === 'javascript:alert(1)')?.error).toMatchObject({ code: 'INVALID_URL' });
    const stats = web.stats();
    expect(Math.max(...stats.map((s) => s.maxActive))).toBeLessThanOrEqual(3);
    // Several requests at once on a host, from several workers: the limit was reached, not just respected by luck.
    expect(Math.max(...stats.map((s) => s.maxActive))).toBeGreaterThan(1);
    expect(stats.reduce((sum, s) => sum + s.requests, 0)).toBe(urls.length);
    expect(producer.stderr()).toMatch(/titles: done: 241 records/);
    // Only the finished run's summary is left.
    const left = await runKeys();
    expect(left.every((key) => /^tw:run:[^:]+$/.test(key))).toBe(true);
  }, 60_000);
});

async function runInfo(): Promise<{ id: string; state: string; done: number }[]> {
  const list = startCli(['runs', '--redis', redis.url, '--json']);
  expect(await list.exited, list.stderr()).toBe(0);
  return (JSON.parse(list.stdout()) as { runs: { id: string; state: string; done: number }[] }).runs;
}

describe('failures on the way', () => {
  it('a worker killed with SIGKILL mid-run loses and duplicates nothing; its jobs go to the others', async () => {
    web.resetStats();
    const victim = await startWorker(redis.url, 'victim', ['--concurrency', '8']);
    // 24 jobs of up to 16 URLs (6 hosts x 60): more than the three other workers hold at once (4 each at concurrency 8
    // and per-host 4), so the victim gets jobs whoever fetches first.
    const urls = urlList(60, 'k').map((url) => `${url}?delay=150`);
    const input = join(dir, 'k.txt');
    writeFileSync(input, urls.join('\n'));
    const out = join(dir, 'k.jsonl');
    const producer = startCli(['titles', input, '--output', out, '--per-host', '4', '--redis', redis.url]);
    const client = new Redis(redis.url);
    let committedBeforeKill = 0;
    let requestedAtKill = 0;
    try {
      await waitFor(async () => Number(await client.hget('tw:worker:victim', 'inFlight')) > 0, 20_000, 'the victim to hold requests');
      // What can be fetched twice is what was requested but not yet committed when the victim died: its requests in
      // flight and the ones it finished but had not flushed yet. Counted loosely on the safe side of the kill.
      const [doneKey] = await client.keys('tw:run:*:done');
      committedBeforeKill = doneKey === undefined ? 0 : await client.bitcount(doneKey);
      victim.child.kill('SIGKILL');
      requestedAtKill = web.stats().reduce((sum, s) => sum + s.requests, 0);
    } finally {
      client.disconnect();
    }
    expect(await producer.exited, producer.stderr()).toBe(0);
    const got = records(out);
    expect(got.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(got.every((record) => record.error === null)).toBe(true);
    const stats = web.stats();
    expect(Math.max(...stats.map((s) => s.maxActive))).toBeLessThanOrEqual(4);
    const requests = stats.reduce((sum, s) => sum + s.requests, 0);
    expect(requests).toBeGreaterThanOrEqual(urls.length);
    expect(requests - urls.length).toBeLessThanOrEqual(requestedAtKill - committedBeforeKill);
    // The victim held at most its concurrency in flight plus what it finished in one flush interval: far from all.
    expect(requests - urls.length).toBeLessThan(urls.length / 4);
  }, 60_000);

  it('a producer killed with SIGKILL and resumed loses nothing, writes nothing twice, fetches nothing twice', async () => {
    web.resetStats();
    const urls = urlList(30, 'p').map((url) => `${url}?delay=100`);
    const input = join(dir, 'p.txt');
    writeFileSync(input, urls.join('\n'));
    const out = join(dir, 'p.jsonl');
    const first = startCli(['titles', input, '--output', out, '--per-host', '2', '--redis', redis.url]);
    await waitFor(() => {
      try {
        return records(out).length >= 20;
      } catch {
        return false;
      }
    }, 20_000, 'some records');
    first.child.kill('SIGKILL');
    await first.exited;
    const before = records(out).length;
    expect(before).toBeLessThan(urls.length);
    const second = startCli(['titles', input, '--output', out, '--per-host', '2', '--redis', redis.url, '--resume']);
    expect(await second.exited, second.stderr()).toBe(0);
    const got = records(out);
    expect(got.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(web.stats().reduce((sum, s) => sum + s.requests, 0)).toBe(urls.length);
    expect(second.stderr()).toMatch(/already in the output/);
  }, 60_000);

  it('a Redis that stops answering for longer than the lock time costs nothing: every URL once, within the per-host limit', async () => {
    web.resetStats();
    const urls = urlList(25, 's').map((url) => `${url}?delay=100`);
    const input = join(dir, 's.txt');
    writeFileSync(input, urls.join('\n'));
    const out = join(dir, 's.jsonl');
    const producer = startCli(['titles', input, '--output', out, '--per-host', '3', '--redis', redis.url]);
    await waitFor(() => web.stats().reduce((sum, s) => sum + s.requests, 0) >= 10, 20_000, 'requests');
    redis.process.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    redis.process.kill('SIGCONT');
    expect(await producer.exited, producer.stderr()).toBe(0);
    const got = records(out);
    expect(got.map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(Math.max(...web.stats().map((s) => s.maxActive))).toBeLessThanOrEqual(3);
  }, 60_000);

  it('titlewave runs --cancel removes the queued jobs and every key of the run but its summary; the producer stops', async () => {
    // Long enough (100 URLs a host, one at a time: 20 s) that a busy machine polling with `runs` still cancels it running.
    const urls = urlList(100, 'c').map((url) => `${url}?delay=200`);
    const input = join(dir, 'c.txt');
    writeFileSync(input, urls.join('\n'));
    const out = join(dir, 'c.jsonl');
    const producer = startCli(['titles', input, '--output', out, '--per-host', '1', '--redis', redis.url]);
    let id = '';
    await waitFor(async () => {
      const run = (await runInfo()).find((r) => r.state === 'running' && r.done > 0);
      id = run?.id ?? '';
      return run !== undefined;
    }, 20_000, 'the run to start');
    const cancel = startCli(['runs', '--redis', redis.url, '--cancel', id]);
    expect(await cancel.exited, cancel.stderr()).toBe(0);
    expect(await producer.exited).toBe(130);
    expect(producer.stderr()).toMatch(/cancelled on the queue/);
    await waitFor(async () => (await runKeys(id)).length === 1, 10_000, 'keys to go');
    expect(await runKeys(id)).toEqual([`tw:run:${id}`]);
    const client = new Redis(redis.url);
    try {
      expect(await client.hget(`tw:run:${id}`, 'state')).toBe('cancelled');
      expect(await client.ttl(`tw:run:${id}`)).toBeGreaterThan(0);
      expect(await client.llen('tw:titles:wait')).toBe(0);
    } finally {
      client.disconnect();
    }
  }, 60_000);
});

describe('interrupting the producer', () => {
  const startRun = async (tag: string): Promise<{ producer: Started; id: string; input: string; out: string; urls: string[] }> => {
    // 80 URLs a host, one at a time (12 s): still running when a busy machine's `runs` polling has seen it start.
    const urls = urlList(80, tag).map((url) => `${url}?delay=150`);
    const input = join(dir, `${tag}.txt`);
    writeFileSync(input, urls.join('\n'));
    const out = join(dir, `${tag}.jsonl`);
    const producer = startCli(['titles', input, '--output', out, '--per-host', '1', '--redis', redis.url]);
    let id = '';
    await waitFor(async () => {
      const run = (await runInfo()).find((r) => r.state === 'running' && r.done > 0);
      id = run?.id ?? '';
      return run !== undefined;
    }, 20_000, 'the run to start');
    return { producer, id, input, out, urls };
  };

  it('Ctrl+C once stops the producer and leaves the run on the queue; --resume finishes it', async () => {
    const { producer, id, input, out, urls } = await startRun('i');
    producer.child.kill('SIGINT');
    expect(await producer.exited).toBe(130);
    expect(producer.stderr()).toMatch(/interrupt again within 2 s to cancel it there/);
    expect((await runInfo()).find((run) => run.id === id)?.state).toBe('interrupted');
    const resumed = startCli(['titles', input, '--output', out, '--per-host', '1', '--redis', redis.url, '--resume']);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    expect(records(out).map((record) => record.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    expect(await runKeys(id)).toEqual([`tw:run:${id}`]);
  }, 60_000);

  it('Ctrl+C twice cancels the run on the queue and leaves only its summary', async () => {
    const { producer, id } = await startRun('j');
    producer.child.kill('SIGINT');
    await waitFor(() => producer.stderr().includes('interrupt again'), 10_000, 'the first interrupt');
    producer.child.kill('SIGINT');
    expect(await producer.exited).toBe(130);
    expect(await runKeys(id)).toEqual([`tw:run:${id}`]);
    const client = new Redis(redis.url);
    try {
      expect(await client.hget(`tw:run:${id}`, 'state')).toBe('cancelled');
    } finally {
      client.disconnect();
    }
  }, 60_000);
});

describe('interrupting the producer when Redis is gone', () => {
  // Not silent but gone: the producer's clients wait to reconnect, and ioredis leaves their commands pending for ever.
  const startOrphanedRun = async (tag: string): Promise<{ producer: Started; lone: RedisServer; worker: Started }> => {
    const lone = await startRedisServer();
    const worker = await startWorker(lone.url, `lone-${tag}`, ['--concurrency', '4']);
    const input = join(dir, `${tag}.txt`);
    writeFileSync(input, urlList(40, tag).map((url) => `${url}?delay=150`).join('\n'));
    const out = join(dir, `${tag}.jsonl`);
    const producer = startCli(['titles', input, '--output', out, '--per-host', '1', '--redis', lone.url]);
    await waitFor(() => readFileSync(out, { encoding: 'utf8', flag: 'a+' }).includes('\n'), 20_000, 'the first record');
    await lone.stop();
    await waitFor(() => producer.stderr().includes('lost the connection to Redis'), 10_000, 'the producer to see Redis gone');
    return { producer, lone, worker };
  };
  const exitsWithin = async (producer: Started, ms: number): Promise<number | null> => {
    const timer = setTimeout(() => producer.child.kill('SIGKILL'), ms);
    const code = await producer.exited;
    clearTimeout(timer);
    return code;
  };

  it('Ctrl+C once ends the producer within seconds', async () => {
    const { producer, worker } = await startOrphanedRun('gone-1');
    try {
      producer.child.kill('SIGINT');
      // SIGKILL (exit 128) after 15 s: before the fix it never ended.
      expect(await exitsWithin(producer, 15_000), producer.stderr()).toBe(130);
      expect(producer.stderr()).toMatch(/stays on the queue \(--resume continues it\)/);
    } finally {
      producer.child.kill('SIGKILL');
      await stopProcess(worker);
    }
  }, 60_000);

  it('Ctrl+C twice ends it too, and says the run could not be cancelled on the queue', async () => {
    const { producer, worker } = await startOrphanedRun('gone-2');
    try {
      producer.child.kill('SIGINT');
      await waitFor(() => producer.stderr().includes('interrupt again'), 10_000, 'the first interrupt');
      producer.child.kill('SIGINT');
      expect(await exitsWithin(producer, 15_000), producer.stderr()).toBe(130);
      expect(producer.stderr()).toMatch(/could not reach Redis to cancel the run there; it stays on the queue until `titlewave runs --redis URL --cancel t-[0-9a-f]+` removes it/);
    } finally {
      producer.child.kill('SIGKILL');
      await stopProcess(worker);
    }
  }, 60_000);
});
