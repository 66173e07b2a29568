/** Counting or listing the primes of a range, in chunks over the worker pool's workers. */
import { closeSync, createWriteStream, linkSync, openSync, readdirSync, readSync, rmSync, renameSync, statfsSync, statSync, type Stats, type WriteStream } from 'node:fs';
import { once, setMaxListeners } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import { processAlive } from '../fs/lock.js';
import type { WorkerPool } from '../workers/types.js';
import { abortError } from './check.js';
import { describeNoSpace, estimateListBytes } from './estimate.js';
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

/**
 * List mode refuses, before any work, an output whose disk cannot hold the list: `needed` is the estimated size
 * (estimateListBytes, a little above the real one), `free` what the disk has for this user. Both in bytes.
 */
export class NoSpaceError extends Error {
  override readonly name = 'NoSpaceError';
  readonly code = 'NO_SPACE';
  constructor(
    readonly path: string,
    readonly folder: string,
    readonly needed: number,
    readonly free: number,
  ) {
    super(describeNoSpace(needed, free, folder));
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

/**
 * Checks, before any work, that the disk of `path` can hold the list of the primes in [from, to]
 * (NoSpaceError when it cannot). A disk whose free space cannot be read is not refused: the writes say what is wrong.
 */
export function assertRoomForList(path: string, from: bigint, to: bigint): void {
  const folder = dirname(resolve(path));
  let free: number;
  try {
    const disk = statfsSync(folder);
    free = disk.bavail * disk.bsize;
  } catch {
    return;
  }
  const needed = estimateListBytes(from, to);
  if (needed > free) throw new NoSpaceError(path, folder, needed, free);
}

/** The temporary file a list is written to, beside its output: `.NAME.PID.TIME.part`. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.(\d+)\.part$/;

/** A temporary of ours holds nothing but decimal digits and newlines (a prime list's beginning), or nothing yet. */
function holdsPrimeList(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4096);
    const length = readSync(fd, head, 0, head.length, 0);
    for (let i = 0; i < length; i++) {
      const byte = head[i] as number;
      if (byte !== 10 && (byte < 48 || byte > 57)) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Removes the temporary files that list runs killed before they could (kill -9, a crash, a power cut) left in
 * `folder`: those named as ours whose process is no longer alive on this machine and whose content is a prime list.
 * A temporary of a live run, or a `.part` file of another program, is left alone. Returns the names removed.
 */
export function removeStaleTemporaries(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMPORARY_NAME.exec(name)?.[2]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    const path = join(folder, name);
    if (!statOrNull(path)?.isFile() || !holdsPrimeList(path)) continue;
    try {
      rmSync(path);
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove (permissions): left as it is.
    }
  }
  return removed;
}

/** A write to the list's file failed (disk full, file too large, I/O error): says which file, keeps the code. */
function writeFailure(path: string, error: unknown): Error {
  const cause = error as NodeJS.ErrnoException;
  return Object.assign(new Error(`could not write the primes to ${path}: ${cause.message ?? String(error)}`), cause.code ? { code: cause.code } : {});
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

/** The temporary file a list is written to, renamed to its output when the run completes. */
interface ListFile {
  path: string;
  temporary: string;
  /** Appends text, waiting while the disk catches up; rejects once a write has failed. */
  write(text: string): Promise<void>;
  /** Flushes and closes the file; rejects when the last writes failed. */
  close(): Promise<void>;
  /** Closes the file if need be and removes the temporary name (a no-op once it was renamed). Never rejects. */
  discard(): Promise<void>;
}

/**
 * Creates the temporary file for `path` (`.NAME.PID.TIME.part` beside it; the pid lets a later run tell a dead run's
 * file from a live one's). A write that fails (ENOSPC, EFBIG, EIO) is reported to `onError` at once, whether or
 * not a write is waiting, so the run stops instead of sieving on for nothing.
 */
async function openListFile(path: string, onError: (error: Error) => void): Promise<ListFile> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.part`);
  const stream: WriteStream = createWriteStream(temporary, { flags: 'wx' });
  let failed: Error | null = null;
  const closed = new Promise<void>((done) => stream.once('close', () => done()));
  stream.on('error', (error) => {
    failed ??= writeFailure(path, error);
    onError(failed);
  });
  try {
    await once(stream, 'open');
  } catch (error) {
    // Not created (a missing folder, no permission): nothing to remove, but the stream is done with.
    stream.destroy();
    throw error;
  }
  const settle = async (): Promise<void> => {
    if (!stream.destroyed && !stream.writableEnded) stream.end();
    if (!stream.closed) await closed;
  };
  return {
    path,
    temporary,
    write: async (text) => {
      if (failed) throw failed;
      if (stream.write(text)) return;
      // Drained, or closed by a failed write: whichever comes first.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('drain', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
      });
      if (failed) throw failed;
    },
    close: async () => {
      await settle();
      if (failed) throw failed;
    },
    discard: async () => {
      await settle();
      rmSync(temporary, { force: true });
    },
  };
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
 * An `output` that exists with content is refused before any work (OutputExistsError) unless `overwrite` is true,
 * and so is one whose disk cannot hold the estimated list (NoSpaceError). Temporaries that killed runs left beside
 * `output` are removed first; this run's own is removed on every failure. On cancel, resolves with `cancelled: true` and the primes counted so far.
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

  const internal = new AbortController();
  setMaxListeners(0, internal.signal);
  let failure: unknown = null;
  /** Stops the run for good: the first failure is the one reported. */
  const fail = (error: unknown): void => {
    failure ??= error;
    if (!internal.signal.aborted) internal.abort(error);
  };

  let output: ListFile | null = null;
  const overwrite = request.overwrite === true;
  if (request.mode === 'list' && request.output) {
    const path = request.output;
    assertOutputWritable(path, overwrite);
    assertRoomForList(path, from, to);
    // What killed runs left beside it would keep the disk full: gone before this run adds its own.
    removeStaleTemporaries(dirname(resolve(path)));
    output = await openListFile(path, (error) => fail(error));
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
      if (output) await output.write(text);
      if (options.write) await options.write(text);
      if (options.onPrimes) options.onPrimes(text.slice(0, -1).split('\n'));
    }
  };

  const onAbort = (): void => internal.abort(abortError(signal));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const aborted = new Promise<void>((resolve) => internal.signal.addEventListener('abort', () => resolve(), { once: true }));
  let next = 0;
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
        if (!internal.signal.aborted) fail(error);
      }
    }
  };

  let cancelled = false;
  try {
    await Promise.all(Array.from({ length: Math.min(workers, chunkCount) }, lane));
    // A failed write is already the run's failure (the lanes saw it too).
    await writing.catch(() => {});
    cancelled = failure === null && internal.signal.aborted;
    if (output) {
      // The last bytes reach the disk here: a disk that fills now fails the run like any other write.
      await output.close().catch((error: unknown) => {
        if (!cancelled) fail(error);
      });
      if (failure === null && !cancelled) commitOutput(output.temporary, output.path, overwrite);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Whatever happened (a failed write, a worker failure, cancel, a bug), the temporary file does not outlive the run.
    if (output) await output.discard();
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
