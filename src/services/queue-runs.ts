/**
 * Titles runs on a Redis queue, the app's side of scale-out (docs/cluster.md): History runs like local ones — a folder
 * `<dataDir>/runs/<id>/` with the input, the meta and the records journaled as they arrive — whose requests are made
 * by the `titlewave worker`s of a queue. This process is the run's producer (src/cluster's ClusterTitlesRun, with the
 * same id as the run folder): it deals the URLs to the queue, takes the records the workers commit, writes them to the
 * journal, and only then lets Redis drop them (`settled`). Events are the local runs' own (`titles.update`), plus
 * `cluster.workers` about once a second.
 *
 * - Closing the app (or stopping `serve`) stops the producer, never the run: the workers finish what was queued and
 *   keep the records on the queue; the next start of the services attaches to every run that is still going
 *   (`resume: true`), so nothing is lost and nothing is fetched twice.
 * - Pause stops the producer and takes the run's waiting jobs off the queue (jobs being worked on finish); Resume
 *   attaches again. Cancel cancels the run on the queue: its jobs and keys go, but its summary. Retry failed and
 *   Resume of an ended run start it again on the queue with the journal's rows skipped.
 * - The Redis URL is a secret: metas, events and messages carry it without its password (queue-settings.ts keeps it).
 */
