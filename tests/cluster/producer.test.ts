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

/** Timers this process holds: a producer that is done must leave none of its own (else the CLI waits for them). */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('the producer', () => {
  it('leaves no timer behind once done, so the process that ran it exits at once', async () => {
    const before = timers();
    const records: TitleRecord[] = [];
    const run = await ClusterTitlesRun.start({ target: parseRedisUrl(redis.url), lines: urlList(10, 'exit'), options: { perHost: 2 }, onRecord: (record) => records.push(record) });
    const summary = await run.done;
    expect(summary.done).toBe(40);
    expect(records).toHaveLength(40);
    expect(timers()).toBe(before);
  }, 60_000);
});
