/**
 * Titles runs with history, their lifecycle: each run is journaled as it goes (journal.ts), announced in batched
 * `titles.update` events (at most 10 a second per run, records first written to the journal, then shown), and can be
 * paused, resumed, cancelled, retried (failed rows again, in the same run) and resumed after a crash (only rows
 * without a record are fetched, through the engine's `skip`). Who owns a run is run-ownership.ts's; writing its
 * meta.json is run-meta.ts's.
 */
import { randomBytes } from 'node:crypto';
import type { CommandResult, Events, JobState, RunSummary, SettingAdjustment, TitlesSettings } from '../contract.js';
import { errorMessage, RefusalError } from '../errors.js';
import { acquireLock, type Lock } from '../fs/lock.js';
import { packageInfo } from '../package-info.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { startTitlesJob, type TitlesJob } from '../titles/engine.js';
import { isRetryableRecord } from '../titles/problems.js';
import { runName } from '../titles/run-name.js';
import type { PageRenderer } from '../titles/render/renderer.js';
import type { PageRendererOptions } from './page-renderer.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from '../titles/types.js';
import { distinctEntries, linesOf } from './entries.js';
import type { EventHub } from './events.js';
import { RunStore, summaryOf, type RecordJournal, type RunMeta } from './journal.js';
import { META_EVERY_MS, MetaWriter, stderrLog, type ServicesLog } from './run-meta.js';
import { ownedElsewhereError, RunOwnership } from './run-ownership.js';
import { settingsForToday, STORED_RUN_VERSION } from './stored-run.js';
import { UpdateThrottle } from './throttle.js';

export { isProcessAlive, ownedElsewhereError } from './run-ownership.js';

/** Per-index status of a run's rows, one byte each: no record yet, a record without error, a record with one. */
export const NONE = 0;
export const OK = 1;
export const FAILED = 2;

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
  metaWriter: MetaWriter;
  /** Time the run's earlier jobs worked (a resume or retry goes on from it), in milliseconds. */
  earlierMs: number;
  /**
   * Time the current job spent paused so far, and when it was paused now (if it is), both on the job's own clock
   * (its progress' elapsedMs), so that a snapshot of the job says exactly how long it worked.
   */
  pausedMs: number;
  pausedSince: number | null;
}

export interface TitlesRunsOptions {
  dataDir: string;
  hub: EventHub;
  /** Identifies this process's services in the journals it owns. */
  session?: string;
  /** Who runs these services, as another process's refusal names it ("titlewave serve", "the Titlewave app"). */
  host?: string;
  /** Where failures no command is waiting on are told (a meta.json that could not be saved); stderr by default. */
  log?: ServicesLog;
  /** Render mode's browser engine for one run (see ServicesOptions.createPageRenderer); null when there is none. */
  renderer?: (options: PageRendererOptions) => Promise<PageRenderer | null>;
}

export function settingsToOptions(settings: TitlesSettings): Partial<TitlesOptions> {
  return {
    concurrency: settings.concurrency,
    perHost: settings.perHost,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    userAgent: settings.userAgent.trim() || defaultTitlesOptions.userAgent,
    proxy: settings.proxy,
    robots: settings.robots,
    rate: settings.rate,
    render: settings.render,
    renderers: settings.renderers,
    renderTimeoutMs: settings.renderTimeoutMs,
  };
}

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** The name of a run the app did not name: its first URL's host and the number of entries (as the app names runs). */
export function defaultName(entries: readonly string[]): string {
  const first = entries[0] ?? 'empty';
  let host = first;
  try {
    host = new URL(first).hostname.replace(/^www\./, '') || first;
  } catch {
    // An invalid line comes first: name the run by it.
  }
  return runName(host, entries.length);
}

export function emptyProgress(total: number): TitlesProgress {
  return { total, inputDone: true, done: 0, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs: 0, duplicates: 0, paused: false };
}

