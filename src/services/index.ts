/**
 * `createServices`: every service command of the IPC contract, implemented once for both hosts (Electron main and
 * browser mode). Titles runs with their history (local ones, and runs on a Redis queue: queue-runs.ts), primes and
 * thumbnails jobs on one lazily started worker pool.
 */
import { isHostCommand, parseCommandArgs, type CommandArgs, type CommandResult, type EventName, type Events, type ServiceCommandName } from '../contract.js';
import { homedir } from 'node:os';
import { listFolder } from '../thumbs/browse.js';
import { EventHub } from './events.js';
import { expandSitemapForApp } from './list-mode.js';
import { CpuJobs } from './cpu-jobs.js';
import { PreviewRegistry, type PreviewFile } from './previews.js';
import { QueueRuns } from './queue-runs.js';
import { pageRendererSource } from './page-renderer.js';
import { stderrLog } from './run-meta.js';
import { TitlesRuns } from './titles-runs.js';
import type { Services, ServicesOptions } from './types.js';
import { RefusalError, toError } from '../errors.js';

export type { Services, ServicesOptions } from './types.js';
export { defaultDataDir } from './data-dir.js';

type Handlers = { [C in ServiceCommandName]: (args: CommandArgs<C>) => Promise<CommandResult<C>> };

export function createServices(options: ServicesOptions): Services {
  const hub = new EventHub();
  const previews = new PreviewRegistry();
  // The local runs' events go on as they are, except their history list: it is announced with the queue runs in it.
  const titlesHub = new EventHub();
  const titles = new TitlesRuns({
    dataDir: options.dataDir,
    hub: titlesHub,
    renderer: pageRendererSource(options.createPageRenderer, options.log ?? stderrLog),
    ...(options.host ? { host: options.host } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const queue = new QueueRuns({
    dataDir: options.dataDir,
    hub,
    session: titles.session,
    onHistoryChanged: () => historyChanged(),
    ...(options.host ? { host: options.host } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const cpu = new CpuJobs({ hub, previews, spawnWorker: options.spawnWorker, workers: options.workers, previewUrl: options.previewUrl });
  let closing: Promise<void> | null = null;

  /** One history of both kinds of run: the journals of the data folder, with the queue runs' state as they are here. */
  const listHistory = async () => queue.decorate(await titles.list());
  let historyTimer: NodeJS.Timeout | null = null;
  const historyChanged = (): void => {
    if (historyTimer || closing) return;
    historyTimer = setTimeout(() => {
      historyTimer = null;
      listHistory().then(
        (runs) => hub.emit('history.changed', { runs }),
        () => undefined,
      );
    }, 20);
  };
  titlesHub.on('titles.update', (update) => hub.emit('titles.update', update));
  titlesHub.on('history.changed', historyChanged);
  /** A command on a run goes to whoever runs it: the queue runs for a run on a queue, the local runs otherwise. */
  const byRun = async <T>(id: string, onQueue: () => Promise<T>, local: () => Promise<T>): Promise<T> => ((await queue.isQueueRun(id)) ? onQueue() : local());
  // Runs on a queue that were going when these services last stopped: attach to them again.
  void queue.attachAll();

  const handlers: Handlers = {
    'titles.start': ([request]) => (request.target === 'queue' ? queue.start(request.text, request.settings, request.name) : titles.start(request.text, request.settings, request.name)),
    'titles.pause': ([id]) => byRun(id, () => queue.pause(id), () => titles.pause(id)),
    'titles.resume': ([id]) => byRun(id, () => queue.resume(id), () => titles.resume(id)),
    'titles.cancel': ([id]) => byRun(id, () => queue.cancel(id), () => titles.cancel(id)),
    'titles.retryFailed': ([id]) => byRun(id, () => queue.retryFailed(id), () => titles.retryFailed(id)),
    'titles.retryRows': ([id, { indices }]) => byRun(id, () => queue.retryRows(id, indices), () => titles.retryRows(id, indices)),
    'titles.expandSitemap': ([request]) => expandSitemapForApp(request),
    // A run on a queue is journaled in the same runs folder: its workbook comes from the same records.
    'titles.exportXlsx': ([id, { indices }]) => titles.exportXlsx(id, indices),
    'history.list': () => listHistory(),
    'history.load': async ([id]) => {
      const loaded = await titles.load(id);
      const [run] = queue.decorate([loaded.run]);
      return { ...loaded, run: run ?? loaded.run };
    },
    'history.resume': ([id]) => byRun(id, () => queue.resumeRun(id), () => titles.resumeRun(id)),
    'history.delete': ([id]) => byRun(id, () => queue.delete(id), () => titles.delete(id)),
    'history.rename': ([id, name]) => byRun(id, () => queue.rename(id, name), () => titles.rename(id, name)),
    'primes.check': ([request]) => cpu.primesCheck(request.text),
    'primes.range': ([request]) => cpu.primesRange(request),
    'thumbs.scan': ([request]) => cpu.thumbsScan(request.paths, request.outDir ?? null),
    'thumbs.start': ([request]) => cpu.thumbsStart(request.paths, request.settings),
    'thumbs.browse': ([request]) => listFolder(request.path, { home: options.homeDir ?? homedir() }),
    'primes.lastCheck': async () => cpu.last().check,
    'primes.lastRange': async () => cpu.last().range,
    'thumbs.last': async () => cpu.last().thumbs,
    'job.cancel': ([id]) => cpu.cancel(id),
    'cluster.settings': () => queue.settings.view(),
    'cluster.setSettings': ([request]) => queue.saveSettings(request.runOn, request.url),
    'cluster.test': ([request]) => queue.test(request.url),
  };

  return {
    invoke<C extends ServiceCommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
      if (closing) return Promise.reject(new RefusalError('SHUTTING_DOWN', 'Titlewave is shutting down'));
      const handler = handlers[command] as ((args: CommandArgs<C>) => Promise<CommandResult<C>>) | undefined;
      if (!handler || isHostCommand(command)) return Promise.reject(new RefusalError('UNKNOWN_COMMAND', `Unknown service command: ${String(command)}`));
      // Hosts validate already; validating here too keeps every path into the services on the contract.
      try {
        return handler(parseCommandArgs(command, args));
      } catch (error) {
        return Promise.reject(toError(error));
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return hub.on(event, listener);
    },
    resolvePreview(token: string): string | null {
      return previews.resolve(token);
    },
    previewFile(token: string): PreviewFile | null {
      return previews.file(token);
    },
    close(): Promise<void> {
      if (historyTimer) clearTimeout(historyTimer);
      closing ??= Promise.all([titles.close(), queue.close(), cpu.close()]).then(() => undefined);
      return closing;
    },
  };
}
