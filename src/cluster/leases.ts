/**
 * Politeness across machines. BullMQ's open-source queue has no per-group concurrency, so each request to a host takes
 * a lease from a Redis sorted set of that host's live leases (at most `--per-host` of them, summed over every worker);
 * a lease expires unless its worker renews it, so a worker killed mid-request frees its slots after the lease time.
 * A worker that cannot renew its leases in time (it lost Redis) stops its requests before they could outlive them.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { HostPacer } from '../titles/rate.js';
import { HostScheduler } from '../titles/scheduler.js';
import type { SlotGate } from '../titles/engine.js';
import { keys } from './schema.js';
import type { ClusterPipelineScripts, ClusterScripts } from './scripts.js';

/** A counting semaphore, FIFO: the worker's `--concurrency`, shared by every run it works for. */
export class Slots {
  #used = 0;
  readonly #waiters: (() => void)[] = [];
  constructor(readonly size: number) {}

  get used(): number {
    return this.#used;
  }

  acquire(): Promise<void> {
    if (this.#used < this.size) {
      this.#used += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#used -= 1;
  }
}

/** How long a lease given back is kept for a request of its host that waits on this worker for a slot (see HostLeases). */
export const LEASE_HOLD_MS = 50;

/** A lease given back and kept on this worker until `until` (ms since the epoch), or END_OF_TURN. */
interface SpareLease {
  id: string;
  until: number;
}

/** `until` of a spare lease kept only to the end of the event loop's turn (removed with the turn's asks). */
const END_OF_TURN = 0;

interface LeaseAsk {
  key: string;
  limit: number;
  id: string;
  /** 1 granted, 0 refused, -1 the run ended, NaN Redis failed. */
  resolve: (granted: number) => void;
}

/**
 * The leases one worker holds, renewed together; `onLost` when they could not be renewed in time.
 *
 * A lease given back is kept for the next request of the same host on this worker, which takes it over without a
 * round trip to Redis: until the end of the event loop's turn, or LEASE_HOLD_MS when requests of that host wait here
 * (the gate's scheduler gives slots round the hosts, so such a request has its turn within a few milliseconds). Most
 * requests then take over a lease rather than ask Redis for one. A kept lease still counts on the server, so the
 * per-host limit holds exactly; other workers wait for it no longer than the hold. At the end of a turn, the leases
 * given back that nobody took are removed and the leases asked for are taken, in one pipeline (one socket write: on a
 * 2-core machine each costs about 0.1 ms of CPU, and a burst of answers frees many slots in one turn). Measured on the
 * cluster bench's run (5,000 URLs, 2 workers) while a worker's slots stayed with their host: 40 % fewer script calls
 * and 15 % less worker CPU than one call per lease; slots going round the hosts since (see ClusterGate) ask Redis
 * about 10 % more.
 */
export class HostLeases {
  readonly #held = new Map<string, Set<string>>();
  /** Leases given back and not yet removed, by key: still held (and renewed), free to be taken over until `until`. */
  readonly #spare = new Map<string, SpareLease[]>();
  #dropTimer: NodeJS.Timeout | null = null;
  #dropAt = Infinity;
  #sequence = 0;
  #timer: NodeJS.Timeout | null = null;
  #lastRenewed = Date.now();
  #renewing = false;
  /** Leases asked for in this turn, by run key: taken together at its end. */
  readonly #asks = new Map<string, LeaseAsk[]>();
  #turnScheduled = false;

  constructor(
    private readonly client: Redis & ClusterScripts,
    private readonly owner: string,
    readonly ttlMs: number,
    private readonly onLost: () => void,
  ) {}

  start(): void {
    this.#lastRenewed = Date.now();
    this.#timer = setInterval(() => void this.#renew(), Math.max(100, Math.floor(this.ttlMs / 4)));
    this.#timer.unref();
  }

  get count(): number {
    let count = 0;
    for (const set of this.#held.values()) count += set.size;
    return count;
  }

  /**
   * One lease on `key` if fewer than `limit` are live; null when the host is at its limit or Redis failed, 'ended'
   * when the run (`runKey`) is no longer running.
   */
  async tryAcquire(key: string, runKey: string, limit: number): Promise<string | null | 'ended'> {
    const spare = this.#spare.get(key);
    const reused = spare?.pop();
    if (reused !== undefined) {
      if (spare?.length === 0) this.#spare.delete(key);
      return reused.id;
    }
    const id = `${this.owner}:${++this.#sequence}`;
    const granted = await this.#ask(key, runKey, limit, id);
    if (granted === -1) return 'ended';
    if (granted !== 1) return null;
    let set = this.#held.get(key);
    if (set === undefined) {
      set = new Set();
      this.#held.set(key, set);
    }
    if (set.size === 0 && this.count === 0) this.#lastRenewed = Date.now();
    set.add(id);
    return id;
  }

  #ask(key: string, runKey: string, limit: number, id: string): Promise<number> {
    return new Promise((resolve) => {
      let asks = this.#asks.get(runKey);
      if (asks === undefined) {
        asks = [];
        this.#asks.set(runKey, asks);
      }
      asks.push({ key, limit, id, resolve });
      this.#endOfTurn();
    });
  }

