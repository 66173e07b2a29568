/**
 * The IPC contract: every command the renderer can invoke and every event it can receive, in one map.
 * Electron main, the preload, the browser-mode server and bridge, and the renderer all use it.
 * Argument schemas (zod) are the single source of truth: hosts validate every argument against them,
 * and the argument types are inferred from them.
 */
import { z } from 'zod';
import { errorMessage, RefusalError, TitlewaveError, type RefusalCode } from './errors.js';
import { ENVIRONMENT, proxySettingProblem } from './titles/list-settings.js';
import type { TitleRecord, TitlesProgress, TitlesSummary } from './titles/types.js';
import type { PrimeCheckRecord, RangeProgress, RangeResult } from './primes/types.js';
import type { ThumbRecord, ThumbsProgress } from './thumbs/types.js';
import { isValidRate, titlesLimits, userAgentProblem } from './titles/limits.js';
import { RUN_NAME_MAX, runNameProblem } from './titles/run-name.js';

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/);
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const decimal = z.string().regex(/^\d{1,30}$/);
const path = z.string().min(1).max(4096);
/** A sitemap file picked in the app: at most 64 MiB (the protocol's 50 MB, gzipped or not, with room), as base64. */
export const MAX_SITEMAP_UPLOAD_BYTES = 64 * 1024 * 1024;
const MAX_SITEMAP_UPLOAD_BASE64 = Math.ceil(MAX_SITEMAP_UPLOAD_BYTES / 3) * 4;
/** The most URLs the app takes from sitemaps into its URL list (the CLI streams more). */
export const MAX_APP_SITEMAP_URLS = 1_000_000;

const limit = (bounds: { min: number; max: number }) => int(bounds.min, bounds.max);

/** A run's settings, within src/titles/limits.ts. A blank userAgent means Titlewave's default. */
export const titlesSettingsSchema = z.object({
  concurrency: limit(titlesLimits.concurrency),
  perHost: limit(titlesLimits.perHost),
  timeoutMs: limit(titlesLimits.timeoutMs),
  retries: limit(titlesLimits.retries),
  userAgent: z
    .string()
    .max(titlesLimits.userAgentLength)
    .refine((value) => userAgentProblem(value) === null, { message: 'a User-Agent has no line break or other control character, and no character beyond Latin-1' }),
  // List mode (issue 13). Defaults, so runs journaled before these settings existed still load.
  /** `direct`, `environment` (HTTPS_PROXY etc.), or a proxy URL (http, https, socks5, socks5h). */
  proxy: z
    .string()
    .max(titlesLimits.proxyUrlLength)
    .refine((value) => proxySettingProblem(value) === null, { message: 'not a proxy setting (direct, environment, or an http, https, socks5 or socks5h URL)' })
    .default(ENVIRONMENT),
  robots: z.enum(['respect', 'ignore']).default('ignore'),
  /** Requests per second per host; null: no limit. */
  rate: z
    .number()
    .max(titlesLimits.rateMax)
    .refine(isValidRate, { message: 'a rate is more than 0, a whole number above 1' })
    .nullable()
    .default(null),
  /** Render mode (docs/titles.md): `auto` renders only pages whose static title may not be the real one (an app shell's). */
  render: z.enum(['auto', 'never', 'always']),
  /** Pages rendered at once. */
  renderers: limit(titlesLimits.renderers),
  /** The deadline of one render; then the title at that moment, with RENDER_UNSETTLED. */
  renderTimeoutMs: limit(titlesLimits.renderTimeoutMs),
});
export type TitlesSettings = z.infer<typeof titlesSettingsSchema>;

/**
 * A run's saved setting that is outside today's limits (saved by a Titlewave with looser ones), and the value a
 * resumed or retried run used instead: the page says so.
 */
export interface SettingAdjustment {
  setting: keyof TitlesSettings;
  stored: unknown;
  used: unknown;
}

