/**
 * Host leases on a real redis-server: a lease given back is taken over by the next request of the same host without
 * a round trip, counts against the limit until then, and is removed on the server when nobody took it (at the end of
 * the event loop's turn, or after a longer hold when a request of its host waits on that worker).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClusterGate, HostLeases, LEASE_HOLD_MS, Slots } from '../../src/cluster/leases.js';
import { keys } from '../../src/cluster/schema.js';
import { withScripts, type ClusterScripts } from '../../src/cluster/scripts.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let client: Redis & ClusterScripts;
let other: Redis & ClusterScripts;
const runKey = keys.run('leases-test');
const hostKey = keys.hostLeases('leases-test', 'a.example');

beforeAll(async () => {
  redis = await startRedisServer();
  client = withScripts(new Redis(redis.url));
  other = withScripts(new Redis(redis.url));
  await client.hset(runKey, 'state', 'running');
}, 30_000);

afterAll(async () => {
  client?.disconnect();
  other?.disconnect();
  await redis?.stop();
});

/** Commands the server has run so far. */
async function commandsProcessed(): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await other.info('stats'))?.[1]);
}

/** Lease script calls the server has run so far. */
async function scriptCalls(): Promise<number> {
  const stats = await other.info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

/** The turn after this one, once what the leases sent at its end (on `client`) has been served. */
const nextTurn = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
  await client.ping();
  await other.ping();
};

