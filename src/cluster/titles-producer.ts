/**
 * The producer of a titles run on a Redis queue: it reads the input lazily, numbers and dedupes the entries exactly as
 * the local engine does, deals them to the queue in chunks of one host's URLs (hosts interleaved), keeps at most a
 * window of URLs queued or in flight (back-pressure: neither the producer nor Redis ever holds the whole list), and
 * takes the records the workers commit from the run's stream, in batches, trimming each batch only after the caller
 * has written it (`settled`). Killed at any point, it can be started again on the same run (`resume`): what has a
 * record is not fetched again, and what was lost in between is.
 *
 * The same object serves the CLI (through `asTitlesJob`) and the app (events: records, progress, workers, state).
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import { processAlive } from '../fs/lock.js';
import type { TitlesJob } from '../titles/engine.js';
import { invalidEntryRecord, resolveTitlesOptions } from '../titles/options.js';
import { EntryIndexer } from '../titles/input.js';
import { within } from '../within.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from '../titles/types.js';
import { checkRedis, claimSchema, createRedis, redisOptions, type RedisTarget } from './connection.js';
import { ClusterError } from './errors.js';
import { BitSet, FingerprintSet } from './fingerprints.js';
import { activeJobsOf, createRun, endRun, getRun, listRuns, listWorkers, removeQueuedJobs, reportRun, type WorkerStatus } from './registry.js';
import { keys, PREFIX, PRIMES_QUEUE, PRODUCER_STALE_MS, RUN_ID_PATTERN, SCHEMA_VERSION, TITLES_QUEUE, type ClusterTitlesSettings, type TitlesJobData } from './schema.js';

export interface ClusterTitlesInit {
  target: RedisTarget;
  /** The caller checked this Redis just before (the CLI does, before it touches a file): not checked again. */
  checked?: boolean;
  /** Raw input lines, as for the local engine. */
  lines: AsyncIterable<string> | Iterable<string>;
  options?: Partial<TitlesOptions>;
  /** The run's id (letters, digits, - and _). A new random one when absent. */
  runId?: string;
  /**
   * true: continue the run if Redis has it (its records already taken are skipped through `skip`, those committed
   * meanwhile are delivered, the rest fetched). false (default): a run of that id is cancelled and started anew.
   */
  resume?: boolean;
  /** For `runs` and the app (default: the first URL and how many more). */
  name?: string;
  /** Stops this producer (the run stays on the queue, resumable); see also `cancel()`. */
  signal?: AbortSignal;
  /** As the local engine's: true when the caller already has the record of this entry. Called once per entry. */
  skip?: (index: number, url: string) => boolean;
  /** One per distinct entry (also through the `records` event, in batches). */
  onRecord?: (record: TitleRecord) => void;
  /** Resolves when every record given so far is safely written; only then are they removed from Redis. */
  settled?: () => Promise<void>;
  /** URLs queued or in flight at most (default 20,000). */
  window?: number;
  /** URLs per job (default: four times the per-host limit, from 8 to 64). */
  chunkSize?: number;
  /** URLs of one host queued or in flight at most (default: 4 chunks, at least 8 × per-host). */
  hostCap?: number;
  /** How long a resumed run waits for the jobs its earlier producer left active (default 60 s). */
  attachWaitMs?: number;
  /** Lines for the user (a lost connection, no worker connected). */
  onNotice?: (message: string) => void;
  /** After `signal` stops the producer, how long `done` waits for a `cancel()` (a second Ctrl+C); default 0. */
  stopGraceMs?: number;
}

export type ClusterRunState = 'running' | 'reconnecting' | 'done' | 'cancelled' | 'stopped';

export interface ClusterTitlesEvents {
  records: [TitleRecord[]];
  progress: [TitlesProgress];
  workers: [WorkerStatus[]];
  state: [ClusterRunState];
}

const DEFAULT_WINDOW = 20_000;
/** A producer stopped while Redis is gone would wait for it forever: its connections are cut after this long. */
const STOP_FORCE_MS = 2000;
const TRIM_RECORDS = 1000;
const TRIM_MS = 250;
const RATE_BUCKETS = 50;
const RATE_BUCKET_MS = 100;

/** Whether the producer `host:pid` may still run: on this machine its pid tells; elsewhere only its heartbeat does. */
function producerAlive(producer: string): boolean {
  const at = producer.lastIndexOf(':');
  if (producer.slice(0, at) !== hostname()) return true;
  return processAlive(Number(producer.slice(at + 1)));
}

