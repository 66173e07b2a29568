/** Taskbar/dock progress and end-of-run notifications from the services' update events (src/desktop/progress.ts). */
import { describe, expect, it } from 'vitest';
import type { EventName, Events, JobState, Language } from '../../src/contract.js';
import type { TitlesProgress } from '../../src/titles/types.js';
import { RunMonitor, type NotificationRequest } from '../../src/desktop/progress.js';

function titlesProgress(done: number, total: number, elapsedMs = 1_000, extra: Partial<TitlesProgress> = {}): TitlesProgress {
  return { total, inputDone: true, done, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs, duplicates: 0, paused: false, ...extra };
}

function setup(language: Language = 'en') {
  const listeners = new Map<EventName, (payload: unknown) => void>();
  const services = {
    on: <E extends EventName>(event: E, listener: (payload: Events[E]) => void) => {
      listeners.set(event, listener as (payload: unknown) => void);
      return () => listeners.delete(event);
    },
  };
  const bars: { value: number; mode: string | undefined }[] = [];
  const window = { focused: true, isDestroyed: () => false, isFocused: () => window.focused, setProgressBar: (value: number, options?: { mode: string }) => bars.push({ value, mode: options?.mode }) };
  const notifications: NotificationRequest[] = [];
  const monitor = new RunMonitor({ getWindow: () => window, getLanguage: () => language, notify: (request) => notifications.push(request) });
  const detach = monitor.attach(services);
  const emit = <E extends EventName>(event: E, payload: Events[E]) => listeners.get(event)?.(payload);
  const titles = (runId: string, state: JobState, progress: TitlesProgress) => emit('titles.update', { runId, state, records: [], progress, ...(state === 'done' || state === 'cancelled' ? { summary: { ...progress, cancelled: state === 'cancelled', eventLoopDelayP99Ms: 1 } } : {}) });
  return { bars, window, notifications, emit, titles, detach, listeners };
}

describe('the progress bar', () => {
  it('shows done/total during a titles run and clears at the end', () => {
    const { bars, titles } = setup();
    titles('r1', 'running', titlesProgress(0, 200));
    titles('r1', 'running', titlesProgress(50, 200));
    titles('r1', 'running', titlesProgress(200, 200));
    titles('r1', 'done', titlesProgress(200, 200));
    expect(bars).toEqual([
      { value: 0, mode: 'normal' },
      { value: 0.25, mode: 'normal' },
      { value: 1, mode: 'normal' },
      { value: -1, mode: 'none' },
    ]);
  });

  it('adds up jobs that run at the same time, and shows paused only when all are', () => {
    const { bars, titles, emit } = setup();
    titles('r1', 'running', titlesProgress(10, 100));
    emit('thumbs.update', { jobId: 'j1', seq: 1, state: 'running', records: [], progress: { total: 100, done: 40, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 10, etaMs: null }, outDir: null });
    expect(bars.at(-1)).toEqual({ value: 0.25, mode: 'normal' });
    titles('r1', 'paused', titlesProgress(10, 100, 1_000, { paused: true }));
    expect(bars.at(-1)).toEqual({ value: 0.25, mode: 'normal' });
    emit('thumbs.update', { jobId: 'j1', seq: 1, state: 'cancelled', records: [], progress: { total: 100, done: 40, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 10, etaMs: null }, outDir: null });
    expect(bars.at(-1)).toEqual({ value: 0.1, mode: 'paused' });
    titles('r1', 'cancelled', titlesProgress(10, 100));
    expect(bars.at(-1)).toEqual({ value: -1, mode: 'none' });
  });

  it('is indeterminate while the total is not known yet, and does not repeat itself', () => {
    const { bars, titles } = setup();
    titles('r1', 'running', titlesProgress(0, 0, 0, { inputDone: false }));
    titles('r1', 'running', titlesProgress(0, 0, 0, { inputDone: false }));
    titles('r1', 'running', titlesProgress(1, 100_000));
    titles('r1', 'running', titlesProgress(2, 100_000));
    expect(bars).toEqual([
      { value: 2, mode: 'indeterminate' },
      { value: 0, mode: 'normal' },
    ]);
  });

  it('follows primes jobs too', () => {
    const { bars, emit } = setup();
    emit('primes.rangeUpdate', { jobId: 'p', seq: 1, state: 'running', progress: { sieved: 300, total: 1000, count: 10, elapsedMs: 5, etaMs: null, workers: [] }, primes: [] });
    emit('primes.checkUpdate', { jobId: 'c', seq: 1, state: 'running', records: [], done: 100, total: 1000, elapsedMs: 5 });
    expect(bars.at(-1)).toEqual({ value: 0.2, mode: 'normal' });
  });

  it('stops listening when detached', () => {
    const { detach, listeners } = setup();
    detach();
    expect(listeners.size).toBe(0);
  });
});

describe('notifications', () => {
  it('tells the user when a long run ends while the window is in the background', () => {
    const { window, notifications, titles } = setup();
    titles('r1', 'running', titlesProgress(0, 5000));
    window.focused = false;
    titles('r1', 'done', titlesProgress(5000, 5000, 83_000, { failed: 12 }));
    expect(notifications).toEqual([{ title: 'Titles run finished', body: '5000 URLs in 1 min 23 s, 12 failed.' }]);
  });

  it('in the UI language', () => {
    const { window, notifications, emit } = setup('zh-CN');
    emit('thumbs.update', { jobId: 'j', seq: 1, state: 'running', records: [], progress: { total: 30, done: 0, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 0, etaMs: null }, outDir: '/out' });
    window.focused = false;
    emit('thumbs.update', { jobId: 'j', seq: 1, state: 'done', records: [], progress: { total: 30, done: 30, failed: 1, cancelled: 0, skipped: 0, elapsedMs: 15_000, etaMs: 0 }, outDir: '/out' });
    expect(notifications).toEqual([{ title: '缩略图已完成', body: '30 张图片，用时 15 s，失败 1 张。' }]);
  });

  it('stays quiet when the window is in front, the run was short, or it was cancelled', () => {
    const { window, notifications, titles } = setup();
    titles('seen', 'running', titlesProgress(0, 10));
    titles('seen', 'done', titlesProgress(10, 10, 60_000));
    window.focused = false;
    titles('short', 'running', titlesProgress(0, 10));
    titles('short', 'done', titlesProgress(10, 10, 9_999));
    titles('cancelled', 'running', titlesProgress(0, 10));
    titles('cancelled', 'cancelled', titlesProgress(3, 10, 60_000));
    // A final update for a run this session never saw running (a reopened history entry) is not news either.
    titles('unknown', 'done', titlesProgress(10, 10, 60_000));
    expect(notifications).toEqual([]);
  });

  it('reports a long prime count with its result', () => {
    const { window, notifications, emit } = setup();
    emit('primes.rangeUpdate', { jobId: 'p', seq: 1, state: 'running', progress: { sieved: 0, total: 1e10, count: 0, elapsedMs: 0, etaMs: null, workers: [] }, primes: [] });
    window.focused = false;
    emit('primes.rangeUpdate', {
      jobId: 'p',
      seq: 2,
      state: 'done',
      progress: { sieved: 1e10, total: 1e10, count: 455052511, elapsedMs: 12_000, etaMs: 0, workers: [] },
      primes: [],
      result: { from: '0', to: '10000000000', count: 455052511, ms: 12_000, workers: 2, speedup: 1.9, cancelled: false },
    });
    expect(notifications).toEqual([{ title: 'Prime count finished', body: '455,052,511 primes in 12 s.' }]);
  });
});