/** A name the user gives a run: trimmed, not empty, no control characters. */
export const runNameSchema = z
  .string()
  .max(RUN_NAME_MAX * 2)
  .refine((name) => runNameProblem(name) === null, { message: `a run name has 1 to ${RUN_NAME_MAX} characters and no line break or other control character` })
  .transform((name) => name.trim());

export const thumbsSettingsSchema = z.object({
  sizes: z.array(int(1, 4096)).min(1).max(16),
  format: z.enum(['png', 'webp', 'jpeg', 'avif']),
  quality: int(1, 100),
  outDir: path.nullable(),
  pattern: z.string().min(1).max(200),
  mirrorFolders: z.boolean(),
  existing: z.enum(['skip', 'overwrite']),
  keepMetadata: z.boolean(),
});

/** Where a titles run goes: this computer's own engine, or the workers of a Redis queue (docs/cluster.md). */
export const runTargetSchema = z.enum(['local', 'queue']);
export type RunTarget = z.infer<typeof runTargetSchema>;

/** A Redis URL as typed by the user: a secret (it may hold a password); checked by the services, never echoed. */
const redisUrl = z.string().min(1).max(2048);

export const languageSchema = z.enum(['en', 'zh-CN']);
export type Language = z.infer<typeof languageSchema>;

