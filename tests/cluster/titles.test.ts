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
