import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SettleTracker } from '../../src/titles/render/renderer.js';

describe('SettleTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const watch = (tracker: SettleTracker): (() => boolean) => {
    let settled = false;
    void tracker.settled.then(() => {
      settled = true;
    });
    return () => settled;
  };

  it('settles after the quiet time with nothing happening', async () => {
    const tracker = new SettleTracker(500);
    const settled = watch(tracker);
    await vi.advanceTimersByTimeAsync(499);
    expect(settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
  });

  it('waits for every request in flight, then the quiet time again', async () => {
    const tracker = new SettleTracker(500);
    const settled = watch(tracker);
    tracker.requestStarted();
    tracker.requestStarted();
    await vi.advanceTimersByTimeAsync(2000);
    tracker.requestEnded();
    await vi.advanceTimersByTimeAsync(2000);
    expect(settled()).toBe(false);
    tracker.requestEnded();
    await vi.advanceTimersByTimeAsync(499);
    expect(settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
  });

  it('starts the quiet time over on each title change, and never settles once disposed', async () => {
    const tracker = new SettleTracker(500);
    const settled = watch(tracker);
    for (let i = 0; i < 5; i += 1) {
      await vi.advanceTimersByTimeAsync(400);
      tracker.titleChanged();
    }
    expect(settled()).toBe(false);
    tracker.dispose();
    await vi.advanceTimersByTimeAsync(5000);
    expect(settled()).toBe(false);
  });
});
