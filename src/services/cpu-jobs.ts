/**
 * Primes and thumbnails jobs: both run on one worker pool, started on first use and shared, and both announce
 * their progress in batches (at most 10 updates a second per job) with a final update carrying the outcome.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  commandError,
  LAST_CHECK_RECORDS,
  LAST_THUMBS_RECORDS,
  type CheckCounts,
  type CommandArgs,
  type CommandResult,
  type Events,
  type JobState,
  type LastCheck,
  type LastRange,
  type LastThumbs,
} from '../contract.js';
import { assertOutputWritable, assertRoomForList, checkPrimes, NoSpaceError, OutputExistsError, parseBound, parseNumberList, primeRange, PRIMES_TO_UI } from '../primes/index.js';
import { isNeitherPrimeNorComposite, type PrimeCheckRecord, type RangeProgress, type RangeResult } from '../primes/types.js';
import { runThumbnails } from '../thumbs/index.js';
import { assertThumbsOptions, defaultThumbsOptions, outputRootFor } from '../thumbs/options.js';
import { scanInputs } from '../thumbs/scan.js';
import type { ThumbRecord, ThumbsOptions, ThumbsProgress } from '../thumbs/types.js';
import { acquireLock, acquireLocks, type Lock } from '../fs/lock.js';
import { checkOutputFile, checkOutputFolder } from '../fs/paths.js';
import { nodeSpawner } from '../workers/node-spawner.js';
import { createWorkerPool } from '../workers/pool.js';
import type { WorkerPool, WorkerSpawner } from '../workers/types.js';
import type { EventHub } from './events.js';
import type { PreviewRegistry } from './previews.js';
import { UpdateThrottle } from './throttle.js';
import { errorMessage, RefusalError } from '../errors.js';

/** Previews prefer the smallest thumbnail at least this big (a 32 px one looks like a smudge in the grid). */
const PREVIEW_MIN_SIZE = 64;

export interface CpuJobsOptions {
  hub: EventHub;
  previews: PreviewRegistry;
  spawnWorker?: WorkerSpawner | undefined;
  workers?: number | undefined;
  previewUrl?: ((token: string) => string) | undefined;
}

