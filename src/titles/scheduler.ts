/**
 * The bounded pool behind a titles run: at most `concurrency` requests in flight overall and `perHost` per host,
 * granted round-robin over the hosts that have work, so one big host cannot starve the others.
 * Every operation is O(1): hosts with work and room wait in a FIFO ring; a host at its limit leaves the ring and
 * comes back when one of its requests ends.
 */

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
  inRing: boolean;
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
  ) {}

  /** Requests holding a slot. */
  get inFlight(): number {
    return this.#inFlight;
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

  /**
   * A request holding slots on `from` continues on `to` (a redirect to another host): it keeps its global slot, gives
   * back its slot on `from` and waits for one on `to`, ahead of requests not yet started. Resolves false if closed.
   */
  move(from: string, to: string): Promise<boolean> {
    if (from === to) return Promise.resolve(true);
    this.#leaveHost(from);
    if (this.#closed) {
      this.#inFlight -= 1;
      return Promise.resolve(false);
    }
    const state = this.#host(to);
    if (state.active < this.perHost) {
      state.active += 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => state.movers.push({ resolve }));
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
    }
    this.#ring = [];
    this.#ringHead = 0;
  }

  #host(host: string): HostState {
    let state = this.#hosts.get(host);
    if (state === undefined) {
      state = { active: 0, queue: [], queueHead: 0, movers: [], inRing: false };
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
    if (state.active === 0 && state.queue.length === state.queueHead && !state.inRing) this.#hosts.delete(host);
  }

  /** Put a host in the ring if it has queued work and room. */
  #offer(state: HostState): void {
    if (!state.inRing && state.queue.length > state.queueHead && state.active < this.perHost) {
      state.inRing = true;
      this.#ring.push(state);
    }
  }

  #pump(): void {
    while (!this.#paused && !this.#closed && this.#inFlight < this.concurrency && this.#ringHead < this.#ring.length) {
      const state = this.#ring[this.#ringHead] as HostState;
      this.#ring[this.#ringHead] = undefined as unknown as HostState;
      this.#ringHead += 1;
      state.inRing = false;
      if (state.queue.length === state.queueHead || state.active >= this.perHost) continue;
      const waiter = state.queue[state.queueHead] as Waiter;
      state.queue[state.queueHead] = undefined as unknown as Waiter;
      state.queueHead += 1;
      if (state.queueHead > 1024 && state.queueHead * 2 > state.queue.length) {
        state.queue = state.queue.slice(state.queueHead);
        state.queueHead = 0;
      }
      state.active += 1;
      this.#inFlight += 1;
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
