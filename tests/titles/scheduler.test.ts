import { describe, expect, it } from 'vitest';
import { HostScheduler } from '../../src/titles/scheduler.js';

/** Acquire and record the order of grants. */
function track(scheduler: HostScheduler, hosts: string[]): { granted: string[]; waiting: Promise<boolean>[] } {
  const granted: string[] = [];
  const waiting = hosts.map((host) =>
    scheduler.acquire(host).then((ok) => {
      if (ok) granted.push(host);
      return ok;
    }),
  );
  return { granted, waiting };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('HostScheduler', () => {
  it('never exceeds the global limit or the per-host limit', async () => {
    const scheduler = new HostScheduler(5, 2);
    const { granted } = track(scheduler, ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c']);
    await settle();
    expect(scheduler.inFlight).toBe(5);
    expect(granted.filter((h) => h === 'a')).toHaveLength(2);
    expect(granted.filter((h) => h === 'b')).toHaveLength(2);
    expect(granted.filter((h) => h === 'c')).toHaveLength(1);
  });

  it('interleaves hosts so a big host queued first does not starve the others', async () => {
    const scheduler = new HostScheduler(4, 4);
    const hosts = [...Array.from({ length: 100 }, () => 'big'), 'x', 'y', 'z'];
    const { granted } = track(scheduler, hosts);
    await settle();
    expect(granted).toEqual(['big', 'big', 'big', 'big']);
    // Each freed slot goes round the hosts with work, not to the 96 'big' requests queued first.
    for (let i = 0; i < 4; i += 1) {
      scheduler.release(granted[i] as string);
      await settle();
    }
    expect(granted.slice(4)).toEqual(['x', 'y', 'z', 'big']);
  });

  it('pause stops new grants; resume restarts them', async () => {
    const scheduler = new HostScheduler(1, 1);
    const { granted } = track(scheduler, ['a', 'b']);
    await settle();
    scheduler.pause();
    scheduler.release('a');
    await settle();
    expect(granted).toEqual(['a']);
    expect(scheduler.inFlight).toBe(0);
    scheduler.resume();
    await settle();
    expect(granted).toEqual(['a', 'b']);
  });

  it('moves a request to another host (redirect) keeping its global slot and waiting for a host slot', async () => {
    const scheduler = new HostScheduler(10, 1);
    const first = track(scheduler, ['a', 'b']);
    await settle();
    let moved = false;
    const move = scheduler.move('a', 'b').then((ok) => (moved = ok));
    await settle();
    expect(moved).toBe(false); // b is busy
    expect(scheduler.inFlight).toBe(2);
    // a's slot is free again for others.
    const second = track(scheduler, ['a']);
    await settle();
    expect(second.granted).toEqual(['a']);
    scheduler.release('b');
    await move;
    expect(moved).toBe(true);
    expect(first.granted).toEqual(['a', 'b']);
    expect(scheduler.inFlight).toBe(2);
  });

  it('close refuses everything still waiting', async () => {
    const scheduler = new HostScheduler(1, 1);
    const { waiting } = track(scheduler, ['a', 'a', 'b']);
    await settle();
    scheduler.close();
    expect(await Promise.all(waiting)).toEqual([true, false, false]);
    expect(await scheduler.acquire('c')).toBe(false);
  });
});