/** A new run id: time and 32 random bits, like the local history's ids. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')}`;
}

function settingsOf(options: TitlesOptions): ClusterTitlesSettings {
  return {
    perHost: options.perHost,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    userAgent: options.userAgent,
    headers: options.headers,
    maxRedirects: options.maxRedirects,
    maxBodyBytes: options.maxBodyBytes,
    retryBaseMs: options.retryBaseMs,
    maxRetryDelayMs: options.maxRetryDelayMs,
    proxy: options.proxy,
    robots: options.robots,
    rate: options.rate,
  };
}

export function primesQueue(target: RedisTarget): Queue {
  return new Queue(PRIMES_QUEUE, {
    connection: redisOptions(target),
    prefix: PREFIX,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1000, backoff: { type: 'fixed', delay: 1000 } },
    streams: { events: { maxLen: 100 } },
  });
}

export function titlesQueue(target: RedisTarget): Queue {
  return new Queue(TITLES_QUEUE, {
    connection: redisOptions(target),
    prefix: PREFIX,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1000, backoff: { type: 'fixed', delay: 1000 } },
    // BullMQ's events stream is shared by every run; nothing of ours reads it, so keep it short.
    streams: { events: { maxLen: 100 } },
  });
}

/**
 * Cancels a run: its queued jobs removed, its keys but the summary deleted (workers stop its requests within about
 * a second). Returns false when there is no such running run.
 */
export async function cancelClusterRun(client: Redis, target: RedisTarget, id: string, summary: Record<string, unknown> = {}): Promise<boolean> {
  const run = await getRun(client, id);
  if (run === null || run.state === 'done' || run.state === 'cancelled') return false;
  await client.hset(keys.run(id), 'state', 'cancelled');
  const queue = run.kind === 'primes' ? primesQueue(target) : titlesQueue(target);
  queue.on('error', () => undefined);
  try {
    await removeQueuedJobs(queue, id);
  } finally {
    await queue.close();
  }
  await endRun(client, id, 'cancelled', { cancelled: true, total: run.total, done: run.done, failed: run.failed, ...summary });
  return true;
}

export class ClusterTitlesRun extends EventEmitter<ClusterTitlesEvents> {
  readonly id: string;
  readonly done: Promise<TitlesSummary>;
  #paused = false;
  #state: ClusterRunState = 'running';
  #progress: () => TitlesProgress;
  #cancel: () => Promise<void>;
  #workers: WorkerStatus[] = [];

  private constructor(id: string, body: (self: ClusterTitlesRun) => { done: Promise<TitlesSummary>; progress: () => TitlesProgress; cancel: () => Promise<void>; queued: () => number }) {
    super();
    this.id = id;
    const parts = body(this);
    this.done = parts.done;
    this.#progress = parts.progress;
    this.#queued = parts.queued;
    this.#cancel = parts.cancel;
  }

