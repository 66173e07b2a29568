/** `titlewave titles [FILE...]`: page titles of URL lists, records on stdout (or a file), progress on stderr. */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { newProgram, runProgram } from './run.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { keepOnly, readExistingOutput, RecordEncoder, recordKey, type ExistingOutput, type RecordFormat } from '../titles/output.js';
import type { TitlesJob, TitlesJobInit } from '../titles/engine.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from '../titles/types.js';

/** Where the command reads and writes; the process's own streams unless a test gives others. */
export interface TitlesIo {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

type OutputFormat = RecordFormat | 'text';

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
}

const integer = (min: number, max: number) => (value: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  const number = Number(value);
  if (number < min || number > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return number;
};

const seconds = (value: string): number => {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0 || number > 3600) throw new InvalidArgumentError('expected seconds, more than 0 and at most 3600 (e.g. 15 or 2.5).');
  return number;
};

const header = (value: string, previous: [string, string][] | undefined): [string, string][] => {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(value);
  if (match === null || /[\r\n\0]/.test(value)) throw new InvalidArgumentError('expected "Name: value".');
  return [...(previous ?? []), [match[1] as string, match[2] as string]];
};

function formatFromPath(path: string): RecordFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return 'jsonl';
}

// Control characters (C0, DEL, C1) and bidi overrides would let a page rewrite the user's terminal or reorder what
// it shows; in text output they are replaced.
const unsafeForTerminal = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function textLine(record: TitleRecord): string {
  const safe = (text: string): string => text.replace(unsafeForTerminal, '\uFFFD');
  const where = safe(record.url);
  if (record.error !== null) return `ERR ${record.error.code}  ${where}  (${safe(record.error.message)})\n`;
  const title = record.title === null ? '(no title)' : safe(record.title);
  const moved = record.finalUrl !== null && record.redirects.length > 0 ? `  -> ${safe(record.finalUrl)}` : '';
  return `${record.status ?? '---'}  ${title}  ${where}${moved}\n`;
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

function summaryLine(s: TitlesSummary, skipped: number): string {
  const seconds = s.elapsedMs / 1000;
  const fetched = s.done - skipped;
  const parts = [
    `${s.cancelled ? 'cancelled after' : 'done:'} ${fetched} record${fetched === 1 ? '' : 's'}`,
    `${s.failed} with errors`,
    `${s.duplicates} duplicate line${s.duplicates === 1 ? '' : 's'}`,
  ];
  if (skipped > 0) parts.push(`${skipped} already in the output`);
  const rate = seconds > 0 ? fetched / seconds : 0;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  return `titles: ${parts.join(', ')} in ${duration(s.elapsedMs)} (${rate.toFixed(0)}/s); event-loop delay p99 ${s.eventLoopDelayP99Ms.toFixed(1)} ms; peak RSS ${rssMiB.toFixed(0)} MiB\n`;
}

/** Input lines from the files in order ("-" is stdin), or stdin when there are none. */
async function* inputLines(files: string[], stdin: Readable): AsyncGenerator<string> {
  const sources = files.length === 0 ? ['-'] : files;
  for (const file of sources) {
    const stream = file === '-' ? stdin : createReadStream(file);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const line of lines) yield line;
    } finally {
      lines.close();
      if (file !== '-') stream.destroy();
    }
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function write(stream: Writable, text: string): boolean {
  return text === '' ? true : stream.write(text);
}

async function runTitles(files: string[], flags: TitlesFlags, command: Command, io: TitlesIo): Promise<void> {
  const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2, code: 'titlewave.usage' });
  if (flags.resume === true && flags.output === undefined) usage('--resume needs --output FILE (the run to continue)');
  if (flags.resume === true && flags.force === true) usage('--resume and --force contradict each other');
  const format: OutputFormat = flags.format ?? (flags.output !== undefined ? formatFromPath(flags.output) : io.stdout.isTTY === true ? 'text' : 'jsonl');
  if (format === 'text' && flags.output !== undefined) usage('--format text is for terminals; use jsonl, csv or json with --output');
  for (const file of files) {
    if (file === '-') continue;
    try {
      await access(file, constants.R_OK);
    } catch {
      usage(`cannot read ${file}`);
    }
  }

  // --redis: connect and check the queue before touching any file.
  const cluster = flags.redis !== undefined ? await import('./titles-cluster.js') : null;
  const clusterTarget = cluster !== null ? await cluster.prepareClusterTitles(flags.redis as string) : null;

  // Never write over what the user has, unless told to continue it (--resume) or replace it (--force).
  let existing: ExistingOutput | null = null;
  if (flags.output !== undefined && flags.resume === true && format !== 'text') {
    try {
      existing = await readExistingOutput(flags.output, format);
    } catch (error) {
      usage(error instanceof Error ? error.message : String(error));
    }
  } else if (flags.output !== undefined && flags.force !== true && (await fileSize(flags.output)) > 0) {
    usage(`${flags.output} already exists; add --resume to continue that run or --force to replace it`);
  }

  const encoder = new RecordEncoder(format === 'text' ? 'jsonl' : format, existing === null ? null : { records: existing.records });
  let out: Writable;
  if (flags.output !== undefined) {
    if (existing !== null) await keepOnly(flags.output, existing.keepBytes);
    out = createWriteStream(flags.output, { flags: existing !== null ? 'a' : 'w' });
  } else {
    out = io.stdout;
  }
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
  };
  let skipped = 0;
  const known = existing?.keys ?? null;
  const onSignal = (): void => {
    // --redis: a second Ctrl-C also cancels the run on the queue (its jobs and keys removed) before exiting.
    if (cancel.signal.aborted && job?.cancelEverywhere !== undefined) void job.cancelEverywhere().finally(() => process.exit(130));
    else if (cancel.signal.aborted) process.exit(130);
    cancel.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Records are written in batches (one write per turn of the event loop, or per 64 KiB): thousands of small
  // writes a second cost more than the requests. A batch holds whole records, so a kill tears at most the last one.
  // Backpressure: when the output cannot keep up, no new requests start until it drains.
  let pending = '';
  let flushScheduled = false;
  let waitingForOutput = false;
  const flush = (): void => {
    flushScheduled = false;
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
  // Loaded here, not at the top: `titlewave --help` and the other commands need no HTTP client.
  const jobInit: TitlesJobInit = {
    lines: inputLines(files, io.stdin),
    options,
    signal: cancel.signal,
    skip:
      known === null
        ? undefined
        : (index, url) => {
            const have = known.has(recordKey(index, url));
            if (have) skipped += 1;
            return have;
          },
    onRecord: (record) => {
      pending += format === 'text' ? textLine(record) : encoder.record(record);
      if (pending.length >= 64 * 1024) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
  };
  let job: (TitlesJob & { cancelEverywhere?: () => Promise<void> }) | null = null;
  job =
    cluster !== null && clusterTarget !== null
      ? await cluster.startClusterTitles({
          ...jobInit,
          target: clusterTarget,
          output: flags.output,
          resume: flags.resume === true,
          // Records leave Redis only once they are in the output file (a producer killed then loses none of them).
          ...(flags.output !== undefined
            ? { settled: () => new Promise<void>((resolve) => { flush(); out.write('', () => resolve()); }) }
            : {}),
          notice: (message) => io.stderr.write(`titles: ${message}\n`),
        })
      : (await import('../titles/engine.js')).startTitlesJob(jobInit);

  const showProgress = io.stderr.isTTY === true;
  if (flags.output === undefined && io.stdin === process.stdin && process.stdin.isTTY === true && files.length === 0 && showProgress) {
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
  io.stderr.write(summaryLine(summary, skipped));
  if (outputError !== null) {
    io.stderr.write(`titles: writing the records failed: ${(outputError as Error).message}\n`);
    process.exitCode = 1;
  } else if (summary.cancelled && !readerGone) {
    process.exitCode = 130;
  }
}

export function registerTitlesCommand(program: Command, io: TitlesIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Command {
  const defaults = defaultTitlesOptions;
  return program
    .command('titles')
    .description('Fetch the page title of every URL in FILEs (or standard input), one per line, many at a time.')
    .argument('[FILE...]', 'files of URLs, one per line ("-" or none: standard input)')
    .option('-c, --concurrency <n>', 'requests in flight overall', integer(1, 10_000), defaults.concurrency)
    .option('--per-host <n>', 'requests in flight per host', integer(1, 1000), defaults.perHost)
    .option('-t, --timeout <seconds>', 'deadline for each request, body included', seconds, defaults.timeoutMs / 1000)
    .option('-r, --retries <n>', 'retries after network errors, timeouts and 429/502/503/504', integer(0, 20), defaults.retries)
    .option('-A, --user-agent <text>', 'User-Agent header', defaults.userAgent)
    .option('-H, --header <"Name: value">', 'extra request header (repeat for more)', header)
    .addOption(new Option('-f, --format <format>', 'record format (default: jsonl, or text on a terminal; with --output, from its extension)').choices(['jsonl', 'csv', 'json', 'text']))
    .option('-o, --output <file>', 'write records to this file instead of standard output')
    .option('--resume', 'continue the run in --output: fetch only the URLs it has no record of')
    .option('--force', 'replace --output if it exists')
    .addOption(new Option('--redis <url>', 'run on the workers of this Redis queue (redis://HOST:6379/0, rediss:// for TLS); see titlewave worker').env('TITLEWAVE_REDIS'))
    .addHelpText(
      'after',
      `
Records (one per distinct URL, as each finishes): index, url, finalUrl, status, title, ogTitle, description,
canonical, lang, contentType, encoding, encodingSource, redirects, bytes, durationMs, attempts, error {code, message}.
Error codes: INVALID_URL DNS CONNECT TLS TIMEOUT RESET TOO_MANY_REDIRECTS REDIRECT_LOOP NOT_HTML TOO_LARGE PROTOCOL NETWORK.
Progress goes to standard error when it is a terminal; a one-line summary always ends the run.
Exit status: 0 when the run completed (per-URL errors are data), 2 for bad usage, 130 when interrupted.

Examples:
  titlewave titles urls.txt > titles.jsonl
  titlewave titles urls.txt --format csv --output titles.csv      # Excel-ready, UTF-8 with BOM
  titlewave titles urls.txt --output titles.csv --resume          # after a crash: fetch only what is missing
  cat urls.txt | titlewave titles --concurrency 100 --per-host 8 --timeout 5`,
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
