/**
 * The bounded pool behind a titles run: at most `concurrency` requests in flight overall and `perHost` per host,
 * granted round-robin over the hosts that have work, so one big host cannot starve the others.
 * Every operation is O(1): hosts with work and room wait in a FIFO ring; a host at its limit leaves the ring and
 * comes back when one of its requests ends. With a pacer (requests per second per host, Crawl-delay), a host whose
 * window is full also leaves the ring, without holding a slot, and comes back when its window has room.
 */
import type { HostPacer } from './rate.js';

interface Waiter {
  resolve: (granted: boolean) => void;
}

interface HostState {
  active: number;
  /** Waiting for a global slot and a slot on this host. */
  queue: Waiter[];
  queueHead: number;
  /** Requests already holding a global slot, moving to this host (redirects): served first, no global slot needed. */
  movers: Waiter[];
  /** Requests holding their slots, waiting for the pacer before their next request (redirects). */
  paced: Waiter[];
  inRing: boolean;
  name: string;
  /** Wakes the host when its pacing window has room again. */
  timer: NodeJS.Timeout | null;
}

export class HostScheduler {
  #inFlight = 0;
  #paused = false;
  #closed = false;
  readonly #hosts = new Map<string, HostState>();
  /** Hosts with queued work and room, in round-robin order. */
  #ring: HostState[] = [];
  #ringHead = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perHost: number,
    private readonly pacer: HostPacer | null = null,
  ) {}

  /** Requests holding a slot. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot on `host` (not yet granted). */
  waiting(host: string): number {
    const state = this.#hosts.get(host);
    return state === undefined ? 0 : state.queue.length - state.queueHead;
  }

  /** True when no more requests can start now: all global slots taken, or paused. */
  get saturated(): boolean {
    return this.#paused || this.#inFlight >= this.concurrency;
  }

  /**
   * Wait for a global slot and a slot on `host`. Resolves true when granted (call `release(host)` when done), false
   * when the scheduler was closed first. `front` puts the request ahead of its host's queue (retries).
   */
  acquire(host: string, front = false): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const state = this.#host(host);
      const waiter = { resolve };
      if (front && state.queueHead > 0) state.queue[--state.queueHead] = waiter;
      else if (front) state.queue.unshift(waiter);
      else state.queue.push(waiter);
      this.#offer(state);
      this.#pump();
    });
  }

  /** Give back the slots taken by `acquire` (or moved by `move`). */
  release(host: string): void {
    this.#inFlight -= 1;
    this.#leaveHost(host);
    this.#pump();
  }

  /** The first request queued on a host, out of its queue. */
  #takeWaiter(state: HostState): Waiter {
    const waiter = state.queue[state.queueHead] as Waiter;
    state.queue[state.queueHead] = undefined as unknown as Waiter;
    state.queueHead += 1;
    if (state.queueHead > 1024 && state.queueHead * 2 > state.queue.length) {
      state.queue = state.queue.slice(state.queueHead);
      state.queueHead = 0;
    }
    return waiter;
  }

  /**
   * A request holding slots on `from` continues on `to` (a redirect to another host): it keeps its global slot, gives
   * back its slot on `from` and waits for one on `to`, ahead of requests not yet started. Resolves false if closed.
   */
  move(from: string, to: string): Promise<boolean> {
    if (from === to) return this.#pace(to);
    this.#leaveHost(from);
    if (this.#closed) {
      this.#inFlight -= 1;
      return Promise.resolve(false);
    }
    const state = this.#host(to);
    if (state.active < this.perHost) {
      state.active += 1;
      return this.#pace(to);
    }
    return new Promise<boolean>((resolve) => state.movers.push({ resolve })).then((moved) => (moved ? this.#pace(to) : false));
  }

  /**
   * The request granted last on `host` was written to the wire (`sent`), or ended without being written: the pacer
   * counts requests by when they were written.
   */
  written(host: string, sent: boolean): void {
    if (this.pacer === null) return;
    this.pacer.written(host, sent);
    const state = this.#hosts.get(host);
    if (state !== undefined) this.#serve(state);
    this.#pump();
  }

  /** A host's Crawl-delay (robots.txt): the least time between two of its requests. */
  setMinInterval(host: string, ms: number): void {
    this.pacer?.setInterval(host, ms);
  }

  /**
   * A request holding its slots on `host` makes another request there (a redirect on the same host, or the first
   * after a move): it waits for the pacer, ahead of requests not yet started. False when closed.
   */
  #pace(host: string): Promise<boolean> {
    if (this.pacer === null) return Promise.resolve(true);
    if (this.#closed) {
      this.release(host);
      return Promise.resolve(false);
    }
    const state = this.#host(host);
    if (state.paced.length === 0 && this.pacer.wait(host) === 0) {
      this.pacer.grant(host);
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      state.paced.push({ resolve });
      this.#serve(state);
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Refuse everything still waiting (cancel). */
  close(): void {
    this.#closed = true;
    for (const state of this.#hosts.values()) {
      for (let i = state.queueHead; i < state.queue.length; i += 1) state.queue[i]?.resolve(false);
      state.queue = [];
      state.queueHead = 0;
      for (const mover of state.movers) {
        this.#inFlight -= 1;
        mover.resolve(false);
      }
      state.movers = [];
      // They hold a slot on the host and a global one; the caller gives back neither when refused.
      for (const waiter of state.paced) {
        this.#inFlight -= 1;
        state.active -= 1;
        waiter.resolve(false);
      }
      state.paced = [];
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
    }
    this.#ring = [];
    this.#ringHead = 0;
  }

  #host(host: string): HostState {
    let state = this.#hosts.get(host);
    if (state === undefined) {
      state = { active: 0, queue: [], queueHead: 0, movers: [], paced: [], inRing: false, timer: null, name: host };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #leaveHost(host: string): void {
    const state = this.#hosts.get(host);
    if (state === undefined) return;
    const mover = state.movers.shift();
    if (mover !== undefined) {
      // The slot passes straight to a redirected request waiting for this host.
      mover.resolve(true);
      return;
    }
    state.active -= 1;
    this.#offer(state);
    if (state.active === 0 && state.queue.length === state.queueHead && !state.inRing && state.timer === null) this.#hosts.delete(host);
  }

  /** Put a host in the ring if it has queued work, room, and (paced) room in its window now. */
  #offer(state: HostState): void {
    if (!state.inRing && state.queue.length > state.queueHead && state.active < this.perHost && state.paced.length === 0 && this.#paceAllows(state)) {
      state.inRing = true;
      this.#ring.push(state);
    }
  }

  /** Whether the pacer lets `state`'s host start a request now; if not, wake it when it will. */
  #paceAllows(state: HostState): boolean {
    if (this.pacer === null) return true;
    const wait = this.pacer.wait(state.name);
    if (wait === 0) return true;
    // Infinity: a granted request is not written yet; `written` serves the host again.
    if (Number.isFinite(wait) && state.timer === null && !this.#closed) {
      state.timer = setTimeout(() => {
        state.timer = null;
        this.#serve(state);
        this.#pump();
      }, Math.ceil(wait));
    }
    return false;
  }

  /** Requests waiting for the pacer while holding their slots go first, then the host's queue. */
  #serve(state: HostState): void {
    if (this.pacer === null || this.#closed) return;
    while (state.paced.length > 0) {
      if (!this.#paceAllows(state)) return;
      this.pacer.grant(state.name);
      (state.paced.shift() as Waiter).resolve(true);
    }
    this.#offer(state);
    if (state.active === 0 && state.queue.length === state.queueHead && !state.inRing && state.timer === null && this.#hosts.get(state.name) === state) this.#hosts.delete(state.name);
  }

  #pump(): void {
    while (!this.#paused && !this.#closed && this.#inFlight < this.concurrency && this.#ringHead < this.#ring.length) {
      const state = this.#ring[this.#ringHead] as HostState;
      this.#ring[this.#ringHead] = undefined as unknown as HostState;
      this.#ringHead += 1;
      state.inRing = false;
      if (state.queue.length === state.queueHead || state.active >= this.perHost) continue;
      // Paced: its window may have filled since it joined the ring (a redirect took the room).
      if (this.pacer !== null && (state.paced.length > 0 || !this.#paceAllows(state))) continue;
      const waiter = this.#takeWaiter(state);
      state.active += 1;
      this.#inFlight += 1;
      this.pacer?.grant(state.name);
      // Back of the ring: the next grant goes to another host.
      this.#offer(state);
      waiter.resolve(true);
    }
    if (this.#ringHead > 1024 && this.#ringHead * 2 > this.#ring.length) {
      this.#ring = this.#ring.slice(this.#ringHead);
      this.#ringHead = 0;
    }
  }
}