/** Commands: name -> argument schema (a tuple) and result type. */
export const commandArgs = {
  // Host commands: implemented by each host (Electron main, browser-mode bridge/server).
  'app.info': z.tuple([]),
  'app.setLanguage': z.tuple([languageSchema]),
  /** Let the user pick text files of URLs; returns their names and contents. */
  'dialog.openTextFiles': z.tuple([]),
  /** Save text the renderer made (exports) where the user chooses; resolves false when they cancel. */
  'dialog.saveText': z.tuple([z.object({ suggestedName: z.string().min(1).max(255), text: z.string() })]),
  /** Pick files or folders (thumbnail inputs); null when cancelled or not available on this host. */
  'dialog.choosePaths': z.tuple([z.object({ folders: z.boolean() })]),
  /** Pick a folder (thumbnail output) or a file to save to (primes list); null when cancelled or not available. */
  'dialog.chooseFolder': z.tuple([]),
  'dialog.chooseSaveFile': z.tuple([z.object({ suggestedName: z.string().min(1).max(255) })]),
  /** Pick a sitemap file (.xml, .xml.gz, robots.txt, .txt); its bytes as base64, or null when cancelled. */
  'dialog.openSitemapFile': z.tuple([]),
  /** Save bytes the services made (an .xlsx export) where the user chooses; false when they cancel. */
  'dialog.saveBytes': z.tuple([z.object({ suggestedName: z.string().min(1).max(255), base64: z.string().max(400 * 1024 * 1024) })]),
  /** Open an http(s) URL in the system browser. */
  'shell.openExternal': z.tuple([z.string().url().max(8192)]),
  /** Show a folder in the system file manager. */
  'shell.openFolder': z.tuple([path]),

  // Service commands: implemented once in src/services, the same behind both hosts.
  /** `target` 'queue': the run goes to the Redis queue of the saved "Run on" setting (default 'local'). */
  'titles.start': z.tuple([
    z.object({ text: z.string().max(200 * 1024 * 1024), settings: titlesSettingsSchema, name: z.string().max(200).optional(), target: runTargetSchema.optional() }),
  ]),
  'titles.pause': z.tuple([id]),
  'titles.resume': z.tuple([id]),
  'titles.cancel': z.tuple([id]),
  /**
   * Fetch the failed rows of a run again, in the same run (rows are updated in place): failed fetches and transient
   * HTTP statuses (5xx, 429, 408, 425), as src/titles/problems.ts says; not invalid lines, not a 404.
   */
  'titles.retryFailed': z.tuple([id]),
  /** Fetch the given rows (by index) of a run again, whatever they answered: the user asked for these. */
  'titles.retryRows': z.tuple([id, z.object({ indices: z.array(z.number().int().min(0).max(100_000_000)).min(1).max(1_000_000) })]),
  /**
   * Read a sitemap (URL, or a file's bytes) into URL lines for the input, through the settings' proxy and with their
   * user agent: counts and problems come back with the text, for the user to see before starting.
   */
  'titles.expandSitemap': z.tuple([
    z.object({
      url: z.string().max(8192).optional(),
      file: z.object({ name: z.string().min(1).max(255), base64: z.string().max(MAX_SITEMAP_UPLOAD_BASE64) }).optional(),
      settings: titlesSettingsSchema,
    }),
  ]),
  /**
   * A run's records as an .xlsx workbook (base64), the export the app saves with dialog.saveBytes: every row in index
   * order, or (`indices`) those rows in that order (the rows in view).
   */
  'titles.exportXlsx': z.tuple([id, z.object({ indices: z.array(z.number().int().min(0).max(100_000_000)).max(1_000_000).nullable() })]),
  'history.list': z.tuple([]),
  'history.load': z.tuple([id]),
  /** Continue a run that was interrupted (crash, kill, cancel): fetch only the URLs without a record. */
  'history.resume': z.tuple([id]),
  'history.delete': z.tuple([id]),
  /** Give a run another name (kept in its meta.json). */
  'history.rename': z.tuple([id, runNameSchema]),
  'primes.check': z.tuple([z.object({ text: z.string().max(10 * 1024 * 1024) })]),
  /**
   * List mode writes every prime to `output` when given. An existing output file with content is refused before any
   * work (error code OUTPUT_EXISTS) unless `overwrite` is true: the user said yes to replacing it; so is an output
   * whose disk cannot hold the estimated list (NO_SPACE, the message as src/primes/estimate.ts describeNoSpace words it).
   */
  'primes.range': z.tuple([
    z.object({ from: decimal, to: decimal, mode: z.enum(['count', 'list']), output: path.nullable(), overwrite: z.boolean().optional(), workers: int(1, 256).optional() }),
  ]),
  /** `outDir`: the output folder setting (null: beside the inputs); met inside an input folder, it is not walked. */
  'thumbs.scan': z.tuple([z.object({ paths: z.array(path).min(1).max(10_000), outDir: path.nullable().optional() })]),
  'thumbs.start': z.tuple([z.object({ paths: z.array(path).min(1).max(10_000), settings: thumbsSettingsSchema })]),
  /**
   * One folder of the machine the services run on (null: the home folder), with its subfolders and their images
   * counted: browser mode's folder picker. Refused for a path outside the home folder once symlinks are resolved.
   */
  'thumbs.browse': z.tuple([z.object({ path: path.nullable() })]),
  /**
   * The latest job of each kind as the services last announced it (running or ended), so a reloaded or reconnected
   * page shows what it showed; null when there was none since the services started.
   */
  'primes.lastCheck': z.tuple([]),
  'primes.lastRange': z.tuple([]),
  'thumbs.last': z.tuple([]),
  /** Cancel a primes or thumbnails job. */
  'job.cancel': z.tuple([id]),
  /** The "Run on" setting, with the Redis URL shown without its password. */
  'cluster.settings': z.tuple([]),
  /** Save "Run on"; `url`: a new Redis URL (checked, not connected), null to forget it, absent to keep the saved one. */
  'cluster.setSettings': z.tuple([z.object({ runOn: runTargetSchema, url: redisUrl.nullable().optional() })]),
  /** Connect to a Redis (the given URL, or the saved one) and check it as a run would; never throws for a bad Redis. */
  'cluster.test': z.tuple([z.object({ url: redisUrl.optional() })]),
} as const;

export interface AppInfo {
  version: string;
  platform: string;
  /** Language the UI should use now (OS language unless the user chose one). */
  language: Language;
  /** True when the host can show native open/save dialogs and give dropped files' paths. */
  nativeDialogs: boolean;
  cpus: number;
  /** Default thumbnail output root and primes list file suggestions live beside the user's inputs; this is the home folder. */
  homeDir: string;
}