import {
  clusterError,
  type ClusterFailureCode,
  type ClusterTestResult,
  type ClusterWorkerView,
  type CommandResult,
  type Events,
  type JobState,
  type RunSummary,
  type SettingAdjustment,
  type TitlesSettings,
} from '../contract.js';
import type { ClusterHandle, ClusterTitlesRun, WorkerStatus } from '../cluster/index.js';
import { SCHEMA_VERSION } from '../cluster/schema.js';
import { acquireLock, type Lock } from '../fs/lock.js';
import { isRetryableRecord } from '../titles/problems.js';
import type { TitleRecord, TitlesProgress, TitlesSummary } from '../titles/types.js';
import { distinctEntries, linesOf } from './entries.js';
import type { EventHub } from './events.js';
import { errorMessage, RefusalError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import { RunStore, type RecordJournal, type RunMeta } from './journal.js';
import { QueueSettingsStore } from './queue-settings.js';
import { META_EVERY_MS, MetaWriter, stderrLog, type ServicesLog } from './run-meta.js';
import { RunOwnership } from './run-ownership.js';
import { settingsForToday, STORED_RUN_VERSION } from './stored-run.js';
import { UpdateThrottle } from './throttle.js';
import { defaultName, emptyProgress, FAILED, NONE, newRunId, OK, settingsToOptions } from './titles-runs.js';

/** Workers are listed this often while a run is paused (its producer, which lists them otherwise, is stopped). */
const PAUSED_WORKERS_EVERY_MS = 1000;
/** A Redis command of a test or a listing that takes longer than this means a Redis that went away. */
const COMMAND_TIMEOUT_MS = 5000;

/** The cluster module (BullMQ, ioredis), loaded the first time a queue is used. */
const loadCluster = () => import('../cluster/index.js');

interface Ending {
  state: JobState;
  summary: TitlesSummary | null;
  error: string | null;
}

interface QueueLive {
  meta: RunMeta & { queue: { url: string } };
  /** The queue's full URL (password included): in memory only. */
  url: string;
  journal: RecordJournal;
  /** The run folder's lock, held while the run is live here (attached or paused). */
  lock: Lock;
  handle: ClusterHandle;
  status: Uint8Array;
  done: number;
  failed: number;
  /** The producer while attached; null while paused. */
  run: ClusterTitlesRun | null;
  controller: AbortController | null;
  /** Why this process stops its producer: pause, cancel, or closing the services. */
  stopping: 'pause' | 'cancel' | 'close' | null;
  /** Records received and not yet journaled, and not yet announced. */
  toJournal: TitleRecord[];
  toShow: TitleRecord[];
  /** The last journal append: each waits for the one before, and a failed one fails every later one. */
  journalTail: Promise<void>;
  throttle: UpdateThrottle | null;
  ending: Ending | null;
  lastProgress: TitlesProgress;
  /** Settles when the current producer has ended and its end is saved and announced. */
  finished: Promise<void>;
  connection: 'connected' | 'reconnecting';
  workers: WorkerStatus[];
  workersAt: number;
  workersTimer: NodeJS.Timeout | null;
  metaWriter: MetaWriter;
}

export interface QueueRunsOptions {
  dataDir: string;
  hub: EventHub;
  /** The session id written as the owner of the runs (the same as the local runs' of these services). */
  session: string;
  /** The history changed (a run started, paused, ended, was deleted): the services announce the list. */
  onHistoryChanged: () => void;
  /** Who runs these services, as another process's refusal names it. */
  host?: string;
  /** Where failures no command is waiting on are told (a meta.json that could not be saved); stderr by default. */
  log?: ServicesLog;
}

// Names and versions of workers come from other machines: no control or bidi characters, bounded.
const printable = (text: string, max: number): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD').slice(0, max);

export function workerViews(workers: readonly WorkerStatus[], runId: string | null, now = Date.now()): ClusterWorkerView[] {
  return workers
    .map((worker) => ({
      name: printable(worker.name, 64),
      host: printable(worker.host, 255),
      version: printable(worker.version, 40),
      compatible: worker.schema === SCHEMA_VERSION,
      schema: worker.schema,
      inFlight: worker.inFlight,
      jobs: worker.jobs,
      done: worker.done,
      rate: worker.rate,
      seenMsAgo: Math.max(0, now - worker.seenAt),
      onThisRun: runId !== null && worker.runs.includes(runId),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Any failure as the page's cluster error (a one-line message without any password). */
async function asClusterError(error: unknown): Promise<Error> {
  const { ClusterError, redactRedisUrls } = await loadCluster();
  if (error instanceof ClusterError) return clusterError(error.code, error.message);
  return new Error(redactRedisUrls(errorMessage(error)));
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(clusterError('UNREACHABLE', `Redis did not answer ${what} within ${COMMAND_TIMEOUT_MS / 1000} s`)), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isQueueMeta(meta: RunMeta | null): meta is RunMeta & { queue: { url: string } } {
  return meta !== null && meta.queue !== undefined;
}

export class QueueRuns {
  readonly settings: QueueSettingsStore;
  private readonly store: RunStore;
  private readonly hub: EventHub;
  private readonly session: string;
  private readonly host: string;
  private readonly log: ServicesLog;
  private readonly ownership: RunOwnership;
  private readonly onHistoryChanged: () => void;
  private readonly live = new Map<string, QueueLive>();
  /** Commands that restart, stop or remove a run go one at a time per run. */
  private readonly runLocks = new Map<string, Promise<void>>();
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  private attaching: Promise<void> = Promise.resolve();

  constructor(options: QueueRunsOptions) {
    this.log = options.log ?? stderrLog;
    this.store = new RunStore(options.dataDir, this.log);
    this.settings = new QueueSettingsStore(options.dataDir);
    this.hub = options.hub;
    this.session = options.session;
    this.host = options.host ?? 'the Titlewave app';
    this.ownership = new RunOwnership(this.store, this.session, this.host);
    this.onHistoryChanged = options.onHistoryChanged;
    this.heartbeat = setInterval(() => void this.writeLiveMetas(), META_EVERY_MS);
    this.heartbeat.unref();
  }

  // ---- the "Run on" setting ----

  async saveSettings(runOn: 'local' | 'queue', url: string | null | undefined): Promise<CommandResult<'cluster.setSettings'>> {
    try {
      return await this.settings.save(runOn, url);
    } catch (error) {
      throw await asClusterError(error);
    }
  }

  /** Connects as a run would (URL, server, password, eviction policy, schema) and lists the workers. */
  async test(url: string | undefined): Promise<ClusterTestResult> {
    const full = url ?? (await this.settings.currentUrl())?.full;
    if (full === undefined) return { ok: false, code: 'NOT_SET', message: 'no Redis URL is saved; enter one first' };
    const { openCluster } = await loadCluster();
    let handle: ClusterHandle | null = null;
    try {
      handle = await openCluster(full);
      const conflict = await withTimeout(handle.schemaConflict(), 'the version check');
      if (conflict) throw conflict;
      const workers = await withTimeout(handle.listWorkers(), 'the worker list');
      return { ok: true, url: handle.target.display, redisVersion: handle.info.version, workers: workerViews(workers, null) };
    } catch (error) {
      const failure = await asClusterError(error);
      const parsed = /^CLUSTER_([A-Z_]+): (.*)$/s.exec(failure.message);
      return parsed ? { ok: false, code: parsed[1] as ClusterFailureCode, message: parsed[2] ?? '' } : { ok: false, code: 'REDIS', message: failure.message };
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  // ---- commands ----

  /** Whether a run is on a queue (then these services, not the local ones, act on it). */
  async isQueueRun(id: string): Promise<boolean> {
    return this.live.has(id) || isQueueMeta(await this.store.readMeta(id));
  }

  async start(text: string, settings: TitlesSettings, name?: string): Promise<CommandResult<'titles.start'>> {
    this.assertOpen();
    const saved = await this.settings.currentUrl();
    if (!saved) throw clusterError('NOT_SET', 'no Redis URL is saved under “Run on”; enter one and test it first');
    const entries = await distinctEntries(text);
    if (entries.length === 0) throw new RefusalError('EMPTY_INPUT', 'There are no URLs in the input');
    // The server is checked first (within seconds): a Redis that cannot take the run leaves no run folder behind.
    const handle = await this.open(saved.full);
    const now = new Date();
    const meta: QueueLive['meta'] = {
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
      queue: { url: handle.target.display },
    };
    let lock: Lock | null = null;
    let created = false;
    try {
      const conflict = await withTimeout(handle.schemaConflict(), 'the version check');
      if (conflict) throw conflict;
      await this.settings.remember(handle.target.display, saved.full);
      // A new id nobody knows yet; locked all the same, so no other process ever sees it unowned while it runs.
      await this.store.ensureRunsDir();
      lock = await acquireLock(this.store.runDir(meta.id), this.host);
      await this.store.create(meta, text);
      created = true;
      const live = this.adopt(meta, saved.full, handle, await this.store.openRecords(meta.id), new Uint8Array(meta.total), lock);
      try {
        await this.attach(live, text, { resume: false });
      } catch (error) {
        this.live.delete(meta.id);
        await live.journal.close().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      // The run never reached the queue: its folder (made here, holding only its input) goes too.
      if (created) await this.store.delete(meta.id).catch(() => undefined);
      if (lock) await this.release(lock, meta.id);
      throw await asClusterError(error);
    }
    this.onHistoryChanged();
    return { runId: meta.id, queue: meta.queue.url };
  }

  async pause(id: string): Promise<void> {
    await this.withRunLock(id, async () => {
      const live = this.live.get(id);
      if (!live?.run) {
        if (live?.meta.state === 'paused') return;
        throw new RefusalError('RUN_NOT_GOING', 'This run is not going');
      }
      live.stopping = 'pause';
      live.meta = { ...live.meta, state: 'paused', updatedAt: new Date().toISOString() };
      live.controller?.abort();
      await live.finished;
      // What pausing means on a queue: the producer stopped, the run's waiting jobs go too (those being worked on
      // finish; their records wait on the queue until Resume).
      await withTimeout(live.handle.removeQueuedJobs(id), 'taking the jobs off the queue').catch(() => undefined);
      this.watchWorkersWhilePaused(live);
      this.onHistoryChanged();
    });
  }

  async resume(id: string): Promise<void> {
    await this.withRunLock(id, async () => {
      const live = this.live.get(id);
      if (!live) throw new RefusalError('RUN_NOT_GOING', 'This run is not going');
      if (live.run) return;
      await this.continuePaused(live);
    });
  }

  async cancel(id: string): Promise<void> {
    await this.withRunLock(id, async () => {
      const live = this.live.get(id);
      if (!live) return; // not going here: nothing to stop
      live.stopping = 'cancel';
      if (live.run) {
        await live.run.cancel();
        await live.finished;
        return;
      }
      // Paused: there is no producer; cancel it on the queue from here.
      this.stopWatchingWorkers(live);
      await withTimeout(live.handle.cancelRun(id), 'the cancel').catch(async (error: unknown) => {
        throw await asClusterError(error);
      });
      await this.end(live, { state: 'cancelled', summary: { ...this.progressOf(live, live.lastProgress), cancelled: true, eventLoopDelayP99Ms: 0 }, error: null }, 'cancelled');
    });
  }

  /** Failed fetches and transient statuses again (src/titles/problems.ts), as a local run's Retry failed. */
  retryFailed(id: string): Promise<CommandResult<'titles.retryFailed'>> {
    return this.retryWhere(id, isRetryableRecord);
  }

  /** The given rows again, whatever they answered (the user chose them). */
  retryRows(id: string, indices: readonly number[]): Promise<CommandResult<'titles.retryRows'>> {
    const wanted = new Set(indices);
    return this.retryWhere(id, (record) => wanted.has(record.index));
  }

  private retryWhere(id: string, pick: (record: TitleRecord) => boolean): Promise<CommandResult<'titles.retryRows'>> {
    return this.withRunLock(id, async () => {
      this.assertOpen();
      if (this.live.has(id)) throw new RefusalError('RUN_GOING', 'This run is still going; wait for it to end or cancel it first');
      const meta = await this.store.readMeta(id);
      if (!isQueueMeta(meta)) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
      const retry = new Set<number>();
      for (const record of await this.store.readRecords(id, meta.total)) if (record && pick(record)) retry.add(record.index);
      if (retry.size === 0) return { runId: id, count: 0, adjusted: [] };
      const live = await this.claim(id);
      // A new run on the queue under the same id (the ended one's summary there is replaced) for these rows; or,
      // still on the queue (interrupted), attach, so what the workers committed meanwhile is kept, and fetch these
      // rows again along with the missing ones.
      const adjusted =
        meta.state === 'done' || meta.state === 'cancelled'
          ? await this.restart(live, { resume: false, skip: (index) => !retry.has(index) })
          : await this.restart(live, { resume: true, skip: (index) => live.status[index] === OK && !retry.has(index) });
      return { runId: id, count: retry.size, adjusted };
    });
  }

  /** Another name for a queue run, in its meta.json (by this process when it runs it here, else under its lock). */
  rename(id: string, name: string): Promise<void> {
    return this.withRunLock(id, async () => {
      const live = this.live.get(id);
      if (live) {
        live.meta = { ...live.meta, name };
        await live.metaWriter.write(true);
      } else {
        await this.ownership.renameStored(id, name, isQueueMeta);
      }
      this.onHistoryChanged();
    });
  }

  resumeRun(id: string): Promise<CommandResult<'history.resume'>> {
    return this.withRunLock(id, async () => {
      this.assertOpen();
      const current = this.live.get(id);
      if (current) {
        if (!current.run) await this.continuePaused(current);
        return { runId: id, adjusted: [] };
      }
      const live = await this.claim(id);
      // Attaches when the run is still on the queue; a run cancelled there or expired starts again under its id.
      const adjusted = await this.restart(live, { resume: true, skip: (index) => live.status[index] !== NONE });
      return { runId: id, adjusted };
    });
  }

  async delete(id: string): Promise<void> {
    await this.withRunLock(id, async () => {
      const live = this.live.get(id);
      if (live) {
        // Deleting a run that goes means cancelling it on the queue first: nothing is left working for nobody.
        live.stopping = 'cancel';
        if (live.run) {
          await live.run.cancel().catch(() => undefined);
          await live.finished;
        } else {
          this.stopWatchingWorkers(live);
          await withTimeout(live.handle.cancelRun(id), 'the cancel').catch(() => undefined);
          await this.end(live, { state: 'cancelled', summary: null, error: null }, 'cancelled');
        }
      }
      const lock = await this.ownership.lock(id, 'delete');
      try {
        const meta = await this.store.readMeta(id);
        if (!live && isQueueMeta(meta) && meta.state !== 'done' && meta.state !== 'cancelled') await this.cancelOnQueue(meta);
        await this.store.delete(id);
      } finally {
        await lock.release();
      }
    });
    this.onHistoryChanged();
  }

  /**
   * The local services' history with the queue runs' state as they are here: running or paused while this process is
   * their producer, elsewhere while another process of this data folder is, interrupted while nobody feeds them
   * (closed app, no password, Redis away).
   */
  decorate(runs: RunSummary[]): RunSummary[] {
    return runs.map((run) => {
      if (run.queue === undefined) return run;
      const live = this.live.get(run.id);
      if (live) return { ...run, state: live.meta.state === 'paused' ? 'paused' : 'running', total: live.meta.total, done: live.done, failed: live.failed };
      // Ended; or fed by another process of this data folder (it holds the run's lock); or fed by nobody.
      return run.state === 'done' || run.state === 'cancelled' || run.state === 'elsewhere' ? run : { ...run, state: 'interrupted' };
    });
  }

  /**
   * Attach to every queue run of this data folder that was going when its producer stopped (the app closed, the
   * process was killed), as the services start. Runs whose password is not saved, or whose Redis does not answer,
   * stay interrupted (Resume tries again); runs cancelled on the queue meanwhile are marked so.
   */
  attachAll(): Promise<void> {
    this.attaching = (async () => {
      const metas = (await this.store.list()).filter((meta) => isQueueMeta(meta) && (meta.state === 'running' || meta.state === 'interrupted'));
      await Promise.all(metas.map((meta) => this.attachOnStart(meta as QueueLive['meta']).catch(() => undefined)));
    })().catch(() => undefined);
    return this.attaching;
  }

  /** Stop every producer (their runs go on on the queue), flush and close the journals, release the runs. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    await this.attaching;
    const lives = [...this.live.values()];
    for (const live of lives) {
      if (live.run) {
        live.stopping = 'close';
        live.controller?.abort();
      }
    }
    await Promise.all(
      lives.map(async (live) => {
        if (live.run) await live.finished;
        else {
          // Paused: it stays paused (Resume in History continues it).
          this.stopWatchingWorkers(live);
          live.meta = { ...live.meta, owner: null, updatedAt: new Date().toISOString() };
          await live.metaWriter.writeLogged('the pause', true);
          await this.disown(live);
        }
      }),
    );
  }

  // ---- internals ----

  private assertOpen(): void {
    if (this.closing) throw new RefusalError('SHUTTING_DOWN', 'Titlewave is shutting down');
  }

  private withRunLock<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.runLocks.get(id) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.runLocks.set(id, tail);
    void tail.then(() => {
      if (this.runLocks.get(id) === tail) this.runLocks.delete(id);
    });
    return result;
  }

  private async open(url: string): Promise<ClusterHandle> {
    const { openCluster } = await loadCluster();
    try {
      return await openCluster(url);
    } catch (error) {
      throw await asClusterError(error);
    }
  }

  /** The queue's full URL of a run, from the queue settings; a clear refusal when this computer does not know it. */
  private async urlOf(meta: QueueLive['meta']): Promise<string> {
    const url = await this.settings.urlFor(meta.queue.url);
    if (url === null) {
      throw clusterError('NO_PASSWORD', `the URL of this run's queue (${meta.queue.url}) is not saved on this computer; enter it again under “Run on”, then resume the run`);
    }
    return url;
  }

  /** The run, locked for this process and read fresh from disk, connected to its queue; ready to restart. */
  private async claim(id: string): Promise<QueueLive> {
    const lock = await this.ownership.lock(id, 'open');
    let handle: ClusterHandle | null = null;
    try {
      const meta = await this.store.readMeta(id);
      if (!isQueueMeta(meta)) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
      const url = await this.urlOf(meta);
      handle = await this.open(url);
      const status = new Uint8Array(meta.total);
      for (const record of await this.store.readRecords(id, meta.total)) if (record) status[record.index] = record.error ? FAILED : OK;
      // Opening the journal cuts a torn last line, so new records start on a line of their own.
      return this.adopt(meta, url, handle, await this.store.openRecords(id), status, lock);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await this.release(lock, id);
      throw error;
    }
  }

  private adopt(meta: QueueLive['meta'], url: string, handle: ClusterHandle, journal: RecordJournal, status: Uint8Array, lock: Lock): QueueLive {
    let done = 0;
    let failed = 0;
    for (const value of status) {
      if (value !== NONE) done++;
      if (value === FAILED) failed++;
    }
    const live: QueueLive = {
      meta,
      url,
      journal,
      lock,
      handle,
      status,
      done,
      failed,
      run: null,
      controller: null,
      stopping: null,
      toJournal: [],
      toShow: [],
      journalTail: Promise.resolve(),
      throttle: null,
      ending: null,
      lastProgress: emptyProgress(meta.total),
      finished: Promise.resolve(),
      connection: 'connected',
      workers: [],
      workersAt: 0,
      workersTimer: null,
      metaWriter: new MetaWriter(this.store, this.log, () => {
        live.meta = { ...live.meta, done: live.done, failed: live.failed };
        return live.meta;
      }),
    };
    this.live.set(meta.id, live);
    return live;
  }

  /** Start the run (again) on its queue, after claim(); on failure the run is released as it was. */
  /** Run a claimed run again; returns its saved settings that are beyond today's limits (see attach). */
  private async restart(live: QueueLive, how: { resume: boolean; skip: (index: number) => boolean }): Promise<SettingAdjustment[]> {
    const previous = live.meta;
    live.meta = { ...live.meta, state: 'running', owner: { pid: process.pid, session: this.session }, summary: null, updatedAt: new Date().toISOString() };
    try {
      await live.metaWriter.write(true);
      await this.attach(live, await this.store.readInput(live.meta.id), how);
    } catch (error) {
      live.meta = { ...previous, owner: null };
      await live.metaWriter.writeLogged('the state before the failed restart', true);
      await this.disown(live);
      throw await asClusterError(error);
    }
    this.onHistoryChanged();
    return settingsForToday(live.meta.settings).adjusted;
  }

  private async continuePaused(live: QueueLive): Promise<void> {
    this.stopWatchingWorkers(live);
    live.meta = { ...live.meta, state: 'running', updatedAt: new Date().toISOString() };
    await live.metaWriter.write(true);
    await this.attach(live, await this.store.readInput(live.meta.id), { resume: true, skip: (index) => live.status[index] !== NONE }).catch(async (error: unknown) => {
      live.meta = { ...live.meta, state: 'paused' };
      this.watchWorkersWhilePaused(live);
      throw await asClusterError(error);
    });
    this.onHistoryChanged();
  }

  private async attachOnStart(meta: QueueLive['meta']): Promise<void> {
    if (this.closing) return;
    const url = await this.settings.urlFor(meta.queue.url);
    if (url === null) return; // stays interrupted: Resume asks for the URL
    const handle = await this.open(url);
    let remote;
    try {
      remote = await withTimeout(handle.getRun(meta.id), 'the run');
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (remote === null) return; // expired on the queue: Resume starts it again there
    if (remote.state === 'cancelled' || remote.state === 'done') {
      // Ended on the queue while no producer was here (`titlewave runs --cancel`, or the end was not saved here).
      const lock = await this.ownership.lock(meta.id, 'open');
      try {
        const fresh = await this.store.readMeta(meta.id);
        if (isQueueMeta(fresh) && (fresh.state === 'running' || fresh.state === 'interrupted')) {
          await this.store.writeMeta({ ...fresh, state: remote.state === 'done' && fresh.done >= fresh.total ? 'done' : 'cancelled', owner: null, updatedAt: new Date().toISOString() }, true);
        }
      } finally {
        await lock.release();
      }
      this.onHistoryChanged();
      return;
    }
    if (this.closing) return;
    await this.withRunLock(meta.id, async () => {
      if (this.closing || this.live.has(meta.id)) return;
      const live = await this.claim(meta.id);
      await this.restart(live, { resume: true, skip: (index) => live.status[index] !== NONE });
    });
  }

  /** Best effort, for a run deleted while no producer feeds it: cancel it on its queue so no worker works for nobody. */
  private async cancelOnQueue(meta: QueueLive['meta']): Promise<void> {
    const url = await this.settings.urlFor(meta.queue.url);
    if (url === null) return;
    try {
      const handle = await this.open(url);
      try {
        await withTimeout(handle.cancelRun(meta.id), 'the cancel');
      } finally {
        await handle.close().catch(() => undefined);
      }
    } catch {
      // Unreachable: its keys expire on the queue by themselves (docs/cluster.md).
    }
  }

  /** Starts this process's producer for the run: new on the queue, or attached (`resume`). */
  private async attach(live: QueueLive, text: string, how: { resume: boolean; skip?: (index: number) => boolean }): Promise<void> {
    const controller = new AbortController();
    live.controller = controller;
    live.stopping = null;
    live.ending = null;
    live.toJournal = [];
    live.toShow = [];
    live.connection = 'connected';
    const throttle = new UpdateThrottle(() => this.flush(live));
    live.throttle = throttle;
    const skip = how.skip;
    const run = await live.handle.startTitles({
      runId: live.meta.id,
      lines: linesOf(text),
      // Saved settings beyond today's limits (a run saved by a Titlewave with looser ones) are brought within.
      options: settingsToOptions(settingsForToday(live.meta.settings).settings),
      resume: how.resume,
      name: live.meta.name,
      signal: controller.signal,
      ...(skip ? { skip: (index: number) => skip(index) } : {}),
      onRecord: (record) => this.onRecord(live, record),
      // Records leave Redis only once they are in the journal: a kill of this process loses none of them.
      settled: () => this.journalPending(live),
    });
    live.run = run;
    run.on('progress', () => throttle.schedule());
    run.on('workers', (workers) => {
      live.workers = workers;
      live.workersAt = Date.now();
      this.emitWorkers(live);
    });
    run.on('state', (state) => {
      const connection = state === 'reconnecting' ? 'reconnecting' : 'connected';
      if (connection === live.connection) return;
      live.connection = connection;
      this.emitWorkers(live);
    });
    live.finished = run.done.then(
      (summary) => this.producerEnded(live, run, summary, null),
      (error: unknown) => this.producerEnded(live, run, null, error),
    );
    // The workers at once, not after the producer's first heartbeat.
    void withTimeout(live.handle.listWorkers(), 'the worker list').then(
      (workers) => {
        if (live.workersAt !== 0) return;
        live.workers = workers;
        live.workersAt = Date.now();
        this.emitWorkers(live);
      },
      () => undefined,
    );
  }

  private onRecord(live: QueueLive, record: TitleRecord): void {
    if (record.index >= live.status.length) return;
    const previous = live.status[record.index];
    const next = record.error ? FAILED : OK;
    if (previous === NONE) live.done++;
    if (previous === FAILED) live.failed--;
    if (next === FAILED) live.failed++;
    live.status[record.index] = next;
    live.toJournal.push(record);
    live.toShow.push(record);
    live.metaWriter.touch();
    live.throttle?.schedule();
  }

  /**
   * Appends every record received so far to the journal; resolves once the kernel has them and every record before
   * them. A failed write fails this and every later call, so the producer never lets Redis drop a record that is not
   * on disk (the run stops, resumable, with its records still on the queue).
   */
  private journalPending(live: QueueLive): Promise<void> {
    const records = live.toJournal;
    live.toJournal = [];
    const write = live.journalTail.then(() => live.journal.append(records));
    live.journalTail = write;
    return write;
  }

  /** One `titles.update`: the records since the last one, journaled first, then shown. */
  private async flush(live: QueueLive): Promise<void> {
    const records = live.toShow;
    live.toShow = [];
    await this.journalPending(live);
    const ending = live.ending;
    const progress = this.progressOf(live, ending?.summary ?? live.run?.progress() ?? live.lastProgress);
    const update: Events['titles.update'] = ending
      ? {
          runId: live.meta.id,
          state: ending.state,
          records,
          progress,
          ...(ending.summary ? { summary: { ...ending.summary, ...progress } } : {}),
          ...(ending.error !== null ? { error: ending.error } : {}),
        }
      : { runId: live.meta.id, state: live.meta.state === 'paused' ? 'paused' : 'running', records, progress };
    if (ending) {
      // Whoever reads the run on seeing this update finds it saved as it says.
      await live.journal.sync();
      await live.metaWriter.writeLogged('the end', true);
    }
    this.hub.emit('titles.update', update);
  }

  /** The producer's snapshot with the run's own counts (it sees only what it fetched since it attached). */
  private progressOf(live: QueueLive, progress: TitlesProgress): TitlesProgress {
    const total = live.meta.total;
    const left = total - live.done;
    const paused = live.meta.state === 'paused';
    return {
      ...progress,
      total,
      inputDone: true,
      done: live.done,
      failed: live.failed,
      inFlight: paused || live.run === null ? 0 : progress.inFlight,
      etaMs: left === 0 ? 0 : progress.rate > 0 && !paused ? Math.round((left / progress.rate) * 1000) : null,
      paused,
    };
  }

  private async producerEnded(live: QueueLive, run: ClusterTitlesRun, summary: TitlesSummary | null, error: unknown): Promise<void> {
    live.run = null;
    live.controller = null;
    if (summary) live.lastProgress = summary;
    const stopping = live.stopping;
    // Stopped by this process while Redis was away: the producer's connections were cut, which is how it ended.
    if (error !== null && (stopping === 'close' || stopping === 'pause')) error = null;
    if (error !== null) {
      const message = (await asClusterError(error)).message.replace(/^CLUSTER_[A-Z_]+: /, '');
      await this.end(live, { state: 'failed', summary, error: message }, 'interrupted');
    } else if (run.state === 'done') {
      await this.end(live, { state: 'done', summary, error: null }, 'done');
    } else if (stopping === 'cancel' || run.state === 'cancelled') {
      // Cancelled here, or on the queue by someone else (`titlewave runs --cancel`, another app).
      await this.end(live, { state: 'cancelled', summary, error: null }, 'cancelled');
    } else if (stopping === 'pause') {
      // Not an end: the run stays this process's, paused (meta says so already).
      live.ending = { state: 'paused', summary: null, error: null };
      const throttle = live.throttle;
      live.throttle = null;
      await throttle?.finish();
      live.ending = null;
    } else {
      // Stopped with the services: the run goes on on the queue; the next start attaches to it.
      await this.end(live, { state: 'cancelled', summary, error: null }, 'interrupted');
    }
  }

  /** The run ends here (done, cancelled, stopped, failed): last update, meta saved, the run released. */
  private async end(live: QueueLive, ending: Ending, state: RunMeta['state']): Promise<void> {
    live.meta = {
      ...live.meta,
      state,
      owner: null,
      summary: ending.summary ? (this.progressOf(live, ending.summary) as TitlesSummary) : live.meta.summary,
      updatedAt: new Date().toISOString(),
    };
    live.ending = ending;
    const throttle = live.throttle ?? new UpdateThrottle(() => this.flush(live));
    live.throttle = null;
    try {
      await throttle.finish();
    } catch {
      // The journal could not be written: the meta below still says how the run ended.
      await live.metaWriter.writeLogged('the end', true);
    }
    await live.metaWriter.settled();
    await this.disown(live);
    if (!this.closing) this.onHistoryChanged();
  }

  private async disown(live: QueueLive): Promise<void> {
    this.stopWatchingWorkers(live);
    if (this.live.get(live.meta.id) === live) this.live.delete(live.meta.id);
    try {
      await live.journal.close();
    } catch (error) {
      this.log(`could not close the journal of run ${live.meta.id} (its last records may not be on disk): ${errorMessage(error)}`);
    }
    // The run folder is free as soon as its journal is closed; closing the Redis connection can take a while.
    await this.release(live.lock, live.meta.id);
    await live.handle.close().catch(() => undefined);
  }

  /** A lock let go; one that cannot be removed is logged (it would keep the run locked until this process ends). */
  private async release(lock: Lock, id: string): Promise<void> {
    try {
      await lock.release();
    } catch (error) {
      this.log(`could not remove the lock of run ${id} (${lock.path}): ${errorMessage(error)}`);
    }
  }

  private emitWorkers(live: QueueLive): void {
    this.hub.emit('cluster.workers', {
      runId: live.meta.id,
      queue: live.meta.queue.url,
      connection: live.connection,
      paused: live.meta.state === 'paused',
      workers: workerViews(live.workers, live.meta.id),
    });
  }

  private watchWorkersWhilePaused(live: QueueLive): void {
    this.stopWatchingWorkers(live);
    let busy = false;
    const poll = (): void => {
      if (busy) return;
      busy = true;
      withTimeout(live.handle.listWorkers(), 'the worker list')
        .then(
          (workers) => {
            live.workers = workers;
            live.workersAt = Date.now();
            live.connection = 'connected';
          },
          () => {
            live.connection = 'reconnecting';
          },
        )
        .finally(() => {
          busy = false;
          if (live.workersTimer) this.emitWorkers(live);
        });
    };
    live.workersTimer = setInterval(poll, PAUSED_WORKERS_EVERY_MS);
    live.workersTimer.unref();
    poll();
  }

  private stopWatchingWorkers(live: QueueLive): void {
    if (live.workersTimer) clearInterval(live.workersTimer);
    live.workersTimer = null;
  }

  /** Counts and a heartbeat of the runs this process feeds, so other processes see them alive and a kill loses little. */
  private async writeLiveMetas(): Promise<void> {
    const now = Date.now();
    for (const live of this.live.values()) {
      if (!live.run && live.meta.state !== 'paused') continue;
      if (!live.metaWriter.due(now)) continue;
      live.meta = { ...live.meta, updatedAt: new Date(now).toISOString() };
      await live.metaWriter.writeLogged('the progress');
    }
  }
}
