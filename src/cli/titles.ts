/** `titlewave titles [FILE...]`: page titles of URL lists, records on stdout (or a file), progress on stderr. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { holdOutputLock } from './output-lock.js';
import { newProgram, runProgram } from './run.js';
import { sanitizeForTerminal } from './sanitize.js';
import { entriesOf, fingerprint, InputTooLargeError, prepareInputs, readWhole, sourceLines, STANDARD_INPUT, type InputSource } from './titles-input.js';
import { compareInputBytes, describeRun, EntryDigest, readRunRecord, recordsJournalPathFor, RunRecordError, runRecordPathFor, sitemapListPathFor, writeRunRecord, type TitlesRunRecord } from './titles-sidecar.js';
import { prepareSitemaps, SitemapArgError, type SitemapArgs } from './titles-sitemaps.js';
import { LockedError } from '../fs/lock.js';
import { assertNotAnInput, checkOutputFile, PathProblem } from '../fs/paths.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { cliTitlesLimits, isValidRate, userAgentProblem, type Limit } from '../titles/limits.js';
import { DIRECT, ENVIRONMENT, environmentProxyProblem, proxySettingProblem } from '../titles/list-settings.js';
import { browserCandidates, BrowserNotFoundError, findBrowser, installHint, type FoundBrowser } from '../titles/render/browser-path.js';
import { DEFAULT_RENDER_TIMEOUT_MS, DEFAULT_RENDERERS, RENDER_MODES, type RenderMode } from '../titles/render/renderer.js';
import { keepOnly, OutputNotResumableError, readExistingOutput, RecordEncoder, recordKey, type ExistingOutput, type RecordFormat } from '../titles/output.js';
import { TextEncodingError } from '../titles/text-encoding.js';
import type { TitlesJob, TitlesJobInit } from '../titles/engine.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from '../titles/types.js';
import { toError } from '../errors.js';

/** Where the command reads and writes; the process's own streams unless a test gives others. */
export interface TitlesIo {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

interface TitlesFlags {
  concurrency: number;
  perHost: number;
  timeout: number;
  retries: number;
  userAgent: string;
  header?: [string, string][];
  format?: OutputFormat;
  output?: string;
  resume?: boolean;
  force?: boolean;
  /** Run on the workers of this Redis queue (src/cluster/) instead of in this process. */
  redis?: string;
  /** Sitemaps (URLs or files) whose URLs are input too, after the files. */
  sitemap?: string[];
  /** A proxy URL; false: --no-proxy (direct, whatever the environment says); unset: the environment's. */
  proxy?: string | false;
  robots: 'respect' | 'ignore';
  /** Requests per second per host. */
  rate?: number;
  /** Render mode (default auto); undefined when not given. */
  render?: RenderMode;
  renderers: number;
  renderTimeout: number;
  browser?: string;
}

type OutputFormat = RecordFormat | 'text' | 'xlsx';

const integer = ({ min, max }: Limit) => (value: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  const number = Number(value);
  if (number < min || number > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return number;
};

const seconds = ({ min, max }: Limit) => (value: string): number => {
  const number = Number(value);
  const ms = Math.round(number * 1000);
  if (value.trim() === '' || !Number.isFinite(number) || ms < min || ms > max) throw new InvalidArgumentError(`expected seconds, from ${min / 1000} to ${max / 1000} (e.g. 15 or 2.5).`);
  return number;
};

const rate = (value: string): number => {
  const number = Number(value);
  const problem = `expected requests per second per host: a whole number from 1 to ${cliTitlesLimits.rateMax}, or a fraction below 1 (0.5 = one every 2 s).`;
  if (value.trim() === '' || !isValidRate(number)) throw new InvalidArgumentError(problem);
  return number;
};

const sitemapArg = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

// Headers undici refuses to send on a request (or that would break it: a GET has no body); refused at parse time
// rather than failing every URL three times.
const headersNotAllowed = new Set(['connection', 'content-length', 'expect', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** Node's own checks of a header name (a token) and value (no CR, LF, NUL or other control characters but tab). */
function headerProblem(name: string, value: string): string | null {
  try {
    validateHeaderName(name);
  } catch {
    return `"${name}" is not a valid header name`;
  }
  if (headersNotAllowed.has(name.toLowerCase())) return `the ${name} header cannot be set on these requests`;
  try {
    validateHeaderValue(name, value);
  } catch {
    return 'the value holds a line break or another control character, or a character beyond Latin-1';
  }
  return null;
}

const header = (value: string, previous: [string, string][] | undefined): [string, string][] => {
  const match = /^([^:]*):[ \t]*(.*?)[ \t]*$/s.exec(value);
  if (match === null) throw new InvalidArgumentError('expected "Name: value".');
  const [name, text] = [match[1] as string, match[2] as string];
  const problem = headerProblem(name, text);
  if (problem !== null) throw new InvalidArgumentError(`expected "Name: value": ${problem}.`);
  return [...(previous ?? []), [name, text]];
};

// The app's rule (src/titles/limits.ts), and an empty flag is refused: leaving -A out is how to get the default.
const userAgent = (value: string): string => {
  if (value.trim() === '' || userAgentProblem(value) !== null) {
    throw new InvalidArgumentError(`expected text of at most ${cliTitlesLimits.userAgentLength} characters without line breaks or other control characters (Latin-1 at most).`);
  }
  return value;
};

function formatFromPath(path: string): RecordFormat | 'xlsx' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** One readable line per record for a terminal; text from pages and the input goes through sanitizeForTerminal. */
function textLine(record: TitleRecord): string {
  const where = sanitizeForTerminal(record.url);
  if (record.error !== null) return `ERR ${record.error.code}  ${where}  (${sanitizeForTerminal(record.error.message)})\n`;
  const title = record.title === null ? '(no title)' : sanitizeForTerminal(record.title);
  const moved = record.finalUrl !== null && record.redirects.length > 0 ? `  -> ${sanitizeForTerminal(record.finalUrl)}` : '';
  const rendered = record.rendered ? `  (rendered${record.warning !== null ? `, ${record.warning.code}` : ''})` : record.warning !== null ? `  (${record.warning.code})` : '';
  return `${record.status ?? '---'}  ${title}  ${where}${moved}${rendered}\n`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function progressLine(p: TitlesProgress): string {
  const total = p.inputDone ? String(p.total) : `${p.total}+`;
  const percent = p.inputDone && p.total > 0 ? ` (${Math.floor((p.done / p.total) * 100)}%)` : '';
  const eta = p.etaMs === null ? '' : ` · ETA ${duration(p.etaMs)}`;
  return `titles: ${p.done}/${total}${percent} · ${p.rate.toFixed(0)}/s${eta} · ${p.failed} errors · ${p.inFlight} in flight${p.paused ? ' · waiting for output' : ''}`;
}

function summaryLine(s: TitlesSummary, skipped: number, sitemapProblems = 0): string {
  const seconds = s.elapsedMs / 1000;
  const fetched = s.done - skipped;
  const parts = [
    `${s.cancelled ? 'cancelled after' : 'done:'} ${fetched} record${fetched === 1 ? '' : 's'}`,
    `${s.failed} with errors`,
    `${s.duplicates} duplicate line${s.duplicates === 1 ? '' : 's'}`,
  ];
  if (skipped > 0) parts.push(`${skipped} already in the output`);
  if (sitemapProblems > 0) parts.push(`${sitemapProblems} sitemap problem${sitemapProblems === 1 ? '' : 's'}`);
  const rate = seconds > 0 ? fetched / seconds : 0;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  return `titles: ${parts.join(', ')} in ${duration(s.elapsedMs)} (${rate.toFixed(0)}/s); event-loop delay p99 ${s.eventLoopDelayP99Ms.toFixed(1)} ms; peak RSS ${rssMiB.toFixed(0)} MiB\n`;
}

function write(stream: Writable, text: string): boolean {
  return text === '' ? true : stream.write(text);
}

/**
 * How long a record may wait for others to share its write. A write to a file goes through libuv's thread pool (two
 * thread wake-ups); once per event-loop turn, as before, that was some 3,000 writes on the latency-bound bench run
 * (5,000 URLs, answers spread over 5 s), 9,800 futex calls against 2,800 now, and 0.15-0.2 s of its 2.2 s of CPU.
 */
const RECORD_FLUSH_MS = 50;

/** Standard input read whole to resume from it is capped: a bigger list should be given as a file. */
const MAX_REPLAY_BYTES = 512 * 2 ** 20;

async function runTitles(files: string[], flags: TitlesFlags, command: Command, io: TitlesIo): Promise<void> {
  const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2, code: 'titlewave.usage' });
  /** Refusals made before any work (paths, encodings, locks, outputs that are not ours) are usage errors: exit 2. */
  const refusing = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      if (
        error instanceof PathProblem ||
        error instanceof TextEncodingError ||
        error instanceof LockedError ||
        error instanceof OutputNotResumableError ||
        error instanceof RunRecordError ||
        error instanceof InputTooLargeError ||
        error instanceof SitemapArgError
      ) {
        return usage(error.message);
      }
      throw error;
    }
  };
  if (flags.resume === true && flags.output === undefined) usage('--resume needs --output FILE (the run to continue)');
  if (flags.resume === true && flags.force === true) usage('--resume and --force contradict each other');
  const format: OutputFormat = flags.format ?? (flags.output !== undefined ? formatFromPath(flags.output) : io.stdout.isTTY === true ? 'text' : 'jsonl');
  if (format === 'text' && flags.output !== undefined) usage('--format text is for terminals; use jsonl, csv, json or xlsx with --output');
  if (format === 'xlsx' && flags.output === undefined && io.stdout.isTTY === true) usage('--format xlsx writes a workbook, not text: give --output FILE.xlsx, or redirect standard output to a file');
  if (typeof flags.proxy === 'string') {
    const problem = flags.proxy === DIRECT || flags.proxy === ENVIRONMENT ? 'expected a proxy URL' : proxySettingProblem(flags.proxy);
    if (problem !== null) usage(`option '--proxy <url>' is invalid: ${problem}`);
  }
  if (flags.proxy === undefined) {
    const problem = environmentProxyProblem(process.env);
    if (problem !== null) usage(`${problem} (give --proxy URL, or --no-proxy to ignore the environment)`);
  }
  if (flags.redis !== undefined && flags.render !== undefined && flags.render !== 'never') {
    usage('--render is not available with --redis yet (the queue\'s workers fetch static titles only); leave --render out or give --render never');
  }
  const render: RenderMode = flags.redis !== undefined ? 'never' : (flags.render ?? 'auto');
  let browser: FoundBrowser | null = null;
  if (render !== 'never') {
    try {
      browser = findBrowser(flags.browser, process.env, browserCandidates());
    } catch (error) {
      if (error instanceof BrowserNotFoundError) usage(error.message);
      throw error;
    }
    if (browser === null && render === 'always') usage(`--render always needs Chromium or Chrome, and none was found at the usual paths: ${installHint()}, or give its path with --browser PATH (or TITLEWAVE_BROWSER)`);
  }
  const rendering: Rendering = { mode: render, browser };
  const sitemaps = flags.sitemap !== undefined ? await refusing(() => prepareSitemaps(flags.sitemap as string[])) : null;
  // With only --sitemap, standard input is not read.
  const sources = sitemaps !== null && files.length === 0 ? [] : await refusing(() => prepareInputs(files));
  // --redis: connect and check the queue before touching any file.
  const cluster = flags.redis !== undefined ? await import('./titles-cluster.js') : null;
  const queue = cluster !== null ? { start: cluster.startClusterTitles, target: await cluster.prepareClusterTitles(flags.redis as string) } : null;

  if (flags.output === undefined) {
    if (format === 'xlsx') await runToWorkbookStream(sources, sitemaps, flags, rendering, io, io.stdout, queue);
    else await runJob(sources, sitemaps, flags, rendering, format, io, { out: io.stdout, encoder: new RecordEncoder(format === 'text' ? 'jsonl' : format, null), known: null, record: null, queue, sitemapList: null });
    return;
  }
  const output = flags.output;
  const xlsx = format === 'xlsx';
  // An .xlsx output is written at the end from a journal of its records (JSONL), which is what --resume continues.
  const recordFormat: RecordFormat = xlsx ? 'jsonl' : (format as RecordFormat);
  const info = await refusing(() => checkOutputFile(output, 'the output'));
  // A pipe or a device (-o /dev/stdout, -o >(gzip > x.gz)) is a stream: nothing in it to lose, to lock or to resume.
  const regular = info === null || info.isFile();
  if (!regular && flags.resume === true) usage(`--resume needs --output to be a file; ${output} is not one`);
  const inputs = [
    ...sources.map((source) => (source.path !== null ? source.path : io.stdin === process.stdin ? { fd: 0, name: STANDARD_INPUT } : null)).filter((input) => input !== null),
    ...(sitemaps?.sources.flatMap((source) => ('path' in source ? [source.path] : [])) ?? []),
  ];
  const besideOutput = [runRecordPathFor(output), ...(sitemaps !== null ? [sitemapListPathFor(output)] : []), ...(xlsx ? [recordsJournalPathFor(output)] : [])];
  await refusing(() => assertNotAnInput(regular ? [output, ...besideOutput] : [output], inputs, '--output'));
  if (!regular) {
    const out = createWriteStream(output, { flags: 'a' });
    if (xlsx) await runToWorkbookStream(sources, sitemaps, flags, rendering, io, out, queue);
    else await runJob(sources, sitemaps, flags, rendering, format, io, { out, encoder: new RecordEncoder(recordFormat, null), known: null, record: null, queue, sitemapList: null });
    return;
  }

  // One writer per output file: a second run is refused before it reads or changes anything.
  const lock = await refusing(() => holdOutputLock(output, 'titlewave titles'));
  try {
    // Where the records go: the output itself, or an .xlsx output's journal.
    const recordsPath = xlsx ? recordsJournalPathFor(output) : output;
    const size = Math.max(info === null ? 0 : Number(info.size), xlsx ? await sizeOf(recordsPath) : 0);
    // Never write over what the user has, unless told to continue it (--resume) or replace it (--force).
    if (size > 0 && flags.resume !== true && flags.force !== true) usage(`${output} already exists; add --resume to continue that run or --force to replace it`);
    const replay = new Map<InputSource, Buffer>();
    let existing: ExistingOutput | null = null;
    let record: TitlesRunRecord;
    const resuming = flags.resume === true && size > 0;
    if (resuming) {
      record = await refusing(() => checkResumable(output, xlsx ? 'xlsx' : recordFormat, sources, sitemaps, io.stdin, replay));
      existing = await refusing(() => readExistingOutput(recordsPath, recordFormat));
      if (xlsx && existing === null) usage(`${output} cannot be continued: the journal of its records (${basename(recordsPath)}) is missing or empty. Start afresh with --force (it replaces ${output}) or choose another --output.`);
    } else {
      const inputs = await Promise.all(sources.map((source) => fingerprint(source)));
      record = { titlewave: 'titles output', version: 1, format: xlsx ? 'xlsx' : recordFormat, startedAt: new Date().toISOString(), updatedAt: '', inputs, entries: null, ...(sitemaps !== null ? { sitemaps: { names: sitemaps.names, complete: false } } : {}) };
    }
    const continuing = existing !== null && existing.started;
    if (existing !== null) await keepOnly(recordsPath, existing.keepBytes);
    // The output is cut or created first, the run record written next: a kill in between leaves no record to
    // mistake for this run's.
    const handle = await open(recordsPath, continuing ? 'a' : 'w');
    // A new run's list of sitemap URLs starts empty (a resumed run's is continued).
    if (sitemaps !== null && !resuming) await writeFile(sitemapListPathFor(output), '');
    await writeRunRecord(output, record);
    const out = handle.createWriteStream();
    const sitemapList = sitemaps !== null ? { path: sitemapListPathFor(output), resume: resuming, complete: record.sitemaps?.complete === true } : null;
    const ended = await runJob(sources, sitemaps, flags, rendering, format, io, {
      out,
      encoder: new RecordEncoder(recordFormat, continuing && existing !== null ? { records: existing.records } : null),
      known: existing?.keys ?? null,
      record: { output, value: record },
      replay,
      queue,
      sitemapList,
    });
    if (xlsx && ended.wroteRecords) await writeWorkbookFile(recordsPath, output, io);
  } finally {
    await lock.release();
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Every record of a JSONL journal, in order, one line at a time. */
async function* journalRecords(path: string): AsyncGenerator<TitleRecord> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield JSON.parse(line) as TitleRecord;
}

/** Write the .xlsx output from its journal: to a temporary file beside it, then renamed over it (never half a workbook). */
async function writeWorkbookFile(journal: string, output: string, io: TitlesIo): Promise<void> {
  const { writeXlsx } = await import('../titles/xlsx.js');
  const temporary = join(dirname(output), `.${basename(output)}.titlewave-${process.pid}.tmp`);
  if (io.stderr.isTTY === true) io.stderr.write(`titles: writing ${sanitizeForTerminal(basename(output))}…\n`);
  try {
    await writeXlsx(journalRecords(journal), createWriteStream(temporary));
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    io.stderr.write(`titles: writing the workbook ${sanitizeForTerminal(output)} failed: ${sanitizeForTerminal((error as Error).message)}; its records are kept in ${sanitizeForTerminal(journal)} and --resume writes it again\n`);
    process.exitCode = 1;
  }
}

/**
 * A workbook to a stream (standard output, a pipe): the records go to a temporary journal during the run, and the
 * workbook is written from it at the end (a zip cannot be read before it is finished anyway).
 */
async function runToWorkbookStream(sources: readonly InputSource[], sitemaps: SitemapArgs | null, flags: TitlesFlags, rendering: Rendering, io: TitlesIo, destination: Writable, queue: JobTarget['queue']): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'titlewave-xlsx-'));
  try {
    const journal = join(folder, 'records.jsonl');
    const ended = await runJob(sources, sitemaps, flags, rendering, 'xlsx', io, { out: createWriteStream(journal), encoder: new RecordEncoder('jsonl', null), known: null, record: null, queue, sitemapList: null });
    if (!ended.wroteRecords) return;
    const { writeXlsx } = await import('../titles/xlsx.js');
    // Through a PassThrough, so the workbook's end does not end standard output itself.
    const through = new PassThrough();
    const piped = new Promise<void>((resolve, reject) => {
      through.on('end', resolve);
      destination.on('error', reject);
    });
    through.pipe(destination, { end: destination !== io.stdout });
    await writeXlsx(journalRecords(journal), through);
    await piped;
    if (destination !== io.stdout) await new Promise<void>((resolve) => destination.end(resolve));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Prove that `output` (not empty) is a Titlewave output of these inputs before a byte of it is cut or appended: its
 * run record must exist and name the same inputs, by their bytes or (when they differ, e.g. blank lines added) by
 * their deduplicated entry list. Standard input and pipes are read whole into `replay` for the check and the run.
 * Returns the run record to write back; throws, with a message saying what to do, when the output is not provably ours.
 */
async function checkResumable(
  output: string,
  format: TitlesRunRecord['format'],
  sources: readonly InputSource[],
  sitemaps: SitemapArgs | null,
  stdin: Readable,
  replay: Map<InputSource, Buffer>,
): Promise<TitlesRunRecord> {
  const recorded = await readRunRecord(output);
  const startAfresh = `Start afresh with --force (it replaces ${output}) or choose another --output.`;
  if (recorded === null) {
    throw new RunRecordError(`${output} has no Titlewave run record beside it (${basename(runRecordPathFor(output))}), so it cannot be shown to be the output of this run; it is not resumed and nothing in it was changed. ${startAfresh}`);
  }
  if (recorded.format !== format) throw new RunRecordError(`${output} holds ${recorded.format.toUpperCase()} records (${describeRun(recorded)}), not ${format.toUpperCase()}; give --format ${recorded.format} to resume it.`);
  // The sitemaps must be the run's, named the same way; what they said is in the list beside the output.
  const recordedSitemaps = recorded.sitemaps?.names ?? [];
  const givenSitemaps = sitemaps?.names ?? [];
  if (recordedSitemaps.length !== givenSitemaps.length || recordedSitemaps.some((name, i) => name !== givenSitemaps[i])) {
    const named = recordedSitemaps.length === 0 ? 'no --sitemap' : recordedSitemaps.map((name) => `--sitemap ${name}`).join(' ');
    throw new RunRecordError(`${output} belongs to ${describeRun(recorded)}, which read ${named}; resume it with the same sitemaps, in the same order, or: ${startAfresh}`);
  }
  const sitemapList = sitemapListPathFor(output);
  if (recorded.sitemaps !== undefined && (await stat(sitemapList).catch(() => null)) === null) {
    throw new RunRecordError(`${output} cannot be continued: the list of the URLs its sitemaps gave (${basename(sitemapList)}) is missing, so the records' positions cannot be checked. ${startAfresh}`);
  }
  for (const source of sources) if (!source.regular) replay.set(source, await readWhole(source, stdin, MAX_REPLAY_BYTES));
  const inputs = await Promise.all(sources.map((source) => fingerprint(source, replay.get(source))));
  const byBytes = compareInputBytes(recorded.inputs, inputs);
  if (byBytes !== 'same') {
    if (recorded.entries === null) {
      throw new RunRecordError(
        `${output} belongs to ${describeRun(recorded)}, which stopped before it had read its whole list, and this input is not byte for byte the same: resuming could mix two lists. Resume with the same input, or: ${startAfresh}`,
      );
    }
    const entries = await entriesOf(sources, stdin, replay, recorded.sitemaps !== undefined ? sitemapList : null);
    if (entries.sha256 !== recorded.entries.sha256) {
      throw new RunRecordError(`${output} belongs to ${describeRun(recorded)} (${recorded.entries.count} entries), and this input's list is another one (${entries.count} entries): resuming would mix the two. Resume with that run's list, or: ${startAfresh}`);
    }
  }
  return { ...recorded, inputs };
}

interface JobTarget {
  out: Writable;
  encoder: RecordEncoder;
  /** Records already in the output (--resume): their entries are not fetched again. */
  known: Set<string> | null;
  /** The run record to complete once the input has been read to its end. */
  record: { output: string; value: TitlesRunRecord } | null;
  /** Streams already read whole (to check a resume). */
  replay?: ReadonlyMap<InputSource, Buffer>;
  /** --redis: the queue whose workers make the requests. */
  queue: { start: typeof import('./titles-cluster.js').startClusterTitles; target: import('../cluster/connection.js').RedisTarget } | null;
  /** --sitemap with --output FILE: the list of their URLs beside it (see titles-sitemaps.ts). */
  sitemapList: { path: string; resume: boolean; complete: boolean } | null;
}

/** Render mode as decided before the run: the mode, and the browser to render with (null: none, static titles only). */
interface Rendering {
  mode: RenderMode;
  browser: FoundBrowser | null;
}

/** Runs the job; `wroteRecords`: the records reached their file (false when writing them failed). */
async function runJob(sources: readonly InputSource[], sitemaps: SitemapArgs | null, flags: TitlesFlags, rendering: Rendering, format: OutputFormat, io: TitlesIo, target: JobTarget): Promise<{ wroteRecords: boolean }> {
  const { out, encoder, known, record } = target;
  let outputError: Error | null = null;
  // The reader of standard output went away (`| head`): stop quietly, as command-line tools do.
  let readerGone = false;
  const cancel = new AbortController();
  const onOutputError = (error: Error): void => {
    if (out === io.stdout && (error as NodeJS.ErrnoException).code === 'EPIPE') readerGone = true;
    else outputError ??= error;
    cancel.abort(error);
  };
  out.on('error', onOutputError);
  write(out, format === 'text' ? '' : encoder.start());

  const options: Partial<TitlesOptions> = {
    concurrency: flags.concurrency,
    perHost: flags.perHost,
    timeoutMs: Math.round(flags.timeout * 1000),
    retries: flags.retries,
    userAgent: flags.userAgent,
    headers: Object.fromEntries(flags.header ?? []),
    proxy: flags.proxy === false ? DIRECT : (flags.proxy ?? ENVIRONMENT),
    robots: flags.robots,
    rate: flags.rate ?? null,
    render: rendering.mode,
    renderers: flags.renderers,
    renderTimeoutMs: Math.round(flags.renderTimeout * 1000),
  };
  /** A line on standard error between progress redraws. */
  const notice = (text: string): void => {
    io.stderr.write(`${io.stderr.isTTY === true ? '\r\u001b[K' : ''}titles: ${sanitizeForTerminal(text)}\n`);
  };
  let sitemapProblems = 0;
  let sitemapUrls = 0;
  let skipped = 0;
  // The entry list as the engine indexes it, for the run record (what a later --resume checks).
  const entries = record === null ? null : new EntryDigest();
  // Reading an input failed mid-run (a pipe's bytes that are not text, an I/O error): the run stops, with its reason.
  let inputFailure: Error | null = null;
  let recordFailure: Error | null = null;
  const onSignal = (): void => {
    // --redis: a second Ctrl-C also cancels the run on the queue (its jobs and keys removed) before exiting.
    if (cancel.signal.aborted && job?.cancelEverywhere !== undefined) void job.cancelEverywhere().finally(() => process.exit(130));
    else if (cancel.signal.aborted) process.exit(130);
    cancel.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // A stream's fingerprint is known once it has been read to its end.
  const hashes = sources.map((source) => (record !== null && target.replay?.get(source) === undefined && !source.regular ? { hash: createHash('sha256'), bytes: 0 } : null));
  const fileLines = sourceLines(sources, io.stdin, {
    replay: target.replay,
    onBytes: (index, bytes) => {
      const stream = hashes[index];
      if (stream) {
        stream.hash.update(bytes);
        stream.bytes += bytes.length;
      }
    },
    onError: (error) => {
      inputFailure = error;
      cancel.abort(error);
    },
  });
  // Every line has been taken by the engine (it asks for the next only after taking one): the list is known.
  const onEnd = async (): Promise<void> => {
      if (record === null || entries === null) return;
      for (const [index, stream] of hashes.entries()) {
        if (stream) record.value.inputs[index] = { name: sources[index]?.name ?? STANDARD_INPUT, bytes: stream.bytes, sha256: stream.hash.digest('hex') };
      }
      record.value.entries = entries.finish();
      await writeRunRecord(record.output, record.value).catch((error: unknown) => {
        recordFailure = toError(error);
      });
  };
  // After the files, the sitemaps' URLs (fetched through the run's proxy, with its user agent and headers).
  const sitemapDispatcher = sitemaps !== null ? (await import('../titles/proxy.js')).createDispatcher(options.proxy as string, { connections: 2, connectTimeoutMs: options.timeoutMs as number }).dispatcher : null;
  const sitemapSource =
    sitemaps !== null && sitemapDispatcher !== null
      ? (await import('./titles-sitemaps.js')).sitemapLines(sitemaps, {
          dispatcher: sitemapDispatcher,
          headers: { ...options.headers, 'user-agent': flags.userAgent },
          signal: cancel.signal,
          list: target.sitemapList,
          onProblem: (problem) => {
            sitemapProblems += 1;
            notice(`sitemap ${problem.sitemap}: ${problem.message}`);
          },
          onUrl: () => {
            sitemapUrls += 1;
          },
          onComplete: async () => {
            if (record === null || record.value.sitemaps === undefined) return;
            record.value.sitemaps = { ...record.value.sitemaps, complete: true };
            await writeRunRecord(record.output, record.value).catch((error: unknown) => {
              recordFailure = error instanceof Error ? error : new Error(String(error));
            });
          },
        })
      : null;
  const lines = (async function* allLines(): AsyncGenerator<string> {
    if (sources.length > 0) yield* fileLines;
    if (inputFailure !== null) return;
    if (sitemapSource !== null) {
      try {
        yield* sitemapSource;
      } catch (error) {
        inputFailure = error instanceof Error ? error : new Error(String(error));
        cancel.abort(inputFailure);
        return;
      }
    }
    await onEnd();
  })();

  // Records are written in batches (RECORD_FLUSH_MS after the first record of a batch, or per 64 KiB): thousands of
  // small writes a second cost more than the requests. A batch holds whole records, so a kill tears at most the last
  // one; records not written yet are fetched again by --resume. Backpressure: when the output cannot keep up, no new
  // requests start until it drains.
  let pending = '';
  /** The batch's timer; cleared by a flush that comes first, so that none keeps the process alive after the run. */
  let flushTimer: NodeJS.Timeout | null = null;
  let waitingForOutput = false;
  const flush = (): void => {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    if (pending === '') return;
    const ok = write(out, pending);
    pending = '';
    if (!ok && !waitingForOutput) {
      waitingForOutput = true;
      job?.pause();
      out.once('drain', () => {
        waitingForOutput = false;
        job?.resume();
      });
    }
  };
  const jobInit: TitlesJobInit = {
    lines,
    options,
    signal: cancel.signal,
    skip: (index, url) => {
      entries?.add(url);
      const have = known !== null && known.has(recordKey(index, url));
      if (have) skipped += 1;
      return have;
    },
    onRecord: (titleRecord) => {
      pending += format === 'text' ? textLine(titleRecord) : encoder.record(titleRecord);
      if (pending.length >= 64 * 1024) flush();
      else flushTimer ??= setTimeout(flush, RECORD_FLUSH_MS);
    },
    // Asked for when a page first needs rendering; playwright-core is loaded only then.
    ...(rendering.mode !== 'never'
      ? {
          // No browser: pages are not looked through for signs of an app shell (they could not be rendered anyway).
          bodySignals: rendering.browser !== null,
          renderer: async () => {
            if (rendering.browser === null) {
              // `auto` without a browser: one notice, and those pages keep their static titles (RENDER_UNAVAILABLE).
              io.stderr.write(`titles: some pages set their titles by script, and no Chromium or Chrome was found to render them: they keep their static titles (${installHint()}, or give --browser PATH)\n`);
              return null;
            }
            const { createPlaywrightRenderer } = await import('../titles/render/playwright.js');
            return createPlaywrightRenderer({ executablePath: rendering.browser.path });
          },
        }
      : {}),
  };
  let job: (TitlesJob & { cancelEverywhere?: () => Promise<void> }) | null = null;
  job =
    target.queue !== null
      ? await target.queue.start({
          ...jobInit,
          target: target.queue.target,
          output: flags.output,
          resume: flags.resume === true,
          // Records leave Redis only once they are in the output file (a producer killed then loses none of them).
          ...(out !== io.stdout
            ? {
                settled: () =>
                  new Promise<void>((resolve) => {
                    flush();
                    out.write('', () => resolve());
                  }),
              }
            : {}),
          notice: (message) => io.stderr.write(`titles: ${sanitizeForTerminal(message)}\n`),
        })
      : // Loaded here, not at the top: `titlewave --help` and the other commands need no HTTP client.
        (await import('../titles/engine.js')).startTitlesJob(jobInit);

  const showProgress = io.stderr.isTTY === true;
  if (out === io.stdout && io.stdin === process.stdin && process.stdin.isTTY === true && sources.length > 0 && sources.every((source) => source.path === null) && showProgress) {
    io.stderr.write('titles: reading URLs from standard input, one per line (Ctrl-D to finish)\n');
  }
  // One line, cut to the terminal's width so that redrawing it in place works.
  const columns = (io.stderr as { columns?: number }).columns ?? 120;
  const ticker = showProgress ? setInterval(() => io.stderr.write(`\r\u001b[K${progressLine(job.progress()).slice(0, Math.max(20, columns - 1))}`), 250) : null;
  const summary = await job.done;
  if (ticker !== null) {
    clearInterval(ticker);
    io.stderr.write('\r\u001b[K');
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  flush();
  write(out, format === 'text' ? '' : encoder.end());
  if (out !== io.stdout) await new Promise<void>((resolve) => out.end(resolve));
  else if (!readerGone) await new Promise<void>((resolve) => (out.writableNeedDrain ? out.once('drain', resolve) : resolve()));
  out.off('error', onOutputError);
  await sitemapDispatcher?.destroy().catch(() => undefined);
  io.stderr.write(summaryLine(summary, skipped, sitemapProblems));
  const failedInput = inputFailure as Error | null;
  // Sitemaps that gave nothing at all, for reasons: the run had nothing to do.
  const noSitemapUrls = sitemaps !== null && sitemapUrls === 0 && sitemapProblems > 0 && target.sitemapList?.resume !== true && !summary.cancelled;
  if (failedInput !== null) {
    io.stderr.write(`titles: ${sanitizeForTerminal(failedInput instanceof TextEncodingError ? failedInput.message : `reading the input failed: ${failedInput.message}`)}\n`);
    process.exitCode = failedInput instanceof TextEncodingError ? 2 : 1;
  } else if (outputError !== null) {
    io.stderr.write(`titles: writing the records failed: ${sanitizeForTerminal((outputError as Error).message)}\n`);
    process.exitCode = 1;
  } else if (summary.cancelled && !readerGone) {
    process.exitCode = 130;
  } else if (noSitemapUrls) {
    io.stderr.write('titles: no URL came from the sitemaps (see the problems above)\n');
    process.exitCode = 1;
  }
  const failedRecord = recordFailure as Error | null;
  if (failedRecord !== null) io.stderr.write(`titles: the run record beside the output could not be updated (${sanitizeForTerminal(failedRecord.message)}); --resume may refuse this output\n`);
  return { wroteRecords: outputError === null };
}

export function registerTitlesCommand(program: Command, io: TitlesIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Command {
  const defaults = defaultTitlesOptions;
  return program
    .command('titles')
    .description('Fetch the page title of every URL in FILEs (or standard input), one per line, many at a time.')
    .argument('[FILE...]', 'files of URLs, one per line ("-" or none: standard input)')
    .option('-c, --concurrency <n>', 'requests in flight overall', integer(cliTitlesLimits.concurrency), defaults.concurrency)
    .option('--per-host <n>', 'requests in flight per host', integer(cliTitlesLimits.perHost), defaults.perHost)
    .option('-t, --timeout <seconds>', 'deadline for each request, body included', seconds(cliTitlesLimits.timeoutMs), defaults.timeoutMs / 1000)
    .option('-r, --retries <n>', 'retries after network errors, timeouts and 429/502/503/504', integer(cliTitlesLimits.retries), defaults.retries)
    .option('-A, --user-agent <text>', 'User-Agent header', userAgent, defaults.userAgent)
    .option('-H, --header <"Name: value">', 'extra request header (repeat for more)', header)
    .addOption(new Option('-f, --format <format>', 'record format (default: jsonl, or text on a terminal; with --output, from its extension)').choices(['jsonl', 'csv', 'json', 'xlsx', 'text']))
    .option('-o, --output <file>', 'write records to this file instead of standard output')
    .option('--resume', 'continue the run in --output (same input): fetch only the URLs it has no record of')
    .option('--force', 'replace --output if it exists (never an input of the run)')
    .addOption(new Option('--render <mode>', 'render pages in Chromium when their title is set by scripts: auto (only pages whose static title is empty or an app shell\'s placeholder), never, always (default: auto)').choices(RENDER_MODES as RenderMode[]))
    .option('--renderers <n>', 'pages rendered at once', integer(cliTitlesLimits.renderers), DEFAULT_RENDERERS)
    .option('--render-timeout <seconds>', 'deadline of one render; then the title at that moment, with a RENDER_UNSETTLED warning', seconds(cliTitlesLimits.renderTimeoutMs), DEFAULT_RENDER_TIMEOUT_MS / 1000)
    .option('--browser <path>', 'the Chromium or Chrome to render with (default: TITLEWAVE_BROWSER, then the usual install paths)')
    .addOption(new Option('--redis <url>', 'run on the workers of this Redis queue (redis://HOST:6379/0, rediss:// for TLS); see titlewave worker').env('TITLEWAVE_REDIS'))
    .option('--sitemap <url|file>', 'read the URLs of a sitemap, sitemap index, .xml.gz or robots.txt too (repeat for more)', sitemapArg)
    // Checked in runTitles: commander's message for a bad value would repeat it, password and all.
    .option('--proxy <url>', 'send requests through this proxy: http://, https://, socks5:// or socks5h:// (user:password@ allowed)')
    .option('--no-proxy', 'connect directly, whatever HTTPS_PROXY, HTTP_PROXY and ALL_PROXY say')
    .addOption(new Option('--robots <mode>', 'robots.txt: ignore it, or respect it (ROBOTS records, Crawl-delay)').choices(['respect', 'ignore']).default('ignore'))
    .option('--rate <n>', 'requests per second per host (a fraction below 1: one per 1/n seconds)', rate)
    .addHelpText(
      'after',
      `
Records (one per distinct URL, as each finishes): index, url, finalUrl, status, title, ogTitle, description,
canonical, lang, contentType, encoding, encodingSource, redirects, bytes, durationMs, attempts, error {code, message},
staticTitle (before scripts), rendered, renderMs, warning {code, message}.
Error codes: INVALID_URL DNS CONNECT TLS TIMEOUT RESET TOO_MANY_REDIRECTS REDIRECT_LOOP NOT_HTML TOO_LARGE PROTOCOL
NETWORK PROXY (the proxy refused or failed) ROBOTS (disallowed by robots.txt, with --robots respect).
Warning codes: RENDER_UNSETTLED RENDER_FAILED RENDER_UNAVAILABLE.
Without --proxy, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are used as curl does (loopback goes direct).
An .xlsx output is written when the run ends, from a journal of its records beside it (.FILE.titlewave-records.jsonl).
Progress goes to standard error when it is a terminal; a one-line summary always ends the run.
--output is never an input of the run, and one process writes it at a time (a lock beside it); a hidden
run record beside it (.FILE.titlewave.json) lets --resume check that the output is this input's.
Exit status: 0 when the run completed (per-URL errors are data), 2 when it refuses to start (bad usage, an
input that is missing, a folder or not text, an output that exists, is an input, is in use or is not this
run's), 130 when interrupted, 1 when writing the output or reading an input failed.

Examples:
  titlewave titles urls.txt > titles.jsonl
  titlewave titles urls.txt --format csv --output titles.csv      # Excel-ready, UTF-8 with BOM
  titlewave titles urls.txt --output titles.csv --resume          # after a crash: fetch only what is missing
  cat urls.txt | titlewave titles --concurrency 100 --per-host 8 --timeout 5
  titlewave titles --sitemap https://example.com/sitemap.xml --output titles.xlsx
  titlewave titles urls.txt --proxy socks5h://127.0.0.1:1080 --robots respect --rate 2
  titlewave titles spa-urls.txt --render always --renderers 4 --render-timeout 15
  titlewave titles urls.txt --browser /opt/google/chrome/chrome   # auto: render only app shells, with this browser`,
    )
    .action(async (files: string[], flags: TitlesFlags, command: Command) => {
      await runTitles(files, flags, command, io);
    });
}

/**
 * `titlewave titles ...` on its own: a program with only this command, so a run does not first load the other
 * commands' engines (the bin entry can route `titles` here; start-up time counts in every run's wall time).
 * Resolves with the exit code, as `main` does.
 */
export async function titlesMain(argv: string[]): Promise<number> {
  const program = newProgram();
  registerTitlesCommand(program);
  // Output read through `| head` must not end in an EPIPE stack trace (the error comes after the write returns).
  if (!process.stdout.listeners('error').includes(ignoreClosedPipe)) process.stdout.on('error', ignoreClosedPipe);
  return runProgram(program, argv);
}

function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}