export interface RunSummary {
  id: string;
  name: string;
  createdAt: string;
  total: number;
  done: number;
  failed: number;
  /**
   * 'running' | 'paused': going in this process. 'elsewhere': going in another Titlewave window or process (which
   * holds the run folder's lock; only it can pause, cancel or resume it). 'interrupted': left unfinished by a process
   * that ended before the run did (a crash, a kill, a stop), resumable.
   */
  state: 'running' | 'paused' | 'done' | 'cancelled' | 'interrupted' | 'elsewhere';
  settings: TitlesSettings;
  /**
   * How long the run has worked, over all its jobs and without their pauses (for a run going here, as of now): a
   * reopened, paused or finished run shows it. Absent when not known (a run interrupted before a job of it ended).
   */
  elapsedMs?: number;
  /** A run on a Redis queue: the queue's URL without its password (`redis://:***@host:6379/0`). */
  queue?: string;
}

/** The "Run on" setting as the page sees it: the Redis URL only ever without its password. */
export interface ClusterSettings {
  runOn: RunTarget;
  /** The saved Redis URL, password replaced by ***; null when none is saved. */
  url: string | null;
}

/** Why a Redis cannot take runs (src/cluster/errors.ts), for a message in the user's language. */
export const clusterFailureCodes = ['BAD_URL', 'UNREACHABLE', 'AUTH', 'TLS', 'EVICTION', 'SCHEMA', 'NO_RUN', 'RUN_ENDED', 'REDIS', 'NO_PASSWORD', 'NOT_SET'] as const;
export type ClusterFailureCode = (typeof clusterFailureCodes)[number];

/** A `titlewave worker` connected to the queue, as it last reported itself. Names come from other machines: text. */
export interface ClusterWorkerView {
  name: string;
  host: string;
  version: string;
  /** False for a worker of another job schema (another Titlewave version): it takes none of this app's jobs. */
  compatible: boolean;
  schema: number;
  /** Requests (and sieve tasks) in flight now, and jobs (chunks of URLs) held. */
  inFlight: number;
  jobs: number;
  /** Results committed since it started, and per second lately. */
  done: number;
  rate: number;
  /** How long ago it last reported, by the services' clock when the list was read. */
  seenMsAgo: number;
  /** Whether it holds jobs of the run this list is about. */
  onThisRun: boolean;
}

export type ClusterTestResult =
  | { ok: true; url: string; redisVersion: string; workers: ClusterWorkerView[] }
  | { ok: false; code: ClusterFailureCode; message: string };

/** What a sitemap gave: its URLs as input lines, and what the user should know before starting. */
export interface SitemapExpansion {
  /** One URL per line. */
  text: string;
  urls: number;
  /** Sitemap files read to their end (an index and its sitemaps, or robots.txt's). */
  sitemaps: number;
  /** Files that could not be read, or caps reached (the first 100). */
  problems: { sitemap: string; message: string }[];
  /** More problems than those listed. */
  moreProblems: number;
}

export interface ThumbsScanResult {
  images: string[];
  skipped: { path: string; reason: string }[];
  /** Root folder each image was found under (for mirroring), by position in `images`; null for a file given directly. */
  roots: (string | null)[];
  /**
   * Each given path, in the order given, resolved: how many images were found through it, and why it gave none when
   * the path itself was left out (a skip reason: not found, permission denied, not an image, already included, …).
   */
  given: { path: string; images: number; problem: string | null }[];
}

/** A folder as `thumbs.browse` lists it. */
export interface FolderListing {
  /** The folder's real path (inside `home`). */
  path: string;
  /** The home folder (real path): nothing above it is listed. */
  home: string;
  /** The folder above, or null at the home folder. */
  parent: string | null;
  /** Images directly in the folder (by their names). */
  images: number;
  /**
   * Its subfolders in name order (hidden ones left out), each with the images directly in it and its own subfolders;
   * null when not counted (a folder of very many subfolders), `more` when there are more than were counted.
   */
  folders: { name: string; path: string; images: number | null; folders: number | null; more: boolean }[];
  /** More subfolders than were listed. */
  truncated: boolean;
}

/**
 * The latest primes check: its last update with every record announced so far in `records` (the first
 * LAST_CHECK_RECORDS of them: `truncated` says when there were more) and the counts of all of them.
 */