function newJobId(kind: string): string {
  return `${kind}-${randomBytes(6).toString('hex')}`;
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

export class CpuJobs {
  private pool: WorkerPool | null = null;
  private readonly jobs = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private closing = false;
  /** The latest job of each kind, as last announced: what a reloaded or reconnected page is given. */
  private lastCheck: (() => LastCheck) | null = null;
  private lastRange: (() => LastRange) | null = null;
  private lastThumbs: (() => LastThumbs) | null = null;

  constructor(private readonly options: CpuJobsOptions) {}

  /** The shared pool, started on first use (a run of titles alone never starts worker processes). */
  private getPool(): WorkerPool {
    this.pool ??= createWorkerPool({ ...(this.options.workers ? { size: this.options.workers } : {}), spawn: this.options.spawnWorker ?? nodeSpawner });
    return this.pool;
  }

  private track(jobId: string, run: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const done = run(controller.signal).finally(() => this.jobs.delete(jobId));
    this.jobs.set(jobId, { controller, done });
  }

  private assertOpen(): void {
    if (this.closing) throw new RefusalError('SHUTTING_DOWN', 'Titlewave is shutting down');
  }

  last(): { check: LastCheck | null; range: LastRange | null; thumbs: LastThumbs | null } {
    return { check: this.lastCheck?.() ?? null, range: this.lastRange?.() ?? null, thumbs: this.lastThumbs?.() ?? null };
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) return; // finished already
    job.controller.abort();
    await job.done;
  }

  // ---- primes ----

  async primesCheck(text: string): Promise<CommandResult<'primes.check'>> {
    this.assertOpen();
    const tokens = parseNumberList(text);
    if (tokens.length === 0) throw new RefusalError('EMPTY_INPUT', 'There are no numbers in the list');
    const jobId = newJobId('check');
    const { hub } = this.options;
    const started = performance.now();
    let pending: PrimeCheckRecord[] = [];
    let done = 0;
    let state: JobState = 'running';
    // What the page was told so far, for a page that reloads: the first records (bounded) and the counts of all.
    let last: Events['primes.checkUpdate'] = { jobId, seq: 0, state, records: [], done: 0, total: tokens.length, elapsedMs: 0 };
    const kept: PrimeCheckRecord[] = [];
    const counts: CheckCounts = { prime: 0, composite: 0, neither: 0, errors: 0 };
    this.lastCheck = () => ({ ...last, records: kept.slice(), counts: { ...counts }, truncated: last.done > kept.length });
    const throttle = new UpdateThrottle(() => {
      const records = pending;
      pending = [];
      for (const record of records) {
        if (record.error) counts.errors++;
        else if (record.prime) counts.prime++;
        else if (isNeitherPrimeNorComposite(record)) counts.neither++;
        else counts.composite++;
        if (kept.length < LAST_CHECK_RECORDS) kept.push(record);
      }
      last = { jobId, seq: last.seq + 1, state, records, done, total: tokens.length, elapsedMs: Math.round(performance.now() - started) };
      hub.emit('primes.checkUpdate', last);
    });
    this.track(jobId, async (signal) => {
      try {
        await checkPrimes(tokens, {
          pool: this.getPool(),
          signal,
          onRecords: (records: PrimeCheckRecord[]) => {
            for (const record of records) pending.push(record);
            done += records.length;
            throttle.schedule();
          },
        });
        state = signal.aborted ? 'cancelled' : 'done';
      } catch (error) {
        state = isAbort(error, signal) ? 'cancelled' : 'failed';
      }
      await throttle.finish();
    });
    return { jobId };
  }

  async primesRange(request: CommandArgs<'primes.range'>[0]): Promise<CommandResult<'primes.range'>> {
    this.assertOpen();
    // Bad bounds are the command's error, before any job starts.
    const from = parseBound(request.from, 'From');
    const to = parseBound(request.to, 'To');
    if (from > to) throw new RefusalError('BAD_RANGE', `From (${from}) is greater than To (${to})`);
    // A file the user has is replaced only with their consent, and a list starts only when its disk can hold it:
    // both refused here, before any work.
    const overwrite = request.overwrite === true;
    // The same checks as the CLI's (src/fs/paths.ts), and one writer per file across processes (the CLI included).
    if (request.mode === 'list' && request.output) {
      await checkOutputFile(request.output, 'the output');
      try {
        assertOutputWritable(request.output, overwrite);
        assertRoomForList(request.output, from, to);
      } catch (error) {
        if (error instanceof OutputExistsError) throw commandError('OUTPUT_EXISTS', `${error.path} already exists; run again with overwrite to replace it`);
        if (error instanceof NoSpaceError) throw commandError('NO_SPACE', error.message);
        throw error;
      }
    }
    const jobId = newJobId('range');
    const { hub } = this.options;
    const pool = this.getPool();
    const started = performance.now();
    let progress: RangeProgress = { sieved: 0, total: Number(to - from + 1n), count: 0, elapsedMs: 0, etaMs: null, workers: [] };
    let primes: string[] = [];
    let primesSent = 0;
    let state: JobState = 'running';
    let result: RangeResult | undefined;
    let failure: string | undefined;
    // What the page was told so far, for a page that reloads (primes: at most PRIMES_TO_UI, as sent).
    const asked: LastRange['request'] = { from: request.from, to: request.to, mode: request.mode, output: request.output, workers: request.workers ?? null };
    let last: Events['primes.rangeUpdate'] = { jobId, seq: 0, state, progress, primes: [] };
    const listed: string[] = [];
    const throttle = new UpdateThrottle(() => {
      const batch = primes;
      primes = [];
      primesSent += batch.length;
      for (const prime of batch) listed.push(prime);
      last = {
        jobId,
        seq: last.seq + 1,
        state,
        progress: { ...progress, elapsedMs: Math.round(performance.now() - started) },
        primes: batch,
        ...(result ? { result } : {}),
        ...(failure ? { error: failure } : {}),
      };
      hub.emit('primes.rangeUpdate', last);
    });
    const lock = request.mode === 'list' && request.output ? await acquireLock(request.output, 'Titlewave, listing primes') : null;
    // The latest range job from here on (a refused start is none).
    this.lastRange = () => ({ request: asked, update: { ...last, primes: listed.slice() } });
    this.track(jobId, async (signal) => {
      try {
        result = await primeRange(
          { from: request.from, to: request.to, mode: request.mode, output: request.output, overwrite, ...(request.workers ? { workers: request.workers } : {}) },
          {
            pool,
            signal,
            onProgress: (next: RangeProgress) => {
              progress = next;
              throttle.schedule();
            },
            onPrimes: (found: readonly string[]) => {
              // Bounded: the page gets the first PRIMES_TO_UI primes; the file (when given) gets every one.
              const room = PRIMES_TO_UI - primesSent - primes.length;
              for (let i = 0; i < found.length && i < room; i++) primes.push(found[i] as string);
              throttle.schedule();
            },
          },
        );
        state = result.cancelled || signal.aborted ? 'cancelled' : 'done';
        progress = state === 'done' ? { ...progress, count: result.count, sieved: progress.total, etaMs: 0 } : { ...progress, count: result.count };
      } catch (error) {
        state = isAbort(error, signal) ? 'cancelled' : 'failed';
        if (state === 'failed') failure = errorMessage(error);
      } finally {
        await lock?.release();
      }
      await throttle.finish();
    });
    return { jobId };
  }

  // ---- thumbnails ----

  thumbsScan(paths: string[], outDir: string | null): Promise<CommandResult<'thumbs.scan'>> {
    this.assertOpen();
    return scanInputs(paths, { outDir });
  }

  async thumbsStart(paths: string[], settings: CommandArgs<'thumbs.start'>[0]['settings']): Promise<CommandResult<'thumbs.start'>> {
    this.assertOpen();
    const jobId = newJobId('thumbs');
    const { hub, previews, previewUrl } = this.options;
    const options: ThumbsOptions = { ...defaultThumbsOptions, ...settings, ...(this.options.workers ? { workers: this.options.workers } : {}) };
    // Bad settings are the command's error, before any job starts; so is an output folder that is a file.
    assertThumbsOptions(options);
    if (options.outDir !== null) await checkOutputFolder(options.outDir, 'the output folder');
    const pool = this.getPool();
    const started = performance.now();
    let pending: ThumbRecord[] = [];
    let progress: ThumbsProgress = { total: 0, done: 0, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 0, etaMs: null };
    let state: JobState = 'running';
    let outDir: string | null = settings.outDir;
    let failure: string | undefined;
    // What the page was told so far, for a page that reloads: the first made and failed records (bounded).
    let last: Events['thumbs.update'] = { jobId, seq: 0, state, records: [], progress, outDir };
    const kept: ThumbRecord[] = [];
    const keptOf = { made: 0, failed: 0 };
    let truncated = false;
    const asked: LastThumbs['request'] = { paths: [...paths], settings: { ...settings } };
    this.lastThumbs = () => ({ request: asked, update: { ...last, records: kept.slice() }, truncated });
    const throttle = new UpdateThrottle(() => {
      const records = pending;
      pending = [];
      for (const record of records) {
        const kind = record.error ? 'failed' : 'made';
        if (keptOf[kind] >= LAST_THUMBS_RECORDS) {
          truncated = true;
          continue;
        }
        keptOf[kind]++;
        kept.push(record);
      }
      last = { jobId, seq: last.seq + 1, state, records, progress: { ...progress, elapsedMs: Math.round(performance.now() - started) }, outDir, ...(failure ? { error: failure } : {}) };
      hub.emit('thumbs.update', last);
    });

    const withPreview = (record: ThumbRecord): ThumbRecord => {
      // Every output of a record is a thumbnail Titlewave wrote: made now, or (skipped) made earlier from this same
      // image, as its folder's list says (the engine skips nothing else). Any other file never gets here.
      const outputs = [...record.outputs].sort((a, b) => a.size - b.size);
      const chosen = outputs.find((output) => output.size >= PREVIEW_MIN_SIZE) ?? outputs.at(-1);
      if (!chosen || !previewUrl) return record;
      const token = previews.issue(chosen.path);
      return token ? { ...record, previewUrl: previewUrl(token) } : record;
    };

    this.track(jobId, async (signal) => {
      let locks: Lock[] = [];
      try {
        // As the scan the tab showed: the output folder is not walked, Titlewave's own thumbnails are not sources.
        const scan = await scanInputs(paths, { signal, outDir: options.outDir });
        progress = { ...progress, total: scan.images.length };
        // "Open output folder": the chosen folder, or the default one beside the (first) input.
        if (scan.images[0] !== undefined) outDir = outputRootFor(scan.images[0], scan.roots[0] ?? null, options);
        // One writer per output folder across processes (another job, the CLI): a second one fails at once.
        const folders = [...new Set(scan.images.map((image, i) => outputRootFor(image, scan.roots[i] ?? null, options)))].sort();
        for (const folder of folders) await mkdir(dirname(folder), { recursive: true });
        locks = await acquireLocks(folders, 'Titlewave, making thumbnails');
        throttle.schedule();
        await runThumbnails(
          { images: scan.images, roots: scan.roots, options },
          {
            pool,
            signal,
            onRecord: (record: ThumbRecord) => {
              pending.push(withPreview(record));
              throttle.schedule();
            },
            onProgress: (next: ThumbsProgress) => {
              progress = next;
              throttle.schedule();
            },
          },
        );
        state = signal.aborted ? 'cancelled' : 'done';
      } catch (error) {
        state = isAbort(error, signal) ? 'cancelled' : 'failed';
        if (state === 'failed') failure = errorMessage(error);
      } finally {
        await Promise.all(locks.map((lock) => lock.release()));
      }
      await throttle.finish();
    });
    return { jobId };
  }

  async close(): Promise<void> {
    this.closing = true;
    const jobs = [...this.jobs.values()];
    for (const job of jobs) job.controller.abort();
    await Promise.all(jobs.map((job) => job.done));
    await this.pool?.close();
    this.pool = null;
    this.options.previews.clear();
  }
}
