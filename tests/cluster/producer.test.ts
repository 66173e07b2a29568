/**
 * The producer of a titles run on the queue (ClusterTitlesRun) in this process, worked by real `titlewave worker`
 * processes: what it leaves behind when it is done, and how it deals a list to the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterTitlesRun } from '../../src/cluster/titles-producer.js';
import { parseRedisUrl } from '../../src/cluster/connection.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { watchOwnTimers } from '../helpers/own-timers.js';
import { startWorker, stopProcess, type Started } from './helpers.js';

let redis: RedisServer;
let web: FixtureWeb;
const workers: Started[] = [];

beforeAll(async () => {
  [redis, web] = await Promise.all([startRedisServer(), startFixtureWeb({ hosts: 4, delayMs: 10 })]);
  workers.push(...(await Promise.all([startWorker(redis.url, 'p1', ['--concurrency', '8']), startWorker(redis.url, 'p2', ['--concurrency', '8'])])));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await Promise.all([redis?.stop(), web?.close()]);
}, 30_000);

function urlList(perHost: number, tag: string): string[] {
  const urls: string[] = [];
  for (let i = 0; i < perHost; i += 1) for (let host = 0; host < web.origins.length; host += 1) urls.push(web.url(`/page/${tag}-${i}`, host));
  return urls;
}

describe('the producer', () => {
  it('leaves no timer behind once done, so the process that ran it exits at once', async () => {
    // Timers of a second or more set by src/: a producer that is done must not make the process that ran it wait.
    const timers = watchOwnTimers({ from: '/src/', minMs: 1000 });
    try {
      const records: TitleRecord[] = [];
      const run = await ClusterTitlesRun.start({ target: parseRedisUrl(redis.url), lines: urlList(10, 'exit'), options: { perHost: 2 }, onRecord: (record) => records.push(record) });
      const summary = await run.done;
      expect(summary.done).toBe(40);
      expect(records).toHaveLength(40);
      expect(timers.created()).toBeGreaterThan(0);
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.stop();
    }
  }, 60_000);
});

describe('a worker holding many jobs of one run', () => {
  it('lets go of each job: the run’s signal keeps no listener per job it ever held (Node would warn of a leak)', async () => {
    // 60 jobs of 2 URLs, so each worker goes through far more than the 10 jobs it holds at once.
    const run = await ClusterTitlesRun.start({ target: parseRedisUrl(redis.url), lines: urlList(30, 'listeners'), options: { perHost: 2 }, chunkSize: 2, onRecord: () => undefined });
    const summary = await run.done;
    expect(summary.done).toBe(120);
    for (const worker of workers) expect(worker.stderr()).not.toMatch(/MaxListenersExceeded|memory leak/);
  }, 60_000);
});
