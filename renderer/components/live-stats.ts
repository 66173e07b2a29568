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
export const RATE_MIN_SPAN_MS = 1500;
const TICK_MS = 1000;

interface Sample {
  at: number;
  done: number;
}

/** The figures of one job on this page's clock; `read` is called on every render (updates and ticks). */
export class LiveClock {
  private key: LiveInput['key'] | undefined = undefined;
  /** The host's elapsed time and this page's clock when it arrived. */
  private elapsedMs = 0;
  private receivedAt = 0;
  private running = false;
  /** The largest elapsed time shown so far (never goes back while running). */
  private shown = 0;
  private samples: Sample[] = [];

  read(input: LiveInput, at: number): LiveStats {
    if (this.key !== input.key) {
      this.key = input.key;
      this.elapsedMs = input.elapsedMs;
      this.receivedAt = at;
      this.running = input.running;
      this.shown = input.elapsedMs;
      this.samples = [];
    } else if (this.elapsedMs !== input.elapsedMs || this.running !== input.running) {
      this.elapsedMs = input.elapsedMs;
      this.receivedAt = at;
      this.running = input.running;
      if (!input.running) this.shown = input.elapsedMs;
    }
    if (!input.running) {
      this.samples = [];
      return { elapsedMs: input.elapsedMs, rate: null, etaMs: null };
    }

    const elapsedMs = Math.max(this.shown, this.elapsedMs + (at - this.receivedAt));
    this.shown = elapsedMs;

    // Samples of this page's clock, thinned to the window.
    const samples = this.samples;
    const last = samples[samples.length - 1];
    if (last && input.done < last.done) samples.length = 0; // counts went back (another part of the run): measure afresh
    if (!last || at - last.at >= 200 || input.done !== last.done) samples.push({ at, done: input.done });
    while (samples.length > 2 && at - samples[1]!.at >= RATE_WINDOW_MS) samples.shift();
    const first = samples[0]!;
    const span = at - first.at;
    const rate = span >= RATE_MIN_SPAN_MS ? ((input.done - first.done) * 1000) / span : (input.hostRate ?? null);
    const left = Math.max(0, input.total - input.done);
    const etaMs = left === 0 ? 0 : rate !== null && rate > 0 ? (left / rate) * 1000 : null;
    return { elapsedMs, rate, etaMs };
  }
}

/** Live elapsed time, rate and time left (see the module comment), re-read every second while running. */
export function useLiveStats(input: LiveInput): LiveStats {
  const clock = useRef<LiveClock | null>(null);
  clock.current ??= new LiveClock();
  const [, tick] = useReducer((n: number) => n + 1, 0);

  useEffect(() => {
    if (!input.running) return;
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [input.running, input.key]);

  return clock.current.read(input, performance.now());
}
