/**
 * Elapsed time, rate and time left of a running job, ticking every second between the host's updates. A host sends
 * an update when work finishes, so one slow item in flight would freeze a clock drawn from updates alone; here the
 * elapsed time runs on from the last update, and the rate is measured over the last few seconds of this page's own
 * clock, so it falls (and the time left grows) while nothing finishes. Paused or ended: the host's figures as they
 * are, and no rate.
 */
import { useEffect, useReducer, useRef } from 'react';

export interface LiveInput {
  /** Changes when another job is shown: the clock starts over. */
  key: string | number | null;
  done: number;
  total: number;
  /** The host's elapsed time as of its latest update. */
  elapsedMs: number;
  /** Work is going on (not paused, not ended). */
  running: boolean;
  /** The host's own rate (items per second), used until this page has watched for RATE_MIN_SPAN_MS. */
  hostRate?: number | null;
}

export interface LiveStats {
  elapsedMs: number;
  /** Items per second; null while paused, ended or not known yet. */
  rate: number | null;
  /** Time left; null while paused, ended or not known. */
  etaMs: number | null;
}

/** The rate is measured over this much of the recent past. */
export const RATE_WINDOW_MS = 10_000;
/** Below this much watching, the host's rate (if any) stands in. */
const RATE_MIN_SPAN_MS = 1500;
const TICK_MS = 1000;

interface Sample {
  at: number;
  done: number;
}

interface Clock {
  key: LiveInput['key'];
  /** The host's elapsed time and this page's clock when it arrived. */
  elapsedMs: number;
  receivedAt: number;
  running: boolean;
  /** The largest elapsed time shown so far (never goes back while running). */
  shown: number;
  samples: Sample[];
}

const now = () => performance.now();

/** Live elapsed time, rate and time left (see the module comment). */
export function useLiveStats(input: LiveInput): LiveStats {
  const clock = useRef<Clock | null>(null);
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const at = now();

  let current = clock.current;
  if (!current || current.key !== input.key) {
    current = { key: input.key, elapsedMs: input.elapsedMs, receivedAt: at, running: input.running, shown: input.elapsedMs, samples: [] };
    clock.current = current;
  } else if (current.elapsedMs !== input.elapsedMs || current.running !== input.running) {
    current.elapsedMs = input.elapsedMs;
    current.receivedAt = at;
    current.running = input.running;
    if (!input.running) current.shown = input.elapsedMs;
  }

  useEffect(() => {
    if (!input.running) return;
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [input.running, input.key]);

  if (!input.running) {
    current.samples = [];
    return { elapsedMs: input.elapsedMs, rate: null, etaMs: null };
  }

  const elapsedMs = Math.max(current.shown, current.elapsedMs + (at - current.receivedAt));
  current.shown = elapsedMs;

  // Samples of this page's clock: one per render (updates and ticks), thinned to the window.
  const samples = current.samples;
  const last = samples[samples.length - 1];
  if (last && input.done < last.done) samples.length = 0; // counts went back (another part of the run): measure afresh
  if (!last || at - last.at >= 200 || input.done !== last.done) samples.push({ at, done: input.done });
  while (samples.length > 2 && at - samples[1]!.at >= RATE_WINDOW_MS) samples.shift();
  const first = samples[0]!;
  const span = at - first.at;
  let rate: number | null;
  if (span >= RATE_MIN_SPAN_MS) rate = ((input.done - first.done) * 1000) / span;
  else rate = input.hostRate ?? null;
  const left = Math.max(0, input.total - input.done);
  const etaMs = left === 0 ? 0 : rate !== null && rate > 0 ? (left / rate) * 1000 : null;
  return { elapsedMs, rate, etaMs };
}