  get state(): ClusterRunState {
    return this.#state;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The live workers, as last seen (about once a second). */
  get workers(): WorkerStatus[] {
    return this.#workers;
  }

  progress(): TitlesProgress {
    return this.#progress();
  }

  /** URLs queued or in flight on the cluster now (at most the window). */
  queuedUrls(): number {
    return this.#queued();
  }

  #queued: () => number = () => 0;

  /** Stop taking records and queuing jobs (the workers finish the window); `resume` goes on. */
  pause(): void {
    this.#paused = true;
    this.emit('progress', this.progress());
  }

  resume(): void {
    this.#paused = false;
    this.#wake?.();
    this.emit('progress', this.progress());
  }

  /** Cancel the run on the cluster: queued jobs removed, keys but the summary deleted; `done` resolves cancelled. */
  cancel(): Promise<void> {
    return this.#cancel();
  }

  #wake: (() => void) | null = null;

  /** The CLI's view: the same interface as the local engine's job. */
  asTitlesJob(): TitlesJob & { cancelEverywhere(): Promise<void> } {
    return { pause: () => this.pause(), resume: () => this.resume(), progress: () => this.progress(), done: this.done, cancelEverywhere: () => this.cancel() };
  }

  /**
   * Connects, checks Redis (reachable, password, noeviction, schema), creates or attaches to the run, and starts it.
   * Throws a ClusterError (one line for the user) before anything is queued.
   */
  static async start(init: ClusterTitlesInit): Promise<ClusterTitlesRun> {
    const { target } = init;
    const options = resolveTitlesOptions(init.options);
    const id = init.runId ?? newRunId();
    if (!RUN_ID_PATTERN.test(id)) throw new ClusterError('NO_RUN', `not a run id: ${JSON.stringify(id.slice(0, 80))}`);
    if (init.checked !== true) await checkRedis(target);
    const client = createRedis(target);
    const reader = createRedis(target);
    const queue = titlesQueue(target);
    queue.on('error', () => undefined);
    const producerName = `${hostname()}:${process.pid}`;
    let attached = false;
    try {
      await claimSchema(client, target, 'producer', async () => (await listRuns(client)).every((run) => run.state === 'done' || run.state === 'cancelled'));
      const existing = await getRun(client, id);
      if (existing !== null && init.resume === true && (existing.state === 'running' || existing.state === 'interrupted')) {
        if (existing.state === 'running' && existing.producer !== null && existing.producer !== producerName && Date.now() - existing.producerSeenAt < PRODUCER_STALE_MS && producerAlive(existing.producer)) {
          throw new ClusterError('NO_RUN', `run ${id} is being fed by another producer (${existing.producer}); stop it first`);
        }
        attached = true;
        await client.hset(keys.run(id), { settings: JSON.stringify(settingsOf(options)), producer: producerName, producerSeenAt: Date.now() });
      } else {
        if (existing !== null) {
          await cancelClusterRun(client, target, id);
          await client.del(keys.run(id));
        }
        await createRun(client, { id, kind: 'titles', name: init.name ?? '', settings: settingsOf(options), producer: producerName });
      }
    } catch (error) {
      client.disconnect();
      reader.disconnect();
      await queue.close().catch(() => undefined);
      throw error;
    }
    return new ClusterTitlesRun(id, (self) => produce(self, init, options, { id, client, reader, queue, attached, producerName }));
  }

  /** @internal */
  setState(state: ClusterRunState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  /** @internal */
  setWorkers(workers: WorkerStatus[]): void {
    this.#workers = workers;
    this.emit('workers', workers);
  }

  /** @internal */
  setWake(wake: (() => void) | null): void {
    this.#wake = wake;
  }
}

interface Plumbing {
  id: string;
  client: Redis;
  reader: Redis;
  queue: Queue;
  attached: boolean;
  producerName: string;
}

function produce(
  self: ClusterTitlesRun,
  init: ClusterTitlesInit,
  options: TitlesOptions,
  { id, client, reader, queue, attached, producerName }: Plumbing,
): { done: Promise<TitlesSummary>; progress: () => TitlesProgress; cancel: () => Promise<void>; queued: () => number } {
  const window = Math.max(1, init.window ?? DEFAULT_WINDOW);
  const chunkSize = Math.max(1, init.chunkSize ?? Math.min(64, Math.max(8, options.perHost * 4)));
  const lookahead = Math.max(window, 1000);
  // A host never has more than this many URLs queued or in flight, so a list sorted by host still reaches the others.
  const hostCap = init.hostCap ?? Math.max(chunkSize * 4, options.perHost * 8);
  const stop = new AbortController();
  const onCallerAbort = (): void => stop.abort(init.signal?.reason);
  if (init.signal?.aborted) stop.abort(init.signal.reason);
  else init.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let cancelled = false;
  /** Woken by cancel(): a producer stopped by its signal waits stopGraceMs for one. */
  const cancelWaiters: (() => void)[] = [];

  const loopDelay = monitorEventLoopDelay({ resolution: 2 });
  loopDelay.enable();
  const startedAt = performance.now();
  // 64-bit fingerprints, not the keys: ten million entries fit in a few hundred MiB.
  const indexer = new EntryIndexer(new FingerprintSet());
  const delivered = new BitSet();
  let total = 0;
  let inputDone = false;
  let done = 0;
  let failed = 0;
  const rateCounts = new Float64Array(RATE_BUCKETS);
  const rateSlots = new Float64Array(RATE_BUCKETS).fill(-1);

  // Entries read and not yet queued: per-host buffers, then full chunks taken round-robin over the hosts.
  const buffers = new Map<string, string[]>();
  let buffered = 0;
  const readyChunks = new Map<string, string[][]>();
  const ring: string[] = [];
  let ringHead = 0;
  // Entries queued or in flight: index -> host, and per-host counts (the hostCap).
  const outstanding = new Map<number, string>();
  const hostOutstanding = new Map<string, number>();
  /** Hosts that had a ready chunk while at their cap: back in the ring when one of their entries returns. */
  const capped = new Set<string>();
  let chunkNumber = 0;
  // A resumed run: records committed while no producer ran, held until the input reaches their entry.
  const backlog = new Map<number, TitleRecord>();

  let wake: (() => void) | null = null;
  const poke = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  self.setWake(poke);
  const sleepUntilPoked = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  stop.signal.addEventListener('abort', poke, { once: true });

  const countRate = (n: number): void => {
    const slot = Math.floor(performance.now() / RATE_BUCKET_MS);
    const at = slot % RATE_BUCKETS;
    if (rateSlots[at] !== slot) {
      rateSlots[at] = slot;
      rateCounts[at] = 0;
    }
    rateCounts[at] = (rateCounts[at] ?? 0) + n;
  };

  const progress = (): TitlesProgress => {
    const now = performance.now();
    const elapsedMs = now - startedAt;
    const slot = Math.floor(now / RATE_BUCKET_MS);
    let recent = 0;
    for (let i = 0; i < RATE_BUCKETS; i += 1) if (slot - (rateSlots[i] ?? -1) < RATE_BUCKETS) recent += rateCounts[i] ?? 0;
    const rate = (recent * 1000) / Math.min(RATE_BUCKETS * RATE_BUCKET_MS, Math.max(elapsedMs, 1));
    const remaining = total - done;
    const inFlight = self.workers.filter((worker) => worker.runs.includes(id)).reduce((sum, worker) => sum + worker.inFlight, 0);
    return {
      total,
      inputDone,
      done,
      failed,
      inFlight,
      rate,
      etaMs: inputDone && remaining === 0 ? 0 : inputDone && rate > 0 ? Math.round((remaining / rate) * 1000) : null,
      elapsedMs: Math.round(elapsedMs),
      duplicates: indexer.duplicates,
      paused: self.paused,
    };
  };

  /** Gives records to the caller; counts them. */
  let batch: TitleRecord[] = [];
  const deliver = (record: TitleRecord): void => {
    if (delivered.has(record.index)) return;
    delivered.add(record.index);
    done += 1;
    if (record.error !== null) failed += 1;
    countRate(1);
    batch.push(record);
    init.onRecord?.(record);
  };
  const flushBatch = (): void => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    self.emit('records', records);
  };

  const returned = (index: number): void => {
    const host = outstanding.get(index);
    if (host === undefined) return;
    outstanding.delete(index);
    const left = (hostOutstanding.get(host) ?? 1) - 1;
    if (left === 0) hostOutstanding.delete(host);
    else hostOutstanding.set(host, left);
    if (capped.delete(host)) ring.push(host);
  };

  // ---- Records: the run's stream, read in order; a batch is trimmed once the caller has written it.
  let lastId = '0-0';
  const parseEntries = (entries: [string, string[]][]): TitleRecord[] => {
    const records: TitleRecord[] = [];
    for (const [entryId, fields] of entries) {
      lastId = entryId;
      const payload = fields[fields.indexOf('r') + 1];
      try {
        records.push(JSON.parse(payload ?? '') as TitleRecord);
      } catch {
        // Not ours; skipped.
      }
    }
    return records;
  };
  // Trimmed in batches (every TRIM_RECORDS records or TRIM_MS): each trim waits for the caller's output to be written,
  // and the stream keeps the records until then anyway, so trimming after every read cost a write and a round trip
  // for a few records. A run that ends deletes its stream; one that stops trims what it has written before it goes
  // (`force`), so that a later attach finds only records it has not seen (Retry failed must not get old failures).
  let untrimmed = 0;
  let trimmedAt = performance.now();
  const trim = async (force = false): Promise<void> => {
    if (!force && untrimmed < TRIM_RECORDS && performance.now() - trimmedAt < TRIM_MS) return;
    if (lastId === '0-0') return;
    untrimmed = 0;
    trimmedAt = performance.now();
    await init.settled?.();
    const [ms, seq] = lastId.split('-');
    await client.xtrim(keys.out(id), 'MINID', `${ms}-${Number(seq) + 1}`);
  };

  const readBacklog = async (): Promise<void> => {
    for (;;) {
      const entries = (await client.xrange(keys.out(id), `(${lastId}`, '+', 'COUNT', 1000)) as [string, string[]][];
      if (entries.length === 0) return;
      for (const record of parseEntries(entries)) if (!delivered.has(record.index)) backlog.set(record.index, record);
    }
  };

  const readRecords = async (): Promise<void> => {
    while (!stop.signal.aborted && !(inputDone && done === total && buffered === 0 && outstanding.size === 0)) {
      if (self.paused) {
        await sleepUntilPoked(200);
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await reader.xread('COUNT', 2000, 'BLOCK', 500, 'STREAMS', keys.out(id), lastId)) as [string, [string, string[]][]][] | null;
      } catch {
        if (stop.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (reply === null || reply.length === 0) continue;
      for (const record of parseEntries(reply[0]?.[1] ?? [])) {
        untrimmed += 1;
        returned(record.index);
        deliver(record);
      }
      flushBatch();
      poke();
      await trim();
    }
  };

  // ---- Input: read, number, dedupe, skip; then deal chunks to the queue within the window.
  const source = init.lines;
  const iterator: AsyncIterator<string> | Iterator<string> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  stop.signal.addEventListener('abort', () => void (iterator.return?.() as Promise<unknown> | undefined)?.catch?.(() => undefined), { once: true });

  /** Entries whose record is committed in Redis (a resumed run); checked a block at a time. */
  const committedBits = async (indices: number[]): Promise<boolean[]> => {
    if (!attached || indices.length === 0) return indices.map(() => false);
    const results = await client.pipeline(indices.map((index) => ['getbit', keys.done(id), index])).exec();
    return indices.map((_, i) => results?.[i]?.[1] === 1);
  };

  const addToBuffer = (index: number, line: string, host: string): void => {
    let rows = buffers.get(host);
    if (rows === undefined) {
      rows = [];
      buffers.set(host, rows);
    }
    rows.push(`${index}\t${line}`);
    buffered += 1;
    if (rows.length >= chunkSize) {
      buffers.delete(host);
      readyChunk(host, rows);
    }
  };
  const readyChunk = (host: string, rows: string[]): void => {
    let chunks = readyChunks.get(host);
    if (chunks === undefined) {
      chunks = [];
      readyChunks.set(host, chunks);
      if (!capped.has(host)) ring.push(host);
    }
    chunks.push(rows);
  };

  const readSome = async (): Promise<void> => {
    const pending: { index: number; line: string; host: string | null; reason: string | null }[] = [];
    while (pending.length < 512) {
      const next = await iterator.next();
      if (next.done === true) {
        inputDone = true;
        break;
      }
      const item = indexer.next(String(next.value));
      if (item.kind !== 'entry') continue;
      const { index, parsed } = item;
      total = index + 1;
      if (init.skip?.(index, parsed.line) === true) {
        done += 1;
        delivered.add(index);
        backlog.delete(index);
        continue;
      }
      const held = backlog.get(index);
      if (held !== undefined) {
        backlog.delete(index);
        deliver(held);
        continue;
      }
      pending.push({ index, line: parsed.line, host: parsed.kind === 'url' ? parsed.host : null, reason: parsed.kind === 'invalid' ? parsed.reason : null });
    }
    const bits = await committedBits(pending.filter((entry) => entry.host !== null).map((entry) => entry.index));
    let at = 0;
    const lost: number[] = [];
    for (const entry of pending) {
      if (entry.host === null) {
        deliver(invalidEntryRecord(entry.index, entry.line, entry.reason ?? 'not a URL'));
        continue;
      }
      // Committed, but neither in the caller's output nor in the stream: taken by a producer that died before writing
      // it. Fetch it again.
      if (bits[at++] === true) lost.push(entry.index);
      addToBuffer(entry.index, entry.line, entry.host);
    }
    if (lost.length > 0) await client.pipeline(lost.map((index) => ['setbit', keys.done(id), index, 0])).exec();
    flushBatch();
  };

  const takeChunks = (): { host: string; rows: string[] }[] => {
    const taken: { host: string; rows: string[] }[] = [];
    let queued = outstanding.size;
    while (ringHead < ring.length && !self.paused) {
      const host = ring[ringHead] as string;
      const chunks = readyChunks.get(host);
      const rows = chunks?.[0];
      if (chunks === undefined || rows === undefined) {
        ringHead += 1;
        continue;
      }
      if (queued > 0 && queued + rows.length > window) break;
      ringHead += 1;
      if ((hostOutstanding.get(host) ?? 0) + rows.length > hostCap && (hostOutstanding.get(host) ?? 0) > 0) {
        capped.add(host);
        continue;
      }
      chunks.shift();
      if (chunks.length === 0) readyChunks.delete(host);
      else ring.push(host);
      taken.push({ host, rows });
      queued += rows.length;
      hostOutstanding.set(host, (hostOutstanding.get(host) ?? 0) + rows.length);
      for (const row of rows) outstanding.set(Number(row.slice(0, row.indexOf('\t'))), host);
      buffered -= rows.length;
    }
    if (ringHead > 1024 && ringHead * 2 > ring.length) {
      ring.splice(0, ringHead);
      ringHead = 0;
    }
    return taken;
  };

  /** Moves partial chunks to the ready ring: at the end of the input, or when the look-ahead is full of them. */
  const releasePartials = (all: boolean): void => {
    const hosts = [...buffers.entries()].sort((a, b) => b[1].length - a[1].length);
    for (const [host, rows] of all ? hosts : hosts.slice(0, Math.max(1, Math.ceil(hosts.length / 4)))) {
      buffers.delete(host);
      readyChunk(host, rows);
    }
  };

  const feed = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      const chunks = takeChunks();
      if (chunks.length > 0) {
        await queue.addBulk(
          chunks.map(({ rows }) => {
            const number = chunkNumber++;
            const data: TitlesJobData = { v: SCHEMA_VERSION, r: id, c: number, e: rows.join('\n') };
            return { name: 't', data, opts: { jobId: `${id}.${Date.now().toString(36)}.${number}` } };
          }),
        );
        continue;
      }
      if (self.paused) {
        await sleepUntilPoked(200);
        continue;
      }
      if (!inputDone && buffered < lookahead) {
        await readSome();
        continue;
      }
      if (buffers.size > 0 && (inputDone || ringHead >= ring.length)) {
        releasePartials(inputDone);
        continue;
      }
      if (inputDone && buffered === 0) {
        if (backlog.size > 0) backlog.clear(); // records of entries no longer in the input: not this run's any more
        if (outstanding.size === 0 && done === total) return;
      }
      await sleepUntilPoked(250);
    }
  };

