/**
 * Titles runs with history: each run is journaled as it goes (journal.ts), announced in batched `titles.update`
 * events (at most 10 a second per run, records first written to the journal, then shown), and can be paused,
 * resumed, cancelled, retried (failed rows again, in the same run) and resumed after a crash (only rows without a
 * record are fetched, through the engine's `skip`).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CommandResult, Events, JobState, RunSummary, TitlesSettings } from '../contract.js';
import { acquireLock, LockedError, lockHolder, type Lock, type LockOwner } from '../fs/lock.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { startTitlesJob, type TitlesJob } from '../titles/engine.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from '../titles/types.js';
import { distinctEntries, linesOf } from './entries.js';
import type { EventHub } from './events.js';
import { RunStore, summaryOf, type RecordJournal, type RunMeta } from './journal.js';
import { UpdateThrottle } from './throttle.js';
import { RefusalError } from '../errors.js';

/**
 * A run left running or paused without a lock (by a Titlewave from before run locks) counts as still going while its
 * owner's pid lives and its heartbeat is younger than this. Runs are owned through their lock otherwise.
 */
const STALE_AFTER_MS = 30_000;
/** Live runs rewrite their meta this often while they change (counts), and at least every HEARTBEAT_MS. */
const META_EVERY_MS = 1000;
const HEARTBEAT_MS = 5000;

/** Per-index status of a run's rows, one byte each: no record yet, a record without error, a record with one. */
const NONE = 0;
const OK = 1;
const FAILED = 2;
/** Rows a retry leaves alone: lines that are not http(s) URLs fail the same way every time. */
const NOT_RETRIED = new Set(['INVALID_URL']);

interface Live {
  meta: RunMeta;
  journal: RecordJournal;
  /** This process's lock on the run folder, held from the job's start until it ended and was saved. */
  lock: Lock;
  status: Uint8Array;
  done: number;
  failed: number;
  /** The engine job in progress, or null between jobs (finished, cancelled). */
  job: TitlesJob | null;
  controller: AbortController | null;
  /** Records received and not yet journaled and announced. */
  pending: TitleRecord[];
  throttle: UpdateThrottle | null;
  lastProgress: TitlesProgress;
  /** Settles when the current job's last update is out and its meta written. */
  finished: Promise<void>;
  lastMetaWrite: number;
  metaDirty: boolean;
  /** Meta writes of this run, one after another, each writing the latest meta: the last write is always the newest. */
  metaChain: Promise<void>;
}

export interface TitlesRunsOptions {
  dataDir: string;
  hub: EventHub;
  /** Identifies this process's services in the journals it owns. */
  session?: string;
  /** Who runs these services, as another process's refusal names it ("titlewave serve", "the Titlewave app"). */
  host?: string;
}