describe('host leases', () => {
  it('hands a lease given back to the next request of the same host in the same turn, with no command to Redis', async () => {
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const first = await leases.tryAcquire(hostKey, runKey, 2);
    expect(first).toEqual(expect.any(String));
    const before = await commandsProcessed();
    leases.release(hostKey, first as string);
    const second = await leases.tryAcquire(hostKey, runKey, 2);
    expect(second).toBe(first);
    // INFO itself is one command: nothing else reached the server in between.
    expect((await commandsProcessed()) - before).toBe(1);
    expect(await other.zcard(hostKey)).toBe(1);
    leases.release(hostKey, second as string);
    await leases.stop();
  });

  it('removes a lease given back that nobody took at the end of the turn, with the leases the turn asked for', async () => {
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const otherLeases = new HostLeases(other, 'w2', 5000, () => undefined);
    const otherHost = keys.hostLeases('leases-test', 'c.example');
    const held = await leases.tryAcquire(hostKey, runKey, 1);
    expect(held).toEqual(expect.any(String));
    // Given back, and in the same turn a lease on another host asked for: one write at the turn's end does both.
    leases.release(hostKey, held as string);
    expect(await other.zcard(hostKey)).toBe(1);
    const asked = await leases.tryAcquire(otherHost, runKey, 1);
    expect(asked).toEqual(expect.any(String));
    expect(await other.zcard(hostKey)).toBe(0);
    expect(leases.count).toBe(1);
    // Gone on the server: the other worker gets the host at once.
    const after = await otherLeases.tryAcquire(hostKey, runKey, 1);
    expect(after).toEqual(expect.any(String));
    await Promise.all([leases.stop(), otherLeases.stop()]);
    expect(await other.zcard(hostKey)).toBe(0);
    expect(await other.zcard(otherHost)).toBe(0);
  });

  it('keeps a lease given back for a request of its host that waits here, up to LEASE_HOLD_MS, still counting it', async () => {
    // The hold is read from the clock: frozen here, and moved by hand.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const leases = new HostLeases(client, 'w1', 5000, () => undefined);
      const otherLeases = new HostLeases(other, 'w2', 5000, () => undefined);
      const held = await leases.tryAcquire(hostKey, runKey, 1);
      leases.release(hostKey, held as string, true);
      await nextTurn();
      // Past the turn: still held for this worker's waiting request, so the other worker is refused.
      expect(await other.zcard(hostKey)).toBe(1);
      expect(await otherLeases.tryAcquire(hostKey, runKey, 1)).toBeNull();
      expect(await leases.tryAcquire(hostKey, runKey, 1)).toBe(held);
      // Given back again and not taken: kept past the turn, gone once the hold is over.
      leases.release(hostKey, held as string, true);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await nextTurn();
      expect(await other.zcard(hostKey)).toBe(1);
      vi.setSystemTime(Date.now() + LEASE_HOLD_MS);
      await vi.waitFor(async () => expect(await other.zcard(hostKey)).toBe(0), { timeout: 10_000, interval: 20 });
      expect(leases.count).toBe(0);
      await Promise.all([leases.stop(), otherLeases.stop()]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes the leases asked for in one turn in one script call, the limit holding across them', async () => {
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const otherHost = keys.hostLeases('leases-test', 'b.example');
    // Loads the script on the server first, so the count below is of calls alone.
    await leases.tryAcquire(otherHost, runKey, 1);
    await leases.stop();
    const before = await scriptCalls();
    const asked = await Promise.all([
      leases.tryAcquire(hostKey, runKey, 2),
      leases.tryAcquire(otherHost, runKey, 1),
      leases.tryAcquire(hostKey, runKey, 2),
      leases.tryAcquire(hostKey, runKey, 2),
    ]);
    expect((await scriptCalls()) - before).toBe(1);
    expect(asked.map((id) => typeof id)).toEqual(['string', 'string', 'string', 'object']);
    expect(asked[3]).toBeNull();
    expect(new Set(asked.slice(0, 3)).size).toBe(3);
    expect(await other.zcard(hostKey)).toBe(2);
    expect(await other.zcard(otherHost)).toBe(1);
    expect(leases.count).toBe(3);
    await leases.stop();
    expect(await other.zcard(hostKey)).toBe(0);
    expect(await other.zcard(otherHost)).toBe(0);
  });

  it('answers every lease asked for in the turn with "ended" once the run is no longer running', async () => {
    const endedRun = keys.run('leases-ended');
    await client.hset(endedRun, 'state', 'cancelled');
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const ended = keys.hostLeases('leases-ended', 'a.example');
    expect(await Promise.all([leases.tryAcquire(ended, endedRun, 2), leases.tryAcquire(ended, endedRun, 2)])).toEqual(['ended', 'ended']);
    expect(await other.exists(ended)).toBe(0);
    expect(leases.count).toBe(0);
    await leases.stop();
  });

  it('never hands over a lease it no longer holds: after a stop the next request asks Redis', async () => {
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const held = await leases.tryAcquire(hostKey, runKey, 1);
    leases.release(hostKey, held as string);
    await leases.stop();
    expect(await other.zcard(hostKey)).toBe(0);
    const again = await leases.tryAcquire(hostKey, runKey, 1);
    expect(again).not.toBe(held);
    expect(await other.zcard(hostKey)).toBe(1);
    await leases.stop();
  });
});

describe('cluster gate', () => {
  it('gives a slot that comes back to the next host round the ring, not back to the host that gave it', async () => {
    const run = 'gate-round';
    await client.hset(keys.run(run), 'state', 'running');
    const leases = new HostLeases(client, 'w1', 5000, () => undefined);
    const controller = new AbortController();
    const gate = new ClusterGate(run, 4, new Slots(2), leases, controller.signal, () => undefined);
    const order: string[] = [];
    const ask = (host: string): void => void gate.acquire(host, false).then((ok) => ok && order.push(host));
    for (const host of ['a', 'b', 'a', 'b']) ask(host);
    await vi.waitFor(() => expect(order).toEqual(['a', 'b']));
    // A request of 'b' waits, but the slot 'b' gives back goes to 'a', whose turn it is; then 'b' has its turn.
    gate.release('b');
    await vi.waitFor(() => expect(order).toEqual(['a', 'b', 'a']));
    gate.release('a');
    await vi.waitFor(() => expect(order).toEqual(['a', 'b', 'a', 'b']));
    // One lease each is live on the server: the ones given back were taken over or removed.
    await vi.waitFor(async () => expect([await other.zcard(keys.hostLeases(run, 'a')), await other.zcard(keys.hostLeases(run, 'b'))]).toEqual([1, 1]));
    controller.abort();
    await leases.stop();
  });
});