  // ---- Heartbeat: counts to the registry, workers to the listeners, progress to the listeners.
  let warnedNoWorkers = false;
  const heartbeat = setInterval(() => {
    if (stop.signal.aborted) return;
    void client.hget(keys.run(id), 'state').then(
      (state) => {
        // Cancelled from elsewhere (`titlewave runs --cancel`, the app): stop; the canceller removed the jobs and keys.
        if (state !== 'cancelled' || cancelled) return;
        cancelled = true;
        init.onNotice?.('the run was cancelled on the queue');
        stop.abort(new Error('cancelled'));
        self.setState('cancelled');
      },
      () => undefined,
    );
    if (!cancelled) void reportRun(client, id, { total, inputDone, done, failed }, producerName).catch(() => undefined);
    void listWorkers(client).then(
      (workers) => {
        self.setWorkers(workers);
        if (workers.length === 0 && !warnedNoWorkers && performance.now() - startedAt > 3000 && done < total) {
          warnedNoWorkers = true;
          init.onNotice?.('no worker is connected to this Redis; the jobs wait until one starts (titlewave worker --redis URL)');
        }
      },
      () => undefined,
    );
    self.emit('progress', progress());
  }, 1000);
  const onReconnecting = (): void => {
    if (self.state !== 'running') return;
    self.setState('reconnecting');
    init.onNotice?.('lost the connection to Redis; reconnecting…');
  };
  const onReady = (): void => {
    if (self.state !== 'reconnecting') return;
    self.setState('running');
    init.onNotice?.('connected to Redis again');
  };
  client.on('reconnecting', onReconnecting);
  client.on('ready', onReady);

