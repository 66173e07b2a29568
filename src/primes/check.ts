/**
 * Checking a list of numbers: in this process for a short list (starting worker processes would cost more than the
 * whole check), on the worker pool for a big one. Kept apart from the range code so a short check loads only what
 * it uses.
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { WorkerPool } from '../workers/types.js';
import { MAX_CHECK_DIGITS } from './integer.js';
import { checkToken, FACTOR_SEARCH_MS } from './primality.js';
import { isNeitherPrimeNorComposite, type PrimeCheckRecord } from './types.js';

export function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The job was cancelled', 'AbortError');
}

/** Tokens of a list (the rule is number-list.ts's); `index` is the 0-based position. */
export { countNumbers, isHardSeparator, parseNumberList } from './number-list.js';

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
/**
 * The factor search a number may take in this process when a pool is at hand (the services': their event loop must
 * stay quick). A composite whose smallest factor is not found in this time is handed to a worker, which searches for
 * the full FACTOR_SEARCH_MS; its record waits in line, so records still come in input order.
 */
export const IN_PROCESS_FACTOR_MS = 5;

export interface CheckOptions {
  /** A running pool; without one, a big list starts (and closes) its own. */
  pool?: WorkerPool;
  signal?: AbortSignal;
  /** Records in input order, in batches, as soon as they are known. */
  onRecords?: (records: PrimeCheckRecord[]) => void;
  /** With a pool: the factor search allowed in this process before a worker takes over (default IN_PROCESS_FACTOR_MS). */
  inProcessFactorMs?: number;
}

/** A composite whose smallest factor was not found (0 and 1 are no composites: they have no factor to find). */
function factorGaveUp(record: PrimeCheckRecord): boolean {
  return record.error === null && record.prime === false && record.factor === null && !isNeitherPrimeNorComposite(record);
}

/**
 * One record per token, in input order. Tokens that are not non-negative integers get an error record and the rest
 * go on. On cancel, rejects with the signal's reason (records delivered so far stand).
 */
export async function checkPrimes(tokens: { index: number; token: string }[], options: CheckOptions = {}): Promise<PrimeCheckRecord[]> {
  const { signal, onRecords } = options;
  if (signal?.aborted) throw abortError(signal);
  const cost = estimateCheckCost(tokens);
  if (cost <= IN_PROCESS_MS) {
    // Without a pool (the CLI's short lists) the search runs its full time here: that process has nothing else to do.
    const { pool } = options;
    if (!pool) return checkInProcess(tokens, signal, onRecords, FACTOR_SEARCH_MS, null);
    const deepen = (token: { index: number; token: string }, quick: PrimeCheckRecord) => searchFactorOnPool(token, quick, pool, signal);
    return checkInProcess(tokens, signal, onRecords, options.inProcessFactorMs ?? IN_PROCESS_FACTOR_MS, deepen);
  }
  if (options.pool) return checkOnPool(tokens, options.pool, signal, onRecords);
  const { createWorkerPool } = await import('../workers/pool.js');
  const pool = createWorkerPool();
  try {
    return await checkOnPool(tokens, pool, signal, onRecords);
  } finally {
    await pool.close();
  }
}

/** A worker's full factor search for a number whose quick search here gave up; the quick record when it fails. */
async function searchFactorOnPool(
  token: { index: number; token: string },
  quick: PrimeCheckRecord,
  pool: WorkerPool,
  signal: AbortSignal | undefined,
): Promise<PrimeCheckRecord> {
  try {
    const [record] = await pool.run('primes.check', { tokens: [token] }, signal ? { signal } : {});
    return record ?? quick;
  } catch {
    if (signal?.aborted) throw abortError(signal);
    // The verdict stands without the factor (the worker died on it, say).
    return quick;
  }
}

async function checkInProcess(
  tokens: { index: number; token: string }[],
  signal: AbortSignal | undefined,
  onRecords: ((records: PrimeCheckRecord[]) => void) | undefined,
  factorMs: number,
  deepen: ((token: { index: number; token: string }, quick: PrimeCheckRecord) => Promise<PrimeCheckRecord>) | null,
): Promise<PrimeCheckRecord[]> {
  // Holes are records a worker is still looking for a factor of; records go out in input order up to the first hole.
  const records: (PrimeCheckRecord | undefined)[] = [];
  const searches: Promise<void>[] = [];
  let delivered = 0;
  const deliver = (): void => {
    let end = delivered;
    while (end < records.length && records[end] !== undefined) end++;
    if (end === delivered) return;
    onRecords?.(records.slice(delivered, end) as PrimeCheckRecord[]);
    delivered = end;
  };
  // A list often repeats numbers (the tutorial's lists each five times): decide each distinct token once.
  const seen = new Map<string, PrimeCheckRecord>();
  let sliceEnd = performance.now() + SLICE_MS;
  for (const { index, token } of tokens) {
    const known = seen.get(token);
    const record = known ? { ...known, index } : checkToken(token, index, factorMs);
    const at = records.length;
    if (deepen && !known && factorGaveUp(record)) {
      records.push(undefined);
      const search = deepen({ index, token }, record).then((found) => {
        records[at] = found;
        deliver();
      });
      // Awaited below; a cancel meanwhile must not count as unhandled.
      search.catch(() => undefined);
      searches.push(search);
    } else {
      if (!known && token.length <= 64 && seen.size < MEMO_LIMIT) seen.set(token, record);
      records.push(record);
    }
    if (performance.now() >= sliceEnd) {
      deliver();
      await yieldToEventLoop();
      if (signal?.aborted) throw abortError(signal);
      sliceEnd = performance.now() + SLICE_MS;
    }
  }
  deliver();
  await Promise.all(searches);
  deliver();
  return records as PrimeCheckRecord[];
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
      if (!(error instanceof Error && error.name === 'WorkerFailedError')) throw error;
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

