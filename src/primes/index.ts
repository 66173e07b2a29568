/**
 * The primes engine's Node-side API, used by the services and the CLI: check a list of numbers, count or list the
 * primes of a range. Heavy work runs on the worker pool; a short list is checked right here (starting worker
 * processes would cost more than the whole check).
 */
import { createWriteStream, rmSync, renameSync, type WriteStream } from 'node:fs';
import { once, setMaxListeners } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createWorkerPool, WorkerFailedError } from '../workers/pool.js';
import type { WorkerPool } from '../workers/types.js';
import { MAX_CHECK_DIGITS, parseInteger } from './integer.js';
import { checkToken } from './primality.js';
import { MAX_SIEVE_BOUND } from './sieve.js';
import type { PrimeCheckRecord, RangeProgress, RangeRequest, RangeResult, WorkerActivity } from './types.js';

export { checkToken, isPrime, testPrimality } from './primality.js';
export { MAX_CHECK_DIGITS, parseInteger } from './integer.js';
export { MAX_SIEVE_BOUND } from './sieve.js';

/** A bad range request (bounds that are not integers, out of range, or in the wrong order). */
export class PrimesInputError extends Error {
  override readonly name = 'PrimesInputError';
}

/** A promise with its resolve function (Promise.withResolvers is not in Node 20). */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The job was cancelled', 'AbortError');
}

// ---------------------------------------------------------------- check a list

/** Tokens of a list: split on whitespace, commas and new lines; `index` is the 0-based position. */
export function parseNumberList(text: string): { index: number; token: string }[] {
  const tokens: { index: number; token: string }[] = [];
  for (const token of text.split(/[\s,]+/)) if (token !== '') tokens.push({ index: tokens.length, token });
  return tokens;
}

/**
 * Rough milliseconds to check one token: a few microseconds up to 2^64, then about the cube of the size
 * (measured: a 500-digit prime 16 ms, 1000 digits 110 ms, 2000 digits 750 ms). Composites cost less.
 */
function tokenCostMs(token: string): number {
  const digits = token.length;
  // Short ones, and ones refused at once for their size.
  if (digits <= 16 || digits > MAX_CHECK_DIGITS + 2) return 0.005;
  if (digits <= 40) return 0.15;
  return 110 * (digits / 1000) ** 2.8;
}

/** Estimated milliseconds to check all the tokens in one process. */
export function estimateCheckCost(tokens: readonly { token: string }[]): number {
  let total = 0;
  for (const { token } of tokens) total += tokenCostMs(token);
  return total;
}

/** Below this estimate a list is checked in this process; above, on the worker pool. */
export const IN_PROCESS_MS = 30;
/** Work per pool task, so tasks are neither chatty nor lumpy. */
const TASK_MS = 10;
/** Distinct tokens remembered by an in-process check (a bound on the memory it adds). */
const MEMO_LIMIT = 10_000;
/** In-process slices: the event loop (Electron's main process, say) never waits longer than this. */
const SLICE_MS = 10;

export interface CheckOptions {
  /** A running pool; without one, a big list starts (and closes) its own. */
  pool?: WorkerPool;
  signal?: AbortSignal;
  /** Records in input order, in batches, as soon as they are known. */
  onRecords?: (records: PrimeCheckRecord[]) => void;
}

/**
 * One record per token, in input order. Tokens that are not non-negative integers get an error record and the rest
 * go on. On cancel, rejects with the signal's reason (records delivered so far stand).
 */
export async function checkPrimes(tokens: { index: number; token: string }[], options: CheckOptions = {}): Promise<PrimeCheckRecord[]> {
  const { signal, onRecords } = options;
  if (signal?.aborted) throw abortError(signal);
  const cost = estimateCheckCost(tokens);
  if (cost <= IN_PROCESS_MS) return checkInProcess(tokens, signal, onRecords);
  if (options.pool) return checkOnPool(tokens, options.pool, signal, onRecords);
  const pool = createWorkerPool();
  try {
    return await checkOnPool(tokens, pool, signal, onRecords);
  } finally {
    await pool.close();
  }
}

