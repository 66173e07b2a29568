/** Counting or listing the primes of a range, in chunks over the worker pool's workers. */
import { createWriteStream, linkSync, rmSync, renameSync, statSync, type Stats, type WriteStream } from 'node:fs';
import { once, setMaxListeners } from 'node:events';
import { basename, dirname, join } from 'node:path';
import type { WorkerPool } from '../workers/types.js';
import { abortError } from './check.js';
import { parseInteger } from './integer.js';
import { MAX_SIEVE_BOUND, MAX_SIEVE_BOUND_TEXT } from './limits.js';
import type { RangeProgress, RangeRequest, RangeResult, WorkerActivity } from './types.js';

/** A bad range request (bounds that are not integers, out of range, or in the wrong order). */
export class PrimesInputError extends Error {
  override readonly name = 'PrimesInputError';
}

/**
 * List mode refuses to replace an existing non-empty output file unless the caller consents (`overwrite`): nothing
 * the user made is lost. `path` is the file as given.
 */
export class OutputExistsError extends Error {
  override readonly name = 'OutputExistsError';
  readonly code = 'OUTPUT_EXISTS';
  constructor(
    readonly path: string,
    message = `${path} already exists`,
  ) {
    super(message);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    // Missing, or unreachable: the write that follows reports the real problem.
    return null;
  }
}

/**
 * Checks, before any work, that list mode may write `path`: a folder is refused (PrimesInputError), and so is an
 * existing file with content unless `overwrite` (OutputExistsError). A missing or empty file is fine.
 */
export function assertOutputWritable(path: string, overwrite: boolean): void {
  const existing = statOrNull(path);
  if (existing?.isDirectory()) throw new PrimesInputError(`${path} is a folder; give a file name for the primes`);
  if (existing && existing.size > 0 && !overwrite) throw new OutputExistsError(path);
}

/** Errors of link() on filesystems without hard links (FAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Moves the finished temporary file to `path`. Without `overwrite`, a file with content that appeared there during
 * the run wins: link() cannot replace anything, and only an empty file is replaced after it refused. The caller
 * removes the temporary name.
 */
function commitOutput(temporary: string, path: string, overwrite: boolean): void {
  if (!overwrite) {
    try {
      linkSync(temporary, path);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code !== 'EEXIST' && !NO_HARD_LINKS.has(code)) throw error;
    }
    const existing = statOrNull(path);
    if (existing && (existing.isDirectory() || existing.size > 0)) {
      throw new OutputExistsError(path, `${path} was created while the primes were being listed; it was left as it was`);
    }
  }
  renameSync(temporary, path);
}

/** A promise with its resolve function (Promise.withResolvers is not in Node 20). */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

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
  if (parsed.value > MAX_SIEVE_BOUND) throw new PrimesInputError(`${name} is above the largest supported bound ${MAX_SIEVE_BOUND_TEXT}: ${parsed.decimal}`);
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
 * An `output` that exists with content is refused before any work (OutputExistsError) unless `overwrite` is true.
 * On cancel, resolves with `cancelled: true` and the primes counted so far.
 */
export async function primeRange(request: RangeRequest & { output?: string | null; overwrite?: boolean }, options: RangeOptions): Promise<RangeResult> {
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
  const overwrite = request.overwrite === true;
  if (request.mode === 'list' && request.output) {
    const path = request.output;
    assertOutputWritable(path, overwrite);
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
    try {
      if (failure === null && !cancelled) commitOutput(output.temporary, output.path, overwrite);
    } finally {
      rmSync(output.temporary, { force: true });
    }
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
