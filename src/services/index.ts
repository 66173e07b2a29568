/**
 * `createServices`: every service command of the IPC contract, implemented once for both hosts (Electron main and
 * browser mode). Titles runs with their history, primes and thumbnails jobs on one lazily started worker pool.
 */
import { hostCommands, parseCommandArgs, type CommandArgs, type CommandResult, type EventName, type Events, type ServiceCommandName } from '../contract.js';
import { EventHub } from './events.js';
import { CpuJobs } from './cpu-jobs.js';
import { PreviewRegistry, type PreviewFile } from './previews.js';
import { TitlesRuns } from './titles-runs.js';
import type { Services, ServicesOptions } from './types.js';

export type { Services, ServicesOptions } from './types.js';
export { defaultDataDir } from './data-dir.js';

type Handlers = { [C in ServiceCommandName]: (args: CommandArgs<C>) => Promise<CommandResult<C>> };

export function createServices(options: ServicesOptions): Services {
  const hub = new EventHub();
  const previews = new PreviewRegistry();
  const titles = new TitlesRuns({ dataDir: options.dataDir, hub, ...(options.host ? { host: options.host } : {}) });
  const cpu = new CpuJobs({ hub, previews, spawnWorker: options.spawnWorker, workers: options.workers, previewUrl: options.previewUrl });
  let closing: Promise<void> | null = null;

  const handlers: Handlers = {
    'titles.start': ([request]) => titles.start(request.text, request.settings, request.name),
    'titles.pause': ([id]) => titles.pause(id),
    'titles.resume': ([id]) => titles.resume(id),
    'titles.cancel': ([id]) => titles.cancel(id),
    'titles.retryFailed': ([id]) => titles.retryFailed(id),
    'history.list': () => titles.list(),
    'history.load': ([id]) => titles.load(id),
    'history.resume': ([id]) => titles.resumeRun(id),
    'history.delete': ([id]) => titles.delete(id),
    'primes.check': ([request]) => cpu.primesCheck(request.text),
    'primes.range': ([request]) => cpu.primesRange(request),
    'thumbs.scan': ([request]) => cpu.thumbsScan(request.paths, request.outDir ?? null),
    'thumbs.start': ([request]) => cpu.thumbsStart(request.paths, request.settings),
    'primes.lastCheck': async () => cpu.last().check,
    'primes.lastRange': async () => cpu.last().range,
    'thumbs.last': async () => cpu.last().thumbs,
    'job.cancel': ([id]) => cpu.cancel(id),
  };

  return {
    invoke<C extends ServiceCommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
      if (closing) return Promise.reject(new Error('Titlewave is shutting down'));
      const handler = handlers[command] as ((args: CommandArgs<C>) => Promise<CommandResult<C>>) | undefined;
      if (!handler || (hostCommands as readonly string[]).includes(command)) return Promise.reject(new Error(`Unknown service command: ${String(command)}`));
      // Hosts validate already; validating here too keeps every path into the services on the contract.
      try {
        return handler(parseCommandArgs(command, args));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
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
      closing ??= Promise.all([titles.close(), cpu.close()]).then(() => undefined);
      return closing;
    },
  };
}