export type LastCheck = Events['primes.checkUpdate'] & { counts: CheckCounts; truncated: boolean };

/** A check's records by verdict: 0 and 1 count as `neither` (neither prime nor composite). */
export interface CheckCounts {
  prime: number;
  composite: number;
  neither: number;
  errors: number;
}

/** The latest range job: what was asked, and its last update with every listed prime announced so far. */
export interface LastRange {
  request: { from: string; to: string; mode: 'count' | 'list'; output: string | null; workers: number | null };
  update: Events['primes.rangeUpdate'];
}

/** The latest thumbnails job: what was asked, and its last update with the records announced so far. */
export interface LastThumbs {
  request: { paths: string[]; settings: z.infer<typeof thumbsSettingsSchema> };
  /** `records`: the first LAST_THUMBS_RECORDS made and the first LAST_THUMBS_RECORDS failed (`truncated` when more). */
  update: Events['thumbs.update'];
  truncated: boolean;
}

/** How many records of the latest job the services keep for a reloaded page (the counts always cover every one). */
export const LAST_CHECK_RECORDS = 200_000;
export const LAST_THUMBS_RECORDS = 20_000;

/** Result types of each command. */
export interface CommandResults {
  'app.info': AppInfo;
  'app.setLanguage': void;
  'dialog.openTextFiles': { name: string; text: string }[] | null;
  'dialog.saveText': boolean;
  'dialog.choosePaths': string[] | null;
  'dialog.chooseFolder': string | null;
  'dialog.chooseSaveFile': string | null;
  'dialog.openSitemapFile': { name: string; base64: string } | null;
  'dialog.saveBytes': boolean;
  'shell.openExternal': void;
  'shell.openFolder': void;
  /** `queue`: the run's queue URL without its password, for a run on a queue. */
  'titles.start': { runId: string; queue?: string };
  'titles.pause': void;
  'titles.resume': void;
  'titles.cancel': void;
  /** `adjusted`: saved settings outside today's limits, and what the retry used instead (none, usually). */
  'titles.retryFailed': { runId: string; count: number; adjusted: SettingAdjustment[] };
  /** The chosen rows again; `adjusted` as for retryFailed. */
  'titles.retryRows': { runId: string; count: number; adjusted: SettingAdjustment[] };
  'titles.expandSitemap': SitemapExpansion;
  'titles.exportXlsx': { base64: string; rows: number };
  'history.list': RunSummary[];
  'history.load': { run: RunSummary; records: TitleRecord[]; urls: string[] };
  /** `adjusted`: saved settings outside today's limits, and what the resumed run uses instead (none, usually). */
  'history.resume': { runId: string; adjusted: SettingAdjustment[] };
  'history.delete': void;
  'history.rename': void;
  'primes.check': { jobId: string };
  'primes.range': { jobId: string };
  'thumbs.scan': ThumbsScanResult;
  'thumbs.start': { jobId: string };
  'thumbs.browse': FolderListing;
  'primes.lastCheck': LastCheck | null;
  'primes.lastRange': LastRange | null;
  'thumbs.last': LastThumbs | null;
  'job.cancel': void;
  'cluster.settings': ClusterSettings;
  'cluster.setSettings': ClusterSettings;
  'cluster.test': ClusterTestResult;
}

export type CommandName = keyof typeof commandArgs;
export type CommandArgs<C extends CommandName> = z.infer<(typeof commandArgs)[C]>;
export type CommandResult<C extends CommandName> = CommandResults[C];

/** Commands a host implements itself; the rest are the shared services'. */
export const hostCommands = [
  'app.info',
  'app.setLanguage',
  'dialog.openTextFiles',
  'dialog.saveText',
  'dialog.choosePaths',
  'dialog.chooseFolder',
  'dialog.chooseSaveFile',
  'dialog.openSitemapFile',
  'dialog.saveBytes',
  'shell.openExternal',
  'shell.openFolder',
] as const satisfies readonly CommandName[];
export type HostCommandName = (typeof hostCommands)[number];
export type ServiceCommandName = Exclude<CommandName, HostCommandName>;