  // Stopped (closing the app, Ctrl+C) while Redis does not answer: its commands would wait for it forever. After a
  // moment the connections are cut and the producer gives up waiting (`forced`), so it ends within seconds; the run
  // stays on the queue as it was, and what was not written yet stays in its stream for the next attach. Cutting is not
  // enough by itself: a client whose Redis is gone (not just silent) is waiting to reconnect, and ioredis then leaves
  // its commands pending for ever, disconnect() or not (redis/ioredis#2169).
  let forceTimer: NodeJS.Timeout | null = null;
  /** Set when the connections were cut: nothing more is asked of Redis. */
  let cut = false;
  const forced = new Promise<void>((resolve) => {
    stop.signal.addEventListener(
      'abort',
      () => {
        forceTimer = setTimeout(() => {
          cut = true;
          reader.disconnect();
          client.disconnect();
          void queue.disconnect().catch(() => undefined);
          resolve();
        }, STOP_FORCE_MS);
      },
      { once: true },
    );
  });
  // A second at most for each (Redis may be gone); `within` clears its timer, so a producer that is done exits at once.
  const bounded = (promise: Promise<unknown>): Promise<unknown> => within(promise, 1000);

  const cleanUp = async (): Promise<void> => {
    clearInterval(heartbeat);
    if (forceTimer !== null) clearTimeout(forceTimer);
    loopDelay.disable();
    init.signal?.removeEventListener('abort', onCallerAbort);
    client.off('reconnecting', onReconnecting);
    client.off('ready', onReady);
    reader.disconnect();
    if (!cut) await bounded(queue.close());
    if (!cut) await bounded(client.quit());
    client.disconnect();
    void queue.disconnect().catch(() => undefined);
  };

