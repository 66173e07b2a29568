/** UpdateThrottle (src/services/throttle.ts) alone, on a fake clock: pacing, one flush at a time, finish, failures. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpdateThrottle } from '../../src/services/throttle.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A flush whose calls are recorded with the fake time they started at, and which can be held open. */
function recorder() {
  const starts: number[] = [];
  let hold: Promise<void> | null = null;
  const flush = vi.fn(async () => {
    starts.push(performance.now());
    if (hold) await hold;
  });
  return {
    starts,
    flush,
    /** Make the next flushes wait until the returned function is called. */
    holdFlushes(): () => void {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

describe('UpdateThrottle', () => {
  it('flushes at once the first time, then at most once per interval however often it is asked', async () => {
    const { starts, flush } = recorder();
    const throttle = new UpdateThrottle(flush, 100);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0]);
    // Asked 50 times over the next 250 ms: one flush per 100 ms, each at the earliest moment allowed.
    for (let i = 0; i < 50; i++) {
      throttle.schedule();
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(starts).toEqual([0, 100, 200]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([0, 100, 200, 300]);
    // Nothing asked: nothing flushed.
    await vi.advanceTimersByTimeAsync(1000);
    expect(flush).toHaveBeenCalledTimes(4);
  });

  it('after a quiet spell, flushes again at once', async () => {
    const { starts, flush } = recorder();
    const throttle = new UpdateThrottle(flush, 100);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(500);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 500]);
  });

  it('runs one flush at a time: a request during a slow flush is served once, after it', async () => {
    const { starts, flush, holdFlushes } = recorder();
    const throttle = new UpdateThrottle(flush, 100);
    const release = holdFlushes();
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0]);
    throttle.schedule();
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(350);
    expect(starts).toEqual([0]);
    release();
    // The flush ended at 350, more than an interval after it started: the waiting request goes at once.
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 350]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('finish waits for the flush under way, flushes once more, and then ignores requests', async () => {
    const { starts, flush, holdFlushes } = recorder();
    const throttle = new UpdateThrottle(flush, 100);
    const release = holdFlushes();
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(0);
    let finished = false;
    const finishing = throttle.finish().then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(20);
    expect(finished).toBe(false);
    expect(starts).toEqual([0]);
    release();
    await finishing;
    // The last flush does not wait for the interval: the job has ended and its last update must go out.
    expect(starts).toEqual([0, 20]);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(1000);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('finish cancels a flush that was waiting for its turn, and flushes once, now', async () => {
    const { starts, flush } = recorder();
    const throttle = new UpdateThrottle(flush, 100);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(0);
    throttle.schedule();
    await vi.advanceTimersByTimeAsync(30);
    await throttle.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([0, 30]);
  });

  it('a flush that fails is reported as a warning, and the next ones still run', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      let calls = 0;
      const throttle = new UpdateThrottle(() => {
        calls++;
        if (calls === 1) throw new Error('disk full');
      }, 100);
      throttle.schedule();
      await vi.advanceTimersByTimeAsync(0);
      throttle.schedule();
      await vi.advanceTimersByTimeAsync(100);
      expect(calls).toBe(2);
      await vi.waitFor(() => expect(warnings).toEqual(['titlewave: an update failed: disk full']));
    } finally {
      process.off('warning', onWarning);
    }
  });
});