/** True for a command each host implements itself (the one list every host and the services go by). */
export function isHostCommand(command: string): command is HostCommandName {
  return (hostCommands as readonly string[]).includes(command);
}

export type JobState = 'running' | 'paused' | 'done' | 'cancelled' | 'failed';

/** Events: name -> payload. Records and progress arrive in batches, at most about 10 a second per job. */
export interface Events {
  /** `error`: why a run on a queue stopped (state 'failed'; it stays resumable). */
  'titles.update': { runId: string; state: JobState; records: TitleRecord[]; progress: TitlesProgress; summary?: TitlesSummary; error?: string };
  /** `seq`: the update's number within its job (1, 2, …), so a page that fetched a job's last state skips older ones. */
  'primes.checkUpdate': { jobId: string; seq: number; state: JobState; records: PrimeCheckRecord[]; done: number; total: number; elapsedMs: number };
  'primes.rangeUpdate': {
    jobId: string;
    seq: number;
    state: JobState;
    progress: RangeProgress;
    /** List mode: primes found since the last update, for the UI (capped; the file gets all of them). */
    primes: string[];
    result?: RangeResult;
    error?: string;
  };
  'thumbs.update': {
    jobId: string;
    seq: number;
    state: JobState;
    records: ThumbRecord[];
    progress: ThumbsProgress;
    outDir: string | null;
    /** Why the job failed as a whole (state 'failed'); per-file errors are in the records. */
    error?: string;
  };
  'history.changed': { runs: RunSummary[] };
  /**
   * The workers of the queue a live run is on, about once a second; `connection` 'reconnecting' while the services
   * have lost Redis (they reconnect by themselves). `queue`: the URL without its password.
   */
  'cluster.workers': { runId: string; queue: string; connection: 'connected' | 'reconnecting'; paused: boolean; workers: ClusterWorkerView[] };
  /** Application menu and shortcuts handled by the host. */
  'menu.command': { command: MenuCommand };
  'app.languageChanged': { language: Language };
  /**
   * Browser mode only, sent by the page's bridge itself (never by the services, never in the desktop app): the
   * connection to `titlewave serve` was lost (the bridge reconnects with a backoff), is back, or cannot come back
   * because the server now has another address (restarted with another data folder or `--new-address`). A listener
   * that subscribes while the connection is down is told the current state at once.
   */
  'app.connection': { state: ConnectionState };
}
export type EventName = keyof Events;

export type ConnectionState = 'connected' | 'lost' | 'replaced';

export type MenuCommand = 'open' | 'export-csv' | 'export-json' | 'export-jsonl' | 'export-xlsx' | 'start' | 'cancel' | 'tab-titles' | 'tab-primes' | 'tab-thumbs';

export const commandNames = Object.keys(commandArgs) as CommandName[];
/**
 * Every event, as an object keyed by EventName so that an event added to `Events` and not here (or listed here and
 * not in `Events`) fails to compile: hosts subscribe to exactly these.
 */
const eventKeys: { readonly [E in EventName]: true } = {
  'titles.update': true,
  'primes.checkUpdate': true,
  'primes.rangeUpdate': true,
  'thumbs.update': true,
  'history.changed': true,
  'cluster.workers': true,
  'menu.command': true,
  'app.languageChanged': true,
  'app.connection': true,
};
export const eventNames = Object.freeze(Object.keys(eventKeys) as EventName[]);

/** What the renderer sees as `window.api`, whichever host is behind it. */
export interface Api {
  invoke<C extends CommandName>(command: C, ...args: CommandArgs<C>): Promise<CommandResult<C>>;
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** The filesystem path of a dropped File, or null where the host cannot know it (browser mode). */
  pathForFile(file: unknown): string | null;
}