/** A run another live process owns: refused, saying who that is and where to act instead. */
export function ownedElsewhereError(owner: LockOwner | null, action: string): RefusalError {
  const who = owner ? ` (${owner.purpose ? `${owner.purpose}, ` : ''}process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`})` : '';
  return new RefusalError('RUN_ELSEWHERE', `This run is going on in another Titlewave window or process${who}; ${action} it there.`);
}

export function settingsToOptions(settings: TitlesSettings): Partial<TitlesOptions> {
  return {
    concurrency: settings.concurrency,
    perHost: settings.perHost,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    userAgent: settings.userAgent.trim() || defaultTitlesOptions.userAgent,
  };
}

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function defaultName(entries: readonly string[]): string {
  const first = entries[0] ?? 'empty';
  const name = entries.length > 1 ? `${first} + ${entries.length - 1}` : first;
  return name.length > 200 ? `${name.slice(0, 199)}…` : name;
}

export function emptyProgress(total: number): TitlesProgress {
  return { total, inputDone: true, done: 0, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs: 0, duplicates: 0, paused: false };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TitlesRuns {
  private readonly store: RunStore;
  private readonly hub: EventHub;
  readonly session: string;
  private readonly host: string;
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<void>>();
  /** Runs last shown as going in another process, and when their counts were last announced. */
  private readonly elsewhere = new Map<string, number>();
  private watching = false;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  private historyTimer: NodeJS.Timeout | null = null;

  constructor(options: TitlesRunsOptions) {
    this.store = new RunStore(options.dataDir);
    this.hub = options.hub;
    this.session = options.session ?? randomBytes(8).toString('hex');
    this.host = options.host ?? 'the Titlewave app';
    this.heartbeat = setInterval(() => {
      void this.writeLiveMetas();
      void this.watchElsewhere();
    }, META_EVERY_MS);
    this.heartbeat.unref();
  }

  // ---- commands ----

  async start(text: string, settings: TitlesSettings, name?: string): Promise<CommandResult<'titles.start'>> {
    this.assertOpen();
    const entries = await distinctEntries(text);
    if (entries.length === 0) throw new RefusalError('EMPTY_INPUT', 'There are no URLs in the input');
    const now = new Date();
    const meta: RunMeta = {
      version: 1,
      id: newRunId(now),
      name: name?.trim() || defaultName(entries),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      settings,
      total: entries.length,
      done: 0,
      failed: 0,
      state: 'running',
      owner: { pid: process.pid, session: this.session },
      summary: null,
    };
    await this.store.ensureRunsDir();
    // A new id nobody else knows yet; locked all the same, so no other process ever sees it unowned while it runs.
    const lock = await acquireLock(this.store.runDir(meta.id), this.host);
    let live: Live;
    try {
      await this.store.create(meta, text);
      live = this.adopt(meta, await this.store.openRecords(meta.id), new Uint8Array(meta.total), lock);
    } catch (error) {
      await lock.release().catch(() => undefined);
      throw error;
    }
    try {
      this.runJob(live, text, undefined);
    } catch (error) {
      live.meta = { ...live.meta, state: 'cancelled', owner: null };
      await this.persistMeta(live, true).catch(() => undefined);
      await this.disown(live);
      throw error;
    }
    this.historyChanged();
    return { runId: meta.id };
  }

  // Pause, resume and cancel first let a resume or retry of the run being set up here finish (its job is then ours).
  async pause(id: string): Promise<void> {
    await this.settled(id);
    return this.setPaused(id, true);
  }

  async resume(id: string): Promise<void> {
    await this.settled(id);
    return this.setPaused(id, false);
  }

  async cancel(id: string): Promise<void> {
    await this.settled(id);
    const live = this.live.get(id);
    if (live) {
      live.controller?.abort();
      await live.finished;
      return;
    }
    // Not going in this process: stopped already (nothing to do), or going in another one, which only it can stop.
    await this.assertNotElsewhere(id, 'cancel');
    if (!(await this.store.readMeta(id))) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
  }

  retryFailed(id: string): Promise<CommandResult<'titles.retryFailed'>> {
    return this.withRunLock(id, () => this.retryFailedNow(id));
  }

  private async retryFailedNow(id: string): Promise<CommandResult<'titles.retryFailed'>> {
    this.assertOpen();
    const live = await this.claim(id);
    const retry = new Set<number>();
    const records = await this.store.readRecords(id, live.meta.total);
    for (const record of records) if (record?.error && !NOT_RETRIED.has(record.error.code)) retry.add(record.index);
    if (retry.size === 0) return { runId: id, count: 0 };
    await this.startAgain(live, (index) => !retry.has(index));
    return { runId: id, count: retry.size };
  }

  resumeRun(id: string): Promise<CommandResult<'history.resume'>> {
    return this.withRunLock(id, () => this.resumeRunNow(id));
  }

  private async resumeRunNow(id: string): Promise<CommandResult<'history.resume'>> {
    this.assertOpen();
    const current = this.live.get(id);
    if (current?.job) {
      // Still going in this session: resuming means un-pausing.
      if (current.meta.state === 'paused') await this.setPaused(id, false);
      return { runId: id };
    }
    const live = await this.claim(id);
    await this.startAgain(live, (index) => live.status[index] !== NONE);
    return { runId: id };
  }

  async list(): Promise<RunSummary[]> {
    const metas = await this.store.list();
    return Promise.all(
      metas.map(async (meta) => {
        const live = this.live.get(meta.id);
        if (live) return this.summaryOfLive(live);
        return summaryOf(meta, await this.stateOf(meta));
      }),
    );
  }

  async load(id: string): Promise<CommandResult<'history.load'>> {
    const live = this.live.get(id);
    const meta = live?.meta ?? (await this.store.readMeta(id));
    if (!meta) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
    const [records, text] = await Promise.all([this.store.readRecords(id, meta.total), this.store.readInput(id)]);
    const dense: TitleRecord[] = [];
    let failed = 0;
    for (const record of records) {
      if (!record) continue;
      dense.push(record);
      if (record.error) failed++;
    }
    const run = live ? this.summaryOfLive(live) : summaryOf(meta, await this.stateOf(meta));
    // A run not going here may have a meta that lags its journal by a second: the records are the truth.
    if (!live) Object.assign(run, { done: dense.length, failed });
    return { run, records: dense, urls: await distinctEntries(text) };
  }

  delete(id: string): Promise<void> {
    return this.withRunLock(id, () => this.deleteNow(id));
  }

  private async deleteNow(id: string): Promise<void> {
    const live = this.live.get(id);
    if (live) {
      live.controller?.abort();
      await live.finished;
    }
    // Held while the folder goes, so no other process starts the run meanwhile.
    const lock = await this.lockRun(id, 'stop');
    try {
      const meta = await this.store.readMeta(id);
      if (meta && this.isGoingUnlocked(meta)) throw ownedElsewhereError(null, 'stop');
      await this.store.delete(id);
    } finally {
      await lock.release();
    }
    this.historyChanged();
  }

  /** Stop every job (their runs stay resumable, as 'interrupted'), flush and close the journals. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    if (this.historyTimer) clearTimeout(this.historyTimer);
    const lives = [...this.live.values()];
    for (const live of lives) live.controller?.abort();
    // Each job's end saves the run as interrupted, closes its journal and releases its lock.
    await Promise.all(lives.map((live) => live.finished));
    this.live.clear();
  }

  // ---- internals ----

  /** Commands that restart or remove a run run one at a time per run (two quick "Retry failed" start one job). */
  private withRunLock<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return result;
  }

  /** Wait for the commands of `withRunLock` on this run that are under way (a resume setting up its job). */
  private async settled(id: string): Promise<void> {
    for (let tail = this.locks.get(id); tail; tail = this.locks.get(id)) {
      await tail;
      if (this.locks.get(id) === tail) break;
    }
  }

    private assertOpen(): void {
    if (this.closing) throw new RefusalError('SHUTTING_DOWN', 'Titlewave is shutting down');
  }

  private adopt(meta: RunMeta, journal: RecordJournal, status: Uint8Array, lock: Lock): Live {
    let done = 0;
    let failed = 0;
    for (const value of status) {
      if (value !== NONE) done++;
      if (value === FAILED) failed++;
    }
    const live: Live = {
      meta,
      journal,
      lock,
      status,
      done,
      failed,
      job: null,
      controller: null,
      pending: [],
      throttle: null,
      lastProgress: emptyProgress(meta.total),
      finished: Promise.resolve(),
      lastMetaWrite: Date.now(),
      metaDirty: false,
      metaChain: Promise.resolve(),
    };
    this.live.set(meta.id, live);
    return live;
  }

  /**
   * The run, locked for this process and read fresh from disk, ready to restart; refused when another live process
   * owns it. A run that just ended here is waited for (its last records journaled, its lock released) first.
   */
  private async claim(id: string): Promise<Live> {
    const current = this.live.get(id);
    if (current?.job) throw new RefusalError('RUN_GOING', 'This run is still going; wait for it to end or cancel it first');
    if (current) await current.finished;
    if (this.live.get(id)?.job) throw new RefusalError('RUN_GOING', 'This run is still going; wait for it to end or cancel it first');
    const lock = await this.lockRun(id, 'open');
    try {
      const meta = await this.store.readMeta(id);
      if (!meta) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
      // A run written by a Titlewave from before run locks, still going there (see stateOf).
      if (this.isGoingUnlocked(meta)) throw ownedElsewhereError(null, 'open');
      const status = new Uint8Array(meta.total);
      for (const record of await this.store.readRecords(id, meta.total)) {
        if (record) status[record.index] = record.error ? FAILED : OK;
      }
      // Opening the journal cuts a torn last line, so new records start on a line of their own.
      return this.adopt(meta, await this.store.openRecords(id), status, lock);
    } catch (error) {
      await lock.release().catch(() => undefined);
      throw error;
    }
  }

  /** This process's lock on a run folder; a live owner elsewhere is refused with a message that names it. */
  private async lockRun(id: string, action: string): Promise<Lock> {
    try {
      return await acquireLock(this.store.runDir(id), this.host);
    } catch (error) {
      if (error instanceof LockedError) throw ownedElsewhereError(error.owner, action);
      throw error;
    }
  }

  /** Refuse a command for a run another live process owns (only that process can act on it). */
  private async assertNotElsewhere(id: string, action: string): Promise<void> {
    const holder = await lockHolder(this.store.runDir(id));
    if (holder) throw ownedElsewhereError(holder, action);
    const meta = await this.store.readMeta(id);
    if (meta && this.isGoingUnlocked(meta)) throw ownedElsewhereError(null, action);
  }

  /** The job ended and was saved: the run is this process's no longer (reloaded from disk when started again). */
  private async disown(live: Live): Promise<void> {
    await live.journal.close().catch(() => undefined);
    await live.lock.release().catch(() => undefined);
    // Last: until now a command for this run finds it here and waits for `finished`, rather than for the lock.
    if (this.live.get(live.meta.id) === live) this.live.delete(live.meta.id);
  }

  private async startAgain(live: Live, skip: (index: number) => boolean): Promise<void> {
    const text = await this.store.readInput(live.meta.id);
    live.meta = { ...live.meta, state: 'running', owner: { pid: process.pid, session: this.session }, summary: null, updatedAt: new Date().toISOString() };
    await this.persistMeta(live, true);
    this.runJob(live, text, skip);
    this.historyChanged();
  }

  private runJob(live: Live, text: string, skip: ((index: number) => boolean) | undefined): void {
    const controller = new AbortController();
    live.controller = controller;
    live.pending = [];
    let final: { state: JobState; summary: TitlesSummary } | null = null;
    let endSaved = false;
    const throttle = new UpdateThrottle(async () => {
      // Everything this update says is taken now, with its records: whatever happens during the write (more
      // records, the job ending) belongs to the next update.
      const records = live.pending;
      live.pending = [];
      const ending = final;
      const progress = this.progressOf(live, ending?.summary ?? live.job?.progress() ?? live.lastProgress);
      const update: Events['titles.update'] = ending
        ? { runId: live.meta.id, state: ending.state, records, progress, summary: { ...ending.summary, ...progress } }
        : { runId: live.meta.id, state: live.meta.state === 'paused' ? 'paused' : 'running', records, progress };
      // Journal first, then show: a row the user saw is a row saved.
      await live.journal.append(records);
      if (ending) {
        // The end too: whoever reads the run on seeing its final update finds it ended on disk.
        await live.journal.sync();
        await this.persistMeta(live, true).catch(() => undefined);
        endSaved = true;
      }
      this.hub.emit('titles.update', update);
    });
    live.throttle = throttle;
    const job = startTitlesJob({
      lines: linesOf(text),
      options: settingsToOptions(live.meta.settings),
      signal: controller.signal,
      ...(skip ? { skip: (index: number) => skip(index) } : {}),
      onRecord: (record) => {
        // O(1) per record: the journal write and the event happen in the next batch.
        if (record.index >= live.status.length) return;
        const previous = live.status[record.index];
        const next = record.error ? FAILED : OK;
        if (previous === NONE) live.done++;
        if (previous === FAILED) live.failed--;
        if (next === FAILED) live.failed++;
        live.status[record.index] = next;
        live.pending.push(record);
        live.metaDirty = true;
        throttle.schedule();
      },
    });
    live.job = job;
    live.finished = job.done.then(async (summary) => {
      live.lastProgress = summary;
      const state: RunMeta['state'] = this.closing ? 'interrupted' : summary.cancelled ? 'cancelled' : 'done';
      final = { state: state === 'done' ? 'done' : 'cancelled', summary };
      // Ended before the final update goes out, so a command sent on seeing it (retry, resume) finds the run ended;
      // such commands wait for `finished`, so the last records are journaled before anything else starts.
      live.job = null;
      live.controller = null;
      live.meta = { ...live.meta, state, owner: null, summary: this.progressOf(live, summary) as TitlesSummary, updatedAt: new Date().toISOString() };
      try {
        await throttle.finish();
      } finally {
        live.throttle = null;
        // The final update saved the end already, unless writing its records failed.
        if (!endSaved) await this.persistMeta(live, true).catch(() => undefined);
        await live.metaChain;
        await this.disown(live);
        if (!this.closing) this.historyChanged();
      }
    });
  }

  /** The engine's snapshot with the run's own counts: a resumed or retried job sees only part of the run. */
  private progressOf(live: Live, progress: TitlesProgress): TitlesProgress {
    const total = live.meta.total;
    const left = total - live.done;
    return {
      ...progress,
      total,
      done: live.done,
      failed: live.failed,
      etaMs: left === 0 ? 0 : progress.rate > 0 ? Math.round((left / progress.rate) * 1000) : null,
      paused: live.meta.state === 'paused',
    };
  }

  private async setPaused(id: string, paused: boolean): Promise<void> {
    const live = this.live.get(id);
    if (!live?.job) {
      await this.assertNotElsewhere(id, paused ? 'pause' : 'resume');
      throw new RefusalError('RUN_NOT_GOING', 'This run is not going');
    }
    if ((live.meta.state === 'paused') === paused) return;
    if (paused) live.job.pause();
    else live.job.resume();
    live.meta = { ...live.meta, state: paused ? 'paused' : 'running', updatedAt: new Date().toISOString() };
    await this.persistMeta(live, true);
    // Tell the page at once (the next batch might be a while when paused).
    live.throttle?.schedule();
    this.historyChanged();
  }

  /** Write the run's meta with its current counts, after any write already under way. */
  private persistMeta(live: Live, durable = false): Promise<void> {
    live.lastMetaWrite = Date.now();
    live.metaDirty = false;
    const write = live.metaChain.then(() => {
      live.meta = { ...live.meta, done: live.done, failed: live.failed };
      return this.store.writeMeta(live.meta, durable);
    });
    live.metaChain = write.catch(() => undefined);
    return write;
  }

  private summaryOfLive(live: Live): RunSummary {
    return { ...summaryOf(live.meta), done: live.done, failed: live.failed };
  }

  /**
   * The state of a run not going in this process, as history shows it: 'elsewhere' while another live process owns
   * it (holds its lock), 'interrupted' when it was left running or paused by a process that is gone (a crash, a kill).
   */
  private async stateOf(meta: RunMeta): Promise<RunSummary['state']> {
    let state: RunSummary['state'] = meta.state;
    if (meta.state === 'running' || meta.state === 'paused') {
      state = (await lockHolder(this.store.runDir(meta.id))) || this.isGoingUnlocked(meta) ? 'elsewhere' : 'interrupted';
    }
    if (state === 'elsewhere') {
      if (!this.elsewhere.has(meta.id)) this.elsewhere.set(meta.id, Date.now());
    } else this.elsewhere.delete(meta.id);
    return state;
  }

  /**
   * Runs going in another process change there, unseen here: announce the list when one of them ends or its owner
   * dies (then it is resumable at once), and every few seconds for their counts.
   */
  private async watchElsewhere(): Promise<void> {
    if (this.elsewhere.size === 0 || this.watching || this.closing) return;
    this.watching = true;
    try {
      const now = Date.now();
      let changed = false;
      for (const [id, announced] of this.elsewhere) {
        const meta = this.live.has(id) ? null : await this.store.readMeta(id);
        const going = meta !== null && (meta.state === 'running' || meta.state === 'paused') && ((await lockHolder(this.store.runDir(id))) !== null || this.isGoingUnlocked(meta));
        if (!going) {
          this.elsewhere.delete(id);
          changed = true;
        } else if (now - announced >= HEARTBEAT_MS) {
          this.elsewhere.set(id, now);
          changed = true;
        }
      }
      if (changed) this.historyChanged();
    } finally {
      this.watching = false;
    }
  }

  /**
   * A run left running or paused, without a lock, by a live process whose heartbeat is recent: a Titlewave from
   * before run locks still working on it. Anything else without a lock is interrupted.
   */
  private isGoingUnlocked(meta: RunMeta): boolean {
    if (meta.state !== 'running' && meta.state !== 'paused') return false;
    if (!meta.owner || meta.owner.session === this.session) return false;
    if (!isProcessAlive(meta.owner.pid)) return false;
    return Date.now() - Date.parse(meta.updatedAt) <= STALE_AFTER_MS;
  }

  /** Heartbeat and counts of live runs, so other sessions see them alive and a crash loses little. */
  private async writeLiveMetas(): Promise<void> {
    const now = Date.now();
    for (const live of this.live.values()) {
      if (!live.job) continue;
      if (!(live.metaDirty || now - live.lastMetaWrite >= HEARTBEAT_MS)) continue;
      live.meta = { ...live.meta, updatedAt: new Date(now).toISOString() };
      await this.persistMeta(live).catch(() => undefined);
    }
  }

  /** Announce the list, coalescing changes that come together. */
  private historyChanged(): void {
    if (this.historyTimer || this.closing) return;
    this.historyTimer = setTimeout(() => {
      this.historyTimer = null;
      this.list().then(
        (runs) => this.hub.emit('history.changed', { runs }),
        () => undefined,
      );
    }, 20);
  }
}