export class TitlesRuns {
  private readonly store: RunStore;
  private readonly hub: EventHub;
  readonly session: string;
  private readonly host: string;
  private readonly log: ServicesLog;
  private readonly renderer: ((options: PageRendererOptions) => Promise<PageRenderer | null>) | undefined;
  private readonly ownership: RunOwnership;
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  private historyTimer: NodeJS.Timeout | null = null;

  constructor(options: TitlesRunsOptions) {
    this.log = options.log ?? stderrLog;
    this.renderer = options.renderer;
    this.store = new RunStore(options.dataDir, this.log);
    this.hub = options.hub;
    this.session = options.session ?? randomBytes(8).toString('hex');
    this.host = options.host ?? 'the Titlewave app';
    this.ownership = new RunOwnership(this.store, this.session, this.host);
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
      version: STORED_RUN_VERSION,
      writtenBy: packageInfo.version,
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
      await this.release(lock, meta.id);
      throw error;
    }
    try {
      this.runJob(live, text, settings, undefined);
    } catch (error) {
      live.meta = { ...live.meta, state: 'cancelled', owner: null };
      await live.metaWriter.writeLogged('the end', true);
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
    await this.ownership.assertNotElsewhere(id, 'cancel');
    if (!(await this.store.readMeta(id))) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
  }

  retryFailed(id: string): Promise<CommandResult<'titles.retryFailed'>> {
    return this.withRunLock(id, () => this.retryFailedNow(id));
  }

  /** The given rows again, whatever they answered (the user chose them); indices past the run's end are ignored. */
  retryRows(id: string, indices: readonly number[]): Promise<CommandResult<'titles.retryRows'>> {
    const wanted = new Set(indices);
    return this.withRunLock(id, () => this.retryNow(id, (record) => wanted.has(record.index)));
  }

  private retryFailedNow(id: string): Promise<CommandResult<'titles.retryFailed'>> {
    return this.retryNow(id, isRetryableRecord);
  }