/** Validate a command's arguments; throws a readable error naming the command. */
export function parseCommandArgs<C extends CommandName>(command: C, args: unknown): CommandArgs<C> {
  if (!isCommandName(command)) throw new RefusalError('UNKNOWN_COMMAND', `Unknown command: ${String(command)}`);
  const result = commandArgs[command].safeParse(args);
  if (!result.success) {
    throw new RefusalError('INVALID_ARGUMENTS', `Invalid arguments for ${command}: ${result.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}`);
  }
  return result.data as CommandArgs<C>;
}

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandArgs, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(eventKeys, name);
}

/**
 * Codes of command refusals the renderer answers instead of showing (OUTPUT_EXISTS: ask, then run again with
 * `overwrite`). Only an error's message crosses both hosts (Electron's contextBridge drops its other properties), so
 * the code leads the message, as in Node's "ENOENT: ...".
 */
export const commandErrorCodes = ['OUTPUT_EXISTS', 'NO_SPACE'] as const satisfies readonly RefusalCode[];
export type CommandErrorCode = (typeof commandErrorCodes)[number];

/** The error a service command rejects with for a refusal the renderer answers: its code leads its message too. */
export function commandError(code: CommandErrorCode, message: string): RefusalError {
  return new RefusalError(code, `${code}: ${message}`);
}

/**
 * A refusal by a Redis queue (unreachable, wrong password, eviction, another Titlewave version…): the message is the
 * cluster's one line, which never holds a password, behind `CLUSTER_<code>: ` so the page can say what it is in its
 * own language.
 */
export function clusterError(code: ClusterFailureCode, message: string): TitlewaveError<`CLUSTER_${ClusterFailureCode}`> {
  return new TitlewaveError(`CLUSTER_${code}`, `CLUSTER_${code}: ${message}`);
}

/** Why `thumbs.browse` refused a folder: not there, not readable, outside the home folder, not a folder. */
export const browseFailureCodes = ['NOT_FOUND', 'NOT_READABLE', 'OUTSIDE_HOME', 'NOT_A_FOLDER'] as const;
export type BrowseFailureCode = (typeof browseFailureCodes)[number];

/** A refusal of `thumbs.browse`: `BROWSE_<code>: ` leads its message, so the page can say it in its own language. */
export function browseError(code: BrowseFailureCode, message: string): TitlewaveError<`BROWSE_${BrowseFailureCode}`> {
  return new TitlewaveError(`BROWSE_${code}`, `BROWSE_${code}: ${message}`);
}

/** The code and message of a rejection made by browseError, or null for any other error. */
export function browseErrorOf(error: unknown): { code: BrowseFailureCode; message: string } | null {
  const text = error instanceof Error || typeof error === 'string' ? errorMessage(error) : '';
  const match = /^(?:Error: )?BROWSE_([A-Z_]+): (.*)$/s.exec(text);
  if (!match || !(browseFailureCodes as readonly string[]).includes(match[1] ?? '')) return null;
  return { code: match[1] as BrowseFailureCode, message: match[2] ?? '' };
}

/** The code and line of a rejection made by clusterError, or null for any other error. */
export function clusterErrorOf(error: unknown): { code: ClusterFailureCode; message: string } | null {
  const text = error instanceof Error || typeof error === 'string' ? errorMessage(error) : '';
  const match = /^(?:Error: )?CLUSTER_([A-Z_]+): (.*)$/s.exec(text);
  if (!match || !(clusterFailureCodes as readonly string[]).includes(match[1] ?? '')) return null;
  return { code: match[1] as ClusterFailureCode, message: match[2] ?? '' };
}

/**
 * The code of a command's rejection made by commandError, or null for any other error. On this side of a host the
 * error still has its `code`; across one (IPC, the WebSocket) only its message arrives, which the code leads.
 */
export function commandErrorCode(error: unknown): CommandErrorCode | null {
  if (error instanceof TitlewaveError && (commandErrorCodes as readonly string[]).includes(error.code)) return error.code as CommandErrorCode;
  const message = error instanceof Error || typeof error === 'string' ? errorMessage(error) : '';
  const code = /^(?:Error: )?([A-Z_]+): /.exec(message)?.[1];
  return (commandErrorCodes as readonly string[]).includes(code ?? '') ? (code as CommandErrorCode) : null;
}