  const summary = (): TitlesSummary => ({ ...progress(), inFlight: 0, cancelled: cancelled || stop.signal.aborted, eventLoopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - 2) });

  const run = async (): Promise<TitlesSummary> => {
    try {
      if (attached) {
        // Jobs the earlier producer queued would fetch what this one queues again: remove them, and wait for the ones
        // being worked on (or held by a dead worker until its lock expires) so that the done bitmap is final.
        const deadline = Date.now() + (init.attachWaitMs ?? 60_000);
        for (;;) {
          await removeQueuedJobs(queue, id);
          if ((await activeJobsOf(queue, id)) === 0 || Date.now() > deadline || stop.signal.aborted) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        await readBacklog();
      }
      await Promise.race([Promise.all([feed(), readRecords()]), forced]);
      flushBatch();
      if (!stop.signal.aborted && !cancelled) {
        await init.settled?.();
        const final = summary();
        await endRun(client, id, 'done', { ...final });
        self.setState('done');
        self.emit('progress', progress());
        return final;
      }
      if (!cancelled) {
        // Stopped here; the run stays on the queue for --resume (shown as interrupted at once). A moment for the user
        // to say "cancel it there too" (a second Ctrl+C) before this resolves.
        if (!cut) await bounded(trim(true).catch(() => undefined));
        if (!cut) await bounded(client.hset(keys.run(id), { total, inputDone: inputDone ? 1 : 0, done, failed, producerSeenAt: 0 }).catch(() => undefined));
        if ((init.stopGraceMs ?? 0) > 0) {
          init.onNotice?.(`stopped; the run stays on the queue (--resume continues it); interrupt again within ${((init.stopGraceMs ?? 0) / 1000).toFixed(0)} s to cancel it there`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, init.stopGraceMs);
            cancelWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        if (!cancelled) self.setState('stopped');
      }
      return summary();
    } catch (error) {
      stop.abort(error);
      throw error;
    } finally {
      await cleanUp();
    }
  };

  const cancel = async (): Promise<void> => {
    if (cancelled) return;
    cancelled = true;
    stop.abort(new Error('cancelled'));
    for (const waiter of cancelWaiters.splice(0)) waiter();
    const canceller = createRedis(init.target);
    // With Redis gone its commands would wait for ever (see `forced`): the cancel gives up, and says so, when the
    // canceller has no connection 2 s after it started or loses it later. A cancel that is slow but connected (a huge
    // queue) goes on to its end.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => {
        if (canceller.status !== 'ready') resolve('gave up');
        else canceller.once('reconnecting', () => resolve('gave up'));
      }, STOP_FORCE_MS);
    });
    try {
      const outcome = await Promise.race([cancelClusterRun(canceller, init.target, id, { ...summary(), cancelled: true }), gaveUp]);
      if (outcome === 'gave up') init.onNotice?.(`could not reach Redis to cancel the run there; it stays on the queue until \`titlewave runs --redis URL --cancel ${id}\` removes it`);
    } finally {
      clearTimeout(timer);
      canceller.disconnect();
    }
    self.setState('cancelled');
  };

  return { done: run(), progress, cancel, queued: () => outstanding.size };
}