async function checkInProcess(
  tokens: { index: number; token: string }[],
  signal: AbortSignal | undefined,
  onRecords: ((records: PrimeCheckRecord[]) => void) | undefined,
): Promise<PrimeCheckRecord[]> {
  const records: PrimeCheckRecord[] = [];
  // A list often repeats numbers (the tutorial's lists each five times): decide each distinct token once.
  const seen = new Map<string, PrimeCheckRecord>();
  let batchStart = 0;
  let sliceEnd = performance.now() + SLICE_MS;
  for (const { index, token } of tokens) {
    const known = seen.get(token);
    const record = known ? { ...known, index } : checkToken(token, index);
    if (!known && token.length <= 64 && seen.size < MEMO_LIMIT) seen.set(token, record);
    records.push(record);
    if (performance.now() >= sliceEnd) {
      onRecords?.(records.slice(batchStart));
      batchStart = records.length;
      await yieldToEventLoop();
      if (signal?.aborted) throw abortError(signal);
      sliceEnd = performance.now() + SLICE_MS;
    }
  }
  if (batchStart < records.length) onRecords?.(records.slice(batchStart));
  return records;
}

async function checkOnPool(
  tokens: { index: number; token: string }[],
  pool: WorkerPool,
  signal: AbortSignal | undefined,
  onRecords: ((records: PrimeCheckRecord[]) => void) | undefined,
): Promise<PrimeCheckRecord[]> {
  // Tasks of about TASK_MS each.
  const tasks: { index: number; token: string }[][] = [];
  let current: { index: number; token: string }[] = [];
  let currentCost = 0;
  for (const token of tokens) {
    current.push(token);
    currentCost += tokenCostMs(token.token);
    if (currentCost >= TASK_MS) {
      tasks.push(current);
      current = [];
      currentCost = 0;
    }
  }
  if (current.length) tasks.push(current);

  const results: (PrimeCheckRecord[] | undefined)[] = new Array(tasks.length);
  let nextToDeliver = 0;
  const deliver = (): void => {
    while (nextToDeliver < tasks.length && results[nextToDeliver]) {
      onRecords?.(results[nextToDeliver] as PrimeCheckRecord[]);
      nextToDeliver++;
    }
  };
  // One signal for all the tasks (each listens to it while queued or running): ours, so its listener count is ours.
  const internal = new AbortController();
  setMaxListeners(0, internal.signal);
  const onAbort = (): void => internal.abort(abortError(signal));
  signal?.addEventListener('abort', onAbort, { once: true });
  const runTask = async (batch: { index: number; token: string }[]): Promise<PrimeCheckRecord[]> => {
    try {
      return await pool.run('primes.check', { tokens: batch }, { signal: internal.signal });
    } catch (error) {
      if (!(error instanceof WorkerFailedError)) throw error;
      // A worker died on this batch twice. Run its tokens one by one, so only the culprit fails.
      if (batch.length > 1) return (await Promise.all(batch.map((token) => runTask([token])))).flat();
      const [only] = batch as [{ index: number; token: string }];
      return [{ index: only.index, n: only.token, prime: null, factor: null, method: null, proven: null, error: { code: 'WORKER_FAILED', message: error.message } }];
    }
  };
  try {
    await Promise.all(
      tasks.map(async (batch, i) => {
        results[i] = await runTask(batch);
        deliver();
      }),
    );
  } catch (error) {
    // The first failure (or the cancel) ends the check: the other tasks need not run.
    internal.abort(error);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return results.flatMap((records) => records ?? []);
}

// ---------------------------------------------------------------- count or list a range

/**
 * Reads a range bound: a plain non-negative integer, or decimal/scientific notation whose value is an exact integer
 * (`1e10`, `1.5e9`), at most MAX_SIEVE_BOUND.
 */
export function parseBound(text: string, name = 'bound'): bigint {
  const parsed = parseInteger(text.trim(), 40);
  if (!parsed.ok) {
    const why = parsed.code === 'NEGATIVE' ? 'is negative' : parsed.code === 'TOO_LARGE' ? `is above ${MAX_SIEVE_BOUND}` : 'is not an integer';
    throw new PrimesInputError(`${name} ${why}: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
  }
  if (parsed.value > MAX_SIEVE_BOUND) throw new PrimesInputError(`${name} is above the largest supported bound 1e17: ${parsed.decimal}`);
  return parsed.value;
}

export interface RangeOptions {
  pool: WorkerPool;
  signal?: AbortSignal;
  /** At most about 10 a second, and once at the end. */
  onProgress?: (progress: RangeProgress) => void;
  /** List mode: the primes in ascending order, a chunk at a time (the caller may cap what it keeps). */
  onPrimes?: (primes: string[]) => void;
  /** List mode: the primes as text, one per line, in order; awaited (backpressure), e.g. for stdout. */
  write?: (text: string) => void | Promise<void>;
}

const PROGRESS_INTERVAL_MS = 100;
/** Count mode: chunk setup (placing every sieving prime) should cost at most a few percent of the chunk's sieving. */
const SETUP_FACTOR = 400;
/** Largest chunk: keeps every byte offset inside a chunk exact in 32-bit integers. */
const MAX_CHUNK = 3e10;
/** List mode: about this many primes per chunk, so a chunk's text stays a few MiB. */
const LIST_PRIMES_PER_CHUNK = 500_000;

/** Chunk length for a range: enough chunks for the workers to share dynamically, none too small to pay off. */
function chunkLength(from: bigint, to: bigint, mode: 'count' | 'list', workers: number): number {
  const total = Number(to - from + 1n);
  const top = Math.max(Number(to), 100);
  if (mode === 'list') return Math.min(MAX_CHUNK, Math.max(1e6, Math.ceil(LIST_PRIMES_PER_CHUNK * Math.log(top))));
  const root = Math.sqrt(top);
  const sievingPrimes = root / Math.log(Math.max(root, 3));
  const wanted = Math.min(MAX_CHUNK, Math.max(1e6, SETUP_FACTOR * sievingPrimes, total / (workers * 6)));
  // Few chunks: make their number a multiple of the workers and their sizes equal, so none is left alone at the end.
  let chunks = Math.ceil(total / wanted);
  if (chunks < workers * 6) chunks = Math.ceil(chunks / workers) * workers;
  return Math.max(1, Math.ceil(total / chunks));
}

/**
 * Counts (count mode) or lists (list mode) the primes in [from, to], in chunks spread over the pool's workers.
 * List mode writes the primes in order to `output` (atomically: a temporary file renamed on success; on cancel or
 * failure an existing file is left as it was), to `write`, and/or to `onPrimes`, holding only a few chunks at once.
 * On cancel, resolves with `cancelled: true` and the primes counted so far.
 */
export async function primeRange(request: RangeRequest & { output?: string | null }, options: RangeOptions): Promise<RangeResult> {
  const started = performance.now();
  const from = parseBound(request.from, 'FROM');
  const to = parseBound(request.to, 'TO');
  if (from > to) throw new PrimesInputError(`FROM (${from}) is greater than TO (${to})`);
  const { pool, signal } = options;
  const workers = Math.max(1, Math.min(pool.size, Math.floor(request.workers ?? pool.size)));
  const total = Number(to - from + 1n);
  const length = BigInt(chunkLength(from, to, request.mode, workers));
  const chunkCount = Number((to - from) / length) + 1;
  const chunkFrom = (i: number): bigint => from + BigInt(i) * length;
  const chunkTo = (i: number): bigint => (i === chunkCount - 1 ? to : chunkFrom(i) + length - 1n);

  let output: { stream: WriteStream; temporary: string; path: string } | null = null;
  if (request.mode === 'list' && request.output) {
    const path = request.output;
    const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.part`);
    const stream = createWriteStream(temporary, { flags: 'wx' });
    await once(stream, 'open');
    output = { stream, temporary, path };
  }

  // Progress state: finished chunks, plus the latest report of each chunk in flight.
  let doneSieved = 0;
  let doneCount = 0;
  let busyMs = 0;
  const inFlight = new Map<number, { sieved: number; count: number; worker: number | null }>();
  const workerSieved = new Map<number, number>();
  let lastProgress = 0;
  const snapshot = (): RangeProgress => {
    let sieved = doneSieved;
    let count = doneCount;
    for (const chunk of inFlight.values()) {
      sieved += chunk.sieved;
      count += chunk.count;
    }
    const elapsedMs = performance.now() - started;
    const busyWorkers = new Set([...inFlight.values()].map((chunk) => chunk.worker));
    const activity: WorkerActivity[] = pool.activity().map((slot) => ({
      worker: slot.worker,
      sieved: (workerSieved.get(slot.worker) ?? 0) + [...inFlight.values()].filter((c) => c.worker === slot.worker).reduce((sum, c) => sum + c.sieved, 0),
      busy: busyWorkers.has(slot.worker),
    }));
    return { sieved, total, count, elapsedMs, etaMs: sieved > 0 && sieved < total ? (elapsedMs * (total - sieved)) / sieved : sieved >= total ? 0 : null, workers: activity };
  };
  const reportProgress = (force = false): void => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    options.onProgress(snapshot());
  };

  // List mode: chunk texts wait here until every chunk before them is written.
  const texts = new Map<number, string>();
  let nextToWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  // Resolved (and replaced) each time the written prefix grows: lanes that ran too far ahead wait on it.
  let advanced = signalled();
  const flush = async (): Promise<void> => {
    while (texts.has(nextToWrite)) {
      const text = texts.get(nextToWrite) as string;
      texts.delete(nextToWrite);
      nextToWrite++;
      advanced.resolve();
      advanced = signalled();
      if (!text) continue;
      if (output && !output.stream.write(text)) await once(output.stream, 'drain');
      if (options.write) await options.write(text);
      if (options.onPrimes) options.onPrimes(text.slice(0, -1).split('\n'));
    }
  };

  const internal = new AbortController();
  setMaxListeners(0, internal.signal);
  const onAbort = (): void => internal.abort(abortError(signal));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const aborted = new Promise<void>((resolve) => internal.signal.addEventListener('abort', () => resolve(), { once: true }));
  let next = 0;
  let failure: unknown = null;
  // At most this many chunks ahead of the one being written (list mode): bounds the texts held.
  const window = workers * 2;

  const runChunk = async (i: number): Promise<void> => {
    inFlight.set(i, { sieved: 0, count: 0, worker: null });
    const result = await pool.run(
      'primes.sieve',
      { from: chunkFrom(i).toString(), to: chunkTo(i).toString(), mode: request.mode },
      {
        signal: internal.signal,
        onProgress: (progress, worker) => {
          inFlight.set(i, { sieved: progress.sieved, count: progress.count, worker });
          reportProgress();
        },
      },
    );
    const chunk = inFlight.get(i);
    inFlight.delete(i);
    const sieved = Number(chunkTo(i) - chunkFrom(i) + 1n);
    doneSieved += sieved;
    doneCount += result.count;
    busyMs += result.ms;
    if (chunk?.worker != null) workerSieved.set(chunk.worker, (workerSieved.get(chunk.worker) ?? 0) + sieved);
    if (request.mode === 'list') {
      texts.set(i, result.text ?? '');
      writing = writing.then(flush);
      await writing;
    }
    reportProgress();
  };

  const lane = async (): Promise<void> => {
    while (next < chunkCount && !internal.signal.aborted && failure === null) {
      if (request.mode === 'list' && next >= nextToWrite + window) {
        await Promise.race([advanced.promise, aborted]);
        continue;
      }
      const i = next++;
      try {
        await runChunk(i);
      } catch (error) {
        if (!internal.signal.aborted) {
          failure ??= error;
          internal.abort(error);
        }
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(workers, chunkCount) }, lane));
    await writing;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const cancelled = failure === null && internal.signal.aborted;
  if (output) {
    output.stream.end();
    await once(output.stream, 'close');
    if (failure === null && !cancelled) renameSync(output.temporary, output.path);
    else rmSync(output.temporary, { force: true });
  }
  if (failure !== null) throw failure;
  reportProgress(true);
  const ms = performance.now() - started;
  const finalProgress = snapshot();
  return {
    from: from.toString(),
    to: to.toString(),
    count: cancelled ? finalProgress.count : doneCount,
    ms: Math.round(ms),
    workers,
    speedup: ms > 0 ? busyMs / ms : 1,
    cancelled,
  };
}