  /** After the I/O callbacks of this turn: what they gave back and asked for goes to Redis in one write. */
  #endOfTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(() => this.#sendTurn());
  }

  #sendTurn(): void {
    this.#turnScheduled = false;
    const pipeline = this.client.pipeline() as ChainableCommander & ClusterPipelineScripts;
    const removals = this.#removeSpare(pipeline, (lease) => lease.until === END_OF_TURN);
    let commands = removals;
    const batches: LeaseAsk[][] = [];
    for (const [runKey, asks] of this.#asks) {
      const args: (string | number)[] = [runKey, ...asks.map((ask) => ask.key), this.ttlMs];
      for (const ask of asks) args.push(ask.limit, ask.id);
      pipeline.acquireLeases(asks.length + 1, ...args);
      batches.push(asks);
      commands += 1;
    }
    this.#asks.clear();
    if (commands === 0) return;
    // A removal that does not arrive expires with its lease.
    pipeline.exec().then(
      (results) => {
        for (const [b, asks] of batches.entries()) {
          const [error, granted] = results?.[removals + b] ?? [new Error('no reply'), null];
          for (const [i, ask] of asks.entries()) ask.resolve(error !== null ? Number.NaN : Array.isArray(granted) ? Number(granted[i]) : Number(granted));
        }
      },
      () => {
        for (const asks of batches) for (const ask of asks) ask.resolve(Number.NaN);
      },
    );
  }

  /** Takes the spare leases `over` picks off this worker's books and adds their removal to `pipeline`: one ZREM per key. */
  #removeSpare(pipeline: ChainableCommander, over: (lease: SpareLease) => boolean): number {
    let commands = 0;
    for (const [key, spare] of this.#spare) {
      const ids = spare.filter(over).map((lease) => lease.id);
      if (ids.length === 0) continue;
      const set = this.#held.get(key);
      for (const id of ids) set?.delete(id);
      if (set?.size === 0) this.#held.delete(key);
      pipeline.zrem(key, ...ids);
      commands += 1;
      const kept = spare.filter((lease) => !over(lease));
      if (kept.length === 0) this.#spare.delete(key);
      else this.#spare.set(key, kept);
    }
    return commands;
  }

  /** Gives a lease back; `waiting`: requests of its host wait on this worker, so it is kept for them a little longer. */
  release(key: string, id: string, waiting = false): void {
    if (this.#held.get(key)?.has(id) !== true) return;
    let spare = this.#spare.get(key);
    if (spare === undefined) {
      spare = [];
      this.#spare.set(key, spare);
    }
    if (!waiting) {
      spare.push({ id, until: END_OF_TURN });
      this.#endOfTurn();
      return;
    }
    const until = Date.now() + LEASE_HOLD_MS;
    spare.push({ id, until });
    this.#dropAfter(until);
  }

  #dropAfter(until: number): void {
    if (until >= this.#dropAt) return;
    if (this.#dropTimer !== null) clearTimeout(this.#dropTimer);
    this.#dropAt = until;
    this.#dropTimer = setTimeout(() => {
      this.#dropTimer = null;
      this.#dropAt = Infinity;
      this.#dropSpare();
    }, Math.max(1, until - Date.now()));
    this.#dropTimer.unref();
  }

  /** Removes on the server, in one round trip, the leases given back that nobody took and whose time is over. */
  #dropSpare(): void {
    const now = Date.now();
    const pipeline = this.client.pipeline();
    // Those kept to the end of the turn are the turn's to remove.
    const removed = this.#removeSpare(pipeline, (lease) => lease.until !== END_OF_TURN && lease.until <= now);
    // Fire and forget: a release that does not arrive expires with the lease.
    if (removed > 0) pipeline.exec().catch(() => undefined);
    let nextUntil = Infinity;
    for (const spare of this.#spare.values()) for (const lease of spare) if (lease.until !== END_OF_TURN) nextUntil = Math.min(nextUntil, lease.until);
    if (nextUntil !== Infinity) this.#dropAfter(nextUntil);
  }

  #clearSpare(): void {
    this.#spare.clear();
    if (this.#dropTimer !== null) clearTimeout(this.#dropTimer);
    this.#dropTimer = null;
    this.#dropAt = Infinity;
  }

  async #renew(): Promise<void> {
    if (this.#renewing) return;
    if (this.#held.size === 0) {
      this.#lastRenewed = Date.now();
      return;
    }
    this.#renewing = true;
    const held = [...this.#held.entries()].map(([key, set]) => [key, [...set]] as const);
    const total = held.reduce((sum, [, ids]) => sum + ids.length, 0);
    const args: (string | number)[] = [held.length, ...held.map(([key]) => key), this.ttlMs];
    for (const [, ids] of held) args.push(ids.length, ...ids);
    const started = Date.now();
    try {
      const renewed = await this.client.renewLeases(...(args as [number, ...(string | number)[]]));
      if (renewed < total) this.#lose();
      else this.#lastRenewed = started;
    } catch {
      // Redis is away; below, the leases' own clock decides.
    } finally {
      this.#renewing = false;
    }
    // Stop before the leases could have expired on the server (a margin for clock rate and latency).
    if (this.#held.size > 0 && Date.now() - this.#lastRenewed > this.ttlMs * 0.7) this.#lose();
  }

  #lose(): void {
    this.#held.clear();
    this.#clearSpare();
    this.#lastRenewed = Date.now();
    this.onLost();
  }

  /** Give every lease back (graceful stop). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    const held = [...this.#held.entries()];
    this.#held.clear();
    this.#clearSpare();
    await Promise.all(held.map(([key, ids]) => this.client.zrem(key, ...ids).catch(() => 0)));
  }
}

/**
 * A short wait before a host at its limit is asked again. Not cut short when the run ends: the caller looks at the
 * run's signal after it, within 30 ms, and a listener per waiting request on the run's signal would be one per entry of
 * every job held.
 */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A run's gate on one worker: the run's own per-host limit on this worker (the engine's HostScheduler: slots go round
 * the hosts of the jobs held here), the worker's `--concurrency` across runs, and a cluster-wide lease per request. A
 * request that finds its host at the limit elsewhere gives its local slots back and tries again shortly, so other
 * hosts go on meanwhile.
 *
 * Round the hosts rather than back to the host that gave a slot back: the held jobs then advance together, each at
 * about its share of the worker's slots, below the per-host limit, so a host held by jobs on two workers seldom meets
 * the limit, and the last jobs of a run do not wait behind hosts that kept their slots. On the cluster bench (5,000
 * URLs, 2 workers x 50, per-host 8, 10 jobs held per worker), interleaved runs: 5.61-5.68 s median against 5.72-5.76 s
 * when a slot stayed with its host; about 7 % more worker CPU and 10 % more Redis commands.
 */
export class ClusterGate implements SlotGate {
  readonly #local: HostScheduler;
  readonly #leaseIds = new Map<string, string[]>();

  constructor(
    private readonly runId: string,
    private readonly perHost: number,
    private readonly slots: Slots,
    private readonly leases: HostLeases,
    private readonly signal: AbortSignal,
    private readonly onEnded: () => void,
    /** The run's pace on this worker (requests per second per host, Crawl-delay), or none. */
    pacer: HostPacer | null = null,
  ) {
    this.#local = new HostScheduler(slots.size, perHost, pacer);
    signal.addEventListener('abort', () => this.#local.close(), { once: true });
  }

  get inFlight(): number {
    return this.#local.inFlight;
  }

  async #lease(host: string): Promise<boolean> {
    const id = await this.leases.tryAcquire(keys.hostLeases(this.runId, host), keys.run(this.runId), this.perHost);
    if (id === 'ended') {
      // Cancelled or finished: no request of it starts any more.
      this.onEnded();
      return false;
    }
    if (id === null) return false;
    let ids = this.#leaseIds.get(host);
    if (ids === undefined) {
      ids = [];
      this.#leaseIds.set(host, ids);
    }
    ids.push(id);
    return true;
  }

  #unlease(host: string): void {
    const ids = this.#leaseIds.get(host);
    const id = ids?.pop();
    if (ids !== undefined && ids.length === 0) this.#leaseIds.delete(host);
    // Kept a moment for this worker's next request of the host, when one waits (see HostLeases).
    if (id !== undefined) this.leases.release(keys.hostLeases(this.runId, host), id, this.#local.waiting(host) > 0);
  }

  async acquire(host: string, front: boolean): Promise<boolean> {
    for (;;) {
      if (!(await this.#local.acquire(host, front))) return false;
      await this.slots.acquire();
      if (!this.signal.aborted && (await this.#lease(host))) return true;
      this.slots.release();
      this.#local.release(host);
      if (this.signal.aborted) return false;
      // The host is at its limit across the cluster: let this worker's other hosts go first, then try again.
      await pause(10 + Math.random() * 20);
      front = true;
    }
  }

  release(host: string): void {
    this.#unlease(host);
    this.slots.release();
    this.#local.release(host);
  }

  written(host: string, sent: boolean): void {
    this.#local.written(host, sent);
  }

  setMinInterval(host: string, ms: number): void {
    this.#local.setMinInterval(host, ms);
  }

  async move(from: string, to: string): Promise<boolean> {
    // The same host: its lease stays; the next request waits for the pace.
    if (from === to) return this.#local.move(from, to);
    this.#unlease(from);
    if (!(await this.#local.move(from, to))) {
      this.slots.release();
      return false;
    }
    while (!this.signal.aborted) {
      if (await this.#lease(to)) return true;
      await pause(10 + Math.random() * 20);
    }
    this.slots.release();
    this.#local.release(to);
    return false;
  }
}
