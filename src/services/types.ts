/** The services behind both hosts (Electron main and browser mode): one implementation of every service command. */
import type { CommandArgs, CommandResult, EventName, Events, ServiceCommandName } from '../contract.js';
import type { PageRenderer } from '../titles/render/renderer.js';
import type { WorkerSpawner } from '../workers/types.js';
import type { PreviewFile } from './previews.js';

export interface ServicesOptions {
  /** Where run history (journals) lives: Electron's userData, or ~/.local/share/titlewave for browser mode. */
  dataDir: string;
  /** Who runs these services, as another process's refusal to touch a run names it ("titlewave serve"). */
  host?: string;
  /**
   * Where the services tell what went wrong with no command waiting to hear it (a run's meta.json that could not be
   * saved, a lock that could not be removed): one line each. Stderr by default.
   */
  log?: (message: string) => void;
  /** How worker processes start on this host (child_process.fork by default). */
  spawnWorker?: WorkerSpawner;
  workers?: number;
  /**
   * The URL under which the host serves a thumbnail preview, given an opaque token the services issued.
   * Hosts resolve the token back with `resolvePreview`; no path ever travels in a URL.
   */
  previewUrl?: (token: string) => string;
  /** The folder `thumbs.browse` keeps to (default: the user's home folder). */
  homeDir?: string;
  /**
   * Render mode's browser engine, made the first time a run needs a render and closed when that run ends: the
   * desktop app passes its hidden windows (electron/page-renderer.ts). Absent (browser mode), the services drive an
   * installed Chromium or Chrome with playwright-core (TITLEWAVE_BROWSER, then the usual paths).
   */
  createPageRenderer?: (options: { renderers: number }) => PageRenderer;
}

export interface Services {
  invoke<C extends ServiceCommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** The output file behind a preview token, or null when the token is unknown or its path names another file now. */
  resolvePreview(token: string): string | null;
  /** The same, with the file's identity (device, inode), for hosts that open it and check they got that file. */
  previewFile(token: string): PreviewFile | null;
  close(): Promise<void>;
}
