/**
 * The clock every progress bar of the app reads (renderer/components/live-stats.ts: Titles, Primes, Thumbnails),
 * on explicit times: the elapsed time runs on between updates and never goes back; the rate is measured over the
 * last 10 s and falls while nothing finishes; paused or ended, the host's figures and no rate.
 */
import { describe, expect, it } from 'vitest';
import { LiveClock, RATE_WINDOW_MS, type LiveInput } from '../../renderer/components/live-stats.js';

const input = (over: Partial<LiveInput>): LiveInput => ({ key: 'job', done: 0, total: 100, elapsedMs: 0, running: true, ...over });

describe('LiveClock', () => {
  it('runs the elapsed time on from the last update, and never backwards', () => {
    const clock = new LiveClock();
    expect(clock.read(input({ elapsedMs: 1200, done: 10 }), 50_000).elapsedMs).toBe(1200);
    // No update for 10 s (one slow item in flight): the elapsed time went on all the same.
    expect(clock.read(input({ elapsedMs: 1200, done: 10 }), 60_000).elapsedMs).toBe(11_200);
    // The next update says a little less than this page counted (it was sent a moment ago): no step back.
    expect(clock.read(input({ elapsedMs: 11_150, done: 11 }), 60_010).elapsedMs).toBe(11_200);
    expect(clock.read(input({ elapsedMs: 11_150, done: 11 }), 61_010).elapsedMs).toBe(12_150);
  });

  it('measures the rate over the last seconds, so it falls, and the time left grows, while nothing finishes', () => {
    const clock = new LiveClock();
    let at = 0;
    let done = 0;
    // 20 items a second for 10 s.
    for (; at <= 10_000; at += 500, done += 10) clock.read(input({ done, elapsedMs: at, total: 1000 }), at);
    done -= 10;
    at -= 500;
    const busy = clock.read(input({ done, elapsedMs: at, total: 1000 }), at);
    expect(busy.rate).toBeCloseTo(20, 5);
    expect(busy.etaMs).toBeCloseTo(((1000 - done) / 20) * 1000, 0);
    // Then nothing for 5 s: half the window without progress.
    const slow = clock.read(input({ done, elapsedMs: at, total: 1000 }), at + 5_000);
    expect(slow.rate!).toBeLessThan(busy.rate!);
    expect(slow.etaMs!).toBeGreaterThan(busy.etaMs!);
    // And for longer than the window: no rate, no time left to promise.
    for (let later = at + 6_000; later <= at + RATE_WINDOW_MS + 2_000; later += 1000) clock.read(input({ done, elapsedMs: at, total: 1000 }), later);
    const stalled = clock.read(input({ done, elapsedMs: at, total: 1000 }), at + RATE_WINDOW_MS + 2_000);
    expect(stalled.rate).toBe(0);
    expect(stalled.etaMs).toBeNull();
  });

  it('takes the host’s rate until it has watched long enough, and says nothing while paused or ended', () => {
    const clock = new LiveClock();
    expect(clock.read(input({ done: 5, hostRate: 7 }), 0).rate).toBe(7);
    const paused = clock.read(input({ done: 5, elapsedMs: 3000, running: false }), 10_000);
    expect(paused).toEqual({ elapsedMs: 3000, rate: null, etaMs: null });
    expect(clock.read(input({ done: 5, elapsedMs: 3000, running: false }), 60_000).elapsedMs).toBe(3000);
    // Resumed: on from the host's figure, not from where the page's clock would have been.
    expect(clock.read(input({ done: 5, elapsedMs: 3000, running: true }), 60_000).elapsedMs).toBe(3000);
    expect(clock.read(input({ done: 5, elapsedMs: 3000, running: true }), 61_000).elapsedMs).toBe(4000);
    // Another job: its own clock.
    expect(clock.read(input({ key: 'next', elapsedMs: 0 }), 61_000).elapsedMs).toBe(0);
  });
});