  /** Fetch again, in this run, the rows whose record `pick` chooses; nothing starts when it chooses none. */
  private async retryNow(id: string, pick: (record: TitleRecord) => boolean): Promise<CommandResult<'titles.retryRows'>> {
    this.assertOpen();
    const live = await this.claim(id);
    const retry = new Set<number>();
    const records = await this.store.readRecords(id, live.meta.total);
    for (const record of records) if (record && pick(record)) retry.add(record.index);
    if (retry.size === 0) {
      // Nothing to fetch: the run is let go as it was.
      await this.disown(live);
      return { runId: id, count: 0, adjusted: [] };
    }
    const adjusted = await this.startAgain(live, (index) => !retry.has(index));
    return { runId: id, count: retry.size, adjusted };
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
      return { runId: id, adjusted: [] };
    }
    const live = await this.claim(id);
    const adjusted = await this.startAgain(live, (index) => live.status[index] !== NONE);
    return { runId: id, adjusted };
  }

  async list(): Promise<RunSummary[]> {
    const metas = await this.store.list();
    return Promise.all(
      metas.map(async (meta) => {
        const live = this.live.get(meta.id);
        if (live) return this.summaryOfLive(live);
        return summaryOf(meta, await this.ownership.stateOf(meta));
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
    const run = live ? this.summaryOfLive(live) : summaryOf(meta, await this.ownership.stateOf(meta));
    // A run not going here may have a meta that lags its journal by a second: the records are the truth.
    if (!live) Object.assign(run, { done: dense.length, failed });
    return { run, records: dense, urls: await distinctEntries(text) };
  }

  /**
   * The run's records as an .xlsx workbook (as the journal folds them: the latest record wins): in index order, or
   * the rows `indices` names, in that order.
   */
  async exportXlsx(id: string, indices: readonly number[] | null = null): Promise<CommandResult<'titles.exportXlsx'>> {
    const live = this.live.get(id);
    const meta = live?.meta ?? (await this.store.readMeta(id));
    if (!meta) throw new Error(`No run with id ${id}`);
    // Every row the page shows was journaled before it was announced, so the journal has them all.
    const records = await this.store.readRecords(id, meta.total);
    const { workbookOf } = await import('./list-mode.js');
    const chosen = indices === null ? records : indices.map((index) => records[index]);
    return workbookOf(chosen.filter((record): record is TitleRecord => record !== undefined));
  }

  delete(id: string): Promise<void> {
    return this.withRunLock(id, () => this.deleteNow(id));
  }

  /** Give a run another name, in its meta.json; refused for a run another process owns (it rewrites that meta). */
  rename(id: string, name: string): Promise<void> {
    return this.withRunLock(id, () => this.renameNow(id, name));
  }

  private async renameNow(id: string, name: string): Promise<void> {
    const live = this.live.get(id);
    if (live) {
      live.meta = { ...live.meta, name };
      await live.metaWriter.write(true);
    } else {
      await this.ownership.renameStored(id, name, () => true);
    }
    this.historyChanged();
  }

  private async deleteNow(id: string): Promise<void> {
    const live = this.live.get(id);
    if (live) {
      live.controller?.abort();
      await live.finished;
    }
    // Held while the folder goes, so no other process starts the run meanwhile.
    const lock = await this.ownership.lock(id, 'stop');
    try {
      const meta = await this.store.readMeta(id);
      if (meta && this.ownership.isGoingUnlocked(meta)) throw ownedElsewhereError(null, 'stop');
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
      metaWriter: new MetaWriter(this.store, this.log, () => {
        live.meta = { ...live.meta, done: live.done, failed: live.failed };
        return live.meta;
      }),
      earlierMs: meta.summary?.elapsedMs ?? 0,
      pausedMs: 0,
      pausedSince: null,
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
    const lock = await this.ownership.lock(id, 'open');
    try {
      const meta = await this.store.readMeta(id);
      if (!meta) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
      // A run written by a Titlewave from before run locks, still going there (see RunOwnership.stateOf).
      if (this.ownership.isGoingUnlocked(meta)) throw ownedElsewhereError(null, 'open');
      const status = new Uint8Array(meta.total);
      for (const record of await this.store.readRecords(id, meta.total)) {
        if (record) status[record.index] = record.error ? FAILED : OK;
      }
      // Opening the journal cuts a torn last line, so new records start on a line of their own.
      return this.adopt(meta, await this.store.openRecords(id), status, lock);
    } catch (error) {
      await this.release(lock, id);
      throw error;
    }
  }

  /** The job ended and was saved: the run is this process's no longer (reloaded from disk when started again). */
  private async disown(live: Live): Promise<void> {
    try {
      await live.journal.close();
    } catch (error) {
      this.log(`could not close the journal of run ${live.meta.id} (its last records may not be on disk): ${errorMessage(error)}`);
    }
    await this.release(live.lock, live.meta.id);
    // Last: until now a command for this run finds it here and waits for `finished`, rather than for the lock.
    if (this.live.get(live.meta.id) === live) this.live.delete(live.meta.id);
  }

  /** A lock let go; one that cannot be removed is logged (it would keep the run locked until this process ends). */
  private async release(lock: Lock, id: string): Promise<void> {
    try {
      await lock.release();
    } catch (error) {
      this.log(`could not remove the lock of run ${id} (${lock.path}): ${errorMessage(error)}`);
    }
  }

  /**
   * Run a claimed run again with its saved settings, brought within today's limits when they are not (a run saved by
   * a Titlewave with looser ones): those are returned, for the page to say so.
   */
  private async startAgain(live: Live, skip: (index: number) => boolean): Promise<SettingAdjustment[]> {
    let text: string;
    let today: ReturnType<typeof settingsForToday>;
    try {
      today = settingsForToday(live.meta.settings);
      text = await this.store.readInput(live.meta.id);
      // The last job's summary stays until this one ends: its elapsed time is what a resume after a crash counts on from.
      live.meta = { ...live.meta, state: 'running', owner: { pid: process.pid, session: this.session }, updatedAt: new Date().toISOString() };
      await live.metaWriter.write(true);
    } catch (error) {
      // Not started: the run stays as it was on disk, and is let go.
      await this.disown(live);
      throw error;
    }
    this.runJob(live, text, today.settings, skip);
    this.historyChanged();
    return today.adjusted;
  }

  private runJob(live: Live, text: string, settings: TitlesSettings, skip: ((index: number) => boolean) | undefined): void {
    const controller = new AbortController();
    live.controller = controller;
    live.pending = [];
    live.pausedMs = 0;
    live.pausedSince = null;
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
        await live.metaWriter.writeLogged('the end', true);
        endSaved = true;
      }
      this.hub.emit('titles.update', update);
    });
    live.throttle = throttle;
    const renderer = this.renderer;
    const job = startTitlesJob({
      lines: linesOf(text),
      options: settingsToOptions(settings),
      signal: controller.signal,
      ...(renderer ? { renderer: () => renderer({ renderers: settings.renderers }) } : {}),
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
        live.metaWriter.touch();
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
        if (!endSaved) await live.metaWriter.writeLogged('the end', true);
        await live.metaWriter.settled();
        await this.disown(live);
        if (!this.closing) this.historyChanged();
      }
    });
  }

  /**
   * The engine's snapshot with the run's own counts and time: a resumed or retried job sees only part of the run, and
   * the run's elapsed time is what all its jobs worked, without their pauses.
   */
  private progressOf(live: Live, progress: TitlesProgress): TitlesProgress {
    const total = live.meta.total;
    const left = total - live.done;
    const pausedMs = live.pausedMs + (live.pausedSince === null ? 0 : Math.max(0, progress.elapsedMs - live.pausedSince));
    return {
      ...progress,
      total,
      done: live.done,
      failed: live.failed,
      etaMs: left === 0 ? 0 : progress.rate > 0 ? Math.round((left / progress.rate) * 1000) : null,
      elapsedMs: live.earlierMs + Math.max(0, progress.elapsedMs - pausedMs),
      paused: live.meta.state === 'paused',
    };
  }

  private async setPaused(id: string, paused: boolean): Promise<void> {
    const live = this.live.get(id);
    if (!live?.job) {
      await this.ownership.assertNotElsewhere(id, paused ? 'pause' : 'resume');
      throw new RefusalError('RUN_NOT_GOING', 'This run is not going');
    }
    if ((live.meta.state === 'paused') === paused) return;
    const jobElapsed = live.job.progress().elapsedMs;
    if (paused) {
      live.job.pause();
      live.pausedSince = jobElapsed;
    } else {
      live.job.resume();
      if (live.pausedSince !== null) live.pausedMs += Math.max(0, jobElapsed - live.pausedSince);
      live.pausedSince = null;
    }
    live.meta = { ...live.meta, state: paused ? 'paused' : 'running', updatedAt: new Date().toISOString() };
    await live.metaWriter.write(true);
    // Tell the page at once (the next batch might be a while when paused).
    live.throttle?.schedule();
    this.historyChanged();
  }

  private summaryOfLive(live: Live): RunSummary {
    const summary = { ...summaryOf(live.meta), done: live.done, failed: live.failed };
    // A job going: its time as of now (a page opened on a paused run has no update to learn it from).
    return live.job ? { ...summary, elapsedMs: this.progressOf(live, live.job.progress()).elapsedMs } : summary;
  }

  /** Runs going in another process: announce the list when one ended there, or its counts are due. */
  private async watchElsewhere(): Promise<void> {
    if (this.closing) return;
    if (await this.ownership.watch((id) => this.live.has(id))) this.historyChanged();
  }

  /** Heartbeat and counts of live runs, so other sessions see them alive and a crash loses little. */
  private async writeLiveMetas(): Promise<void> {
    const now = Date.now();
    for (const live of this.live.values()) {
      if (!live.job || !live.metaWriter.due(now)) continue;
      live.meta = { ...live.meta, updatedAt: new Date(now).toISOString() };
      await live.metaWriter.writeLogged('the progress');
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
