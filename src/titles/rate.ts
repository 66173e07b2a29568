/**
 * Requests per second per host (`--rate`, and robots.txt's Crawl-delay): a sliding window over the times requests
 * were written to the wire, per host. The scheduler asks `wait(host)` before it grants a slot, calls `grant(host)`
 * when it does, and hears `written(host, …)` when undici writes the request (or gives up on it). A granted request
 * not yet written counts as starting now, so a slow connect cannot let a request slip into a window it was not
 * counted in; measuring at the write rather than at the grant keeps a request that waited for a new connection from
 * bunching up with the next window's requests on a warm one. A small guard on every window absorbs the jitter
 * between our write and the server's clock. Pure bookkeeping (no timers): the scheduler owns the waiting.
 */

import { isValidRate, titlesLimits } from './limits.js';

/** Added to every window and interval: jitter between the write and the server's arrival time. */
export const RATE_GUARD_MS = 20;
/** Through a proxy, which adds its own connects and queueing between our write and the site, the guard is larger. */
export const PROXIED_RATE_GUARD_MS = 100;
/** A Crawl-delay above this counts as this (a robots.txt cannot stop a run for a day). */
export const MAX_CRAWL_DELAY_MS = 60_000;

interface HostPace {
  /** Write times (ms) of the last `limit` requests, oldest first: a ring of `limit` slots. */
  starts: Float64Array;
  /** Next slot of `starts` to overwrite (the oldest). */
  next: number;
  /** Requests recorded so far, up to `limit`. */
  filled: number;
  /** Granted and not yet written: they count as starting now. */
  pending: number;
  /** Least time between two requests (Crawl-delay), 0 for none. */
  intervalMs: number;
  /** Write time of the newest request. */
  last: number;
}

export interface PacerOptions {
  /** Requests per second per host; null: no limit. Whole numbers, or a fraction below 1 (0.5: one every 2 s). */
  perSecond: number | null;
  guardMs?: number;
  now?: () => number;
}

/** Starts per window for a rate: N a second, or one per 1/N seconds below 1. */
export function rateWindow(perSecond: number): { limit: number; windowMs: number } {
  if (!isValidRate(perSecond)) throw new RangeError(`a rate is more than 0 and at most ${titlesLimits.rateMax} requests per second, a whole number above 1 (got ${perSecond})`);
  return perSecond >= 1 ? { limit: Math.floor(perSecond), windowMs: 1000 } : { limit: 1, windowMs: 1000 / perSecond };
}

export class HostPacer {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #guardMs: number;
  readonly #now: () => number;
  readonly #hosts = new Map<string, HostPace>();
  #sinceSweep = 0;

  constructor(options: PacerOptions) {
    const window = options.perSecond === null ? null : rateWindow(options.perSecond);
    this.#limit = window?.limit ?? 0;
    this.#windowMs = window?.windowMs ?? 0;
    this.#guardMs = options.guardMs ?? RATE_GUARD_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Hosts with pacing state (for tests: idle hosts are forgotten). */
  get size(): number {
    return this.#hosts.size;
  }

  /** A host's Crawl-delay (0: none), capped at MAX_CRAWL_DELAY_MS. */
  setInterval(host: string, intervalMs: number): void {
    const ms = Math.min(MAX_CRAWL_DELAY_MS, Math.max(0, intervalMs));
    const pace = this.#hosts.get(host);
    if (pace !== undefined) pace.intervalMs = ms;
    else if (ms > 0) this.#add(host, this.#newPace(ms));
  }

  /**
   * Milliseconds until `host` may start a request: 0 now, Infinity until a granted request is written or dropped
   * (call `wait` again then).
   */
  wait(host: string): number {
    const pace = this.#hosts.get(host);
    if (pace === undefined) return 0;
    const now = this.#now();
    let wait = 0;
    if (pace.intervalMs > 0) {
      if (pace.pending > 0) return Infinity;
      if (pace.filled > 0) wait = Math.max(wait, pace.last + pace.intervalMs + this.#guardMs - now);
    }
    if (this.#limit > 0) {
      if (pace.pending >= this.#limit) return Infinity;
      // With `pending` requests counting as now, the window has room when the (limit - pending)-th newest write has
      // left it.
      const recorded = this.#limit - pace.pending;
      if (pace.filled >= recorded) {
        const slot = (pace.next + this.#limit - recorded) % this.#limit;
        wait = Math.max(wait, (pace.starts[slot] as number) + this.#windowMs + this.#guardMs - now);
      }
    }
    return Math.max(0, wait);
  }

  /** A request to `host` was granted: it counts as starting now until `written`. */
  grant(host: string): void {
    let pace = this.#hosts.get(host);
    if (pace === undefined) {
      if (this.#limit === 0) return;
      pace = this.#add(host, this.#newPace(0));
    }
    pace.pending += 1;
  }

  /** A granted request was written to the wire (`sent`), or ended without being written. */
  written(host: string, sent: boolean): void {
    const pace = this.#hosts.get(host);
    if (pace === undefined || pace.pending === 0) return;
    pace.pending -= 1;
    if (!sent) return;
    const now = this.#now();
    pace.last = now;
    if (this.#limit > 0) {
      pace.starts[pace.next] = now;
      pace.next = (pace.next + 1) % this.#limit;
    }
    pace.filled = Math.min(pace.filled + 1, Math.max(1, this.#limit));
  }

  #add(host: string, pace: HostPace): HostPace {
    if (++this.#sinceSweep >= 4096) this.#sweep();
    this.#hosts.set(host, pace);
    return pace;
  }

  #newPace(intervalMs: number): HostPace {
    return { starts: new Float64Array(this.#limit), next: 0, filled: 0, pending: 0, intervalMs, last: -Infinity };
  }

  /**
   * Nothing about this host can hold a request back any more. A Crawl-delay set before the host's first request is
   * kept until that request (the fetcher sets it again before every request anyway).
   */
  #idle(pace: HostPace, now: number): boolean {
    if (pace.pending > 0 || pace.last === -Infinity) return false;
    return pace.last + Math.max(this.#windowMs, pace.intervalMs) + this.#guardMs <= now;
  }

  /** Forget hosts that no longer constrain anything, so a run over a million hosts keeps a small map. */
  #sweep(): void {
    this.#sinceSweep = 0;
    const now = this.#now();
    for (const [host, pace] of this.#hosts) if (this.#idle(pace, now)) this.#hosts.delete(host);
  }
}
