/**
 * `titlewave thumbs PATH...`: thumbnails of files and folders, made in the worker pool.
 * stdout: one JSON record per image, `{ input, outputs: [{ size, path, width, height, skipped? }], error }`, in the
 * order they finish. stderr: skipped non-images, a live progress line (only on a terminal), and a summary.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { holdOutputLocks, type HeldLock } from './output-lock.js';
import { newProgram, runProgram } from './run.js';
import { sanitizeForTerminal } from './sanitize.js';
import { LockedError } from '../fs/lock.js';
import { checkOutputFolder, PathProblem } from '../fs/paths.js';
import { defaultThumbsOptions, maxThumbSize, maxThumbSizes, outputRootFor, thumbFormats, thumbsOptionsProblem } from '../thumbs/options.js';
import type { ThumbFormat, ThumbRecord, ThumbsOptions, ThumbsProgress } from '../thumbs/types.js';
import type { WorkerPool } from '../workers/types.js';

interface ThumbsCliOptions {
  out?: string;
  sizes: number[];
  format: ThumbFormat;
  quality: number;
  workers?: number;
  pattern: string;
  overwrite?: boolean;
  keepMetadata?: boolean;
  mirror: boolean;
}

function parseSizes(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  const sizes = parts.map(Number);
  if (parts.some((part) => !/^\d+$/.test(part)) || sizes.some((size) => size < 1 || size > maxThumbSize)) {
    throw new InvalidArgumentError(`sizes are whole numbers from 1 to ${maxThumbSize}, separated by commas (e.g. 32,64,128)`);
  }
  if (sizes.length > maxThumbSizes) throw new InvalidArgumentError(`at most ${maxThumbSizes} sizes`);
  return [...new Set(sizes)];
}

function parseFormat(value: string): ThumbFormat {
  const format = value.toLowerCase() === 'jpg' ? 'jpeg' : value.toLowerCase();
  if (!(thumbFormats as readonly string[]).includes(format)) throw new InvalidArgumentError(`one of ${thumbFormats.join(', ')}`);
  return format as ThumbFormat;
}

function parseIntIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return number;
  };
}

/** "1 image", "3 images". */
function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

/**
 * One JSON record line, also safe on a terminal: JSON already escapes C0 controls, and here the C1 controls, DEL,
 * bidi controls and line separators become \uNNNN escapes too (the same value to a JSON parser).
 */
function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms / 1000)} s`;
}

export async function runThumbsCommand(paths: string[], cli: ThumbsCliOptions, command: Command): Promise<void> {
  const options: ThumbsOptions = {
    ...defaultThumbsOptions,
    sizes: cli.sizes,
    format: cli.format,
    quality: cli.quality,
    outDir: cli.out === undefined ? null : resolve(cli.out),
    pattern: cli.pattern,
    mirrorFolders: cli.mirror,
    existing: cli.overwrite ? 'overwrite' : 'skip',
    keepMetadata: cli.keepMetadata === true,
  };
  const problem = thumbsOptionsProblem(options);
  if (problem) command.error(`error: ${problem}`, { exitCode: 2, code: 'titlewave.invalidOptions' });
  // A folder that cannot be the output (a file), or one another Titlewave process is writing: refused, exit 2.
  const refuse = (error: unknown): never => {
    if (error instanceof PathProblem || error instanceof LockedError) command.error(`error: ${error.message}`, { exitCode: 2, code: 'titlewave.refused' });
    throw error;
  };
  if (cli.out !== undefined) await checkOutputFolder(cli.out, '--out').catch(refuse);
  // The output folders' locks, held until the end: --out's now, before any work; the default ones once the scan
  // has found them.
  const locks: HeldLock[] = [];
  try {
    if (options.outDir !== null) locks.push(await lockOutputFolders([options.outDir]).catch(refuse));
    // Loaded when the command runs, so other commands of the CLI do not pay for them at startup. The workers start
    // first: their start-up (a Node.js process and libvips each) overlaps the scan.
    const { createWorkerPool } = await import('../workers/pool.js');
    const pool = createWorkerPool({ prestart: true, ...(cli.workers ? { size: cli.workers } : {}) });
    try {
      await runWithPool(paths, options, pool, async (folders) => void locks.push(await lockOutputFolders(folders).catch(refuse)));
    } finally {
      await pool.close();
    }
  } finally {
    await Promise.all(locks.map((lock) => lock.release()));
  }
}

/** Lock output folders, all or none; their parents are made first (a folder's lock file sits beside it). */
async function lockOutputFolders(folders: readonly string[]): Promise<HeldLock> {
  for (const folder of folders) await mkdir(dirname(folder), { recursive: true });
  return holdOutputLocks(folders, 'titlewave thumbs');
}

async function runWithPool(paths: string[], options: ThumbsOptions, pool: WorkerPool, lockFolders: (folders: string[]) => Promise<void>): Promise<void> {
  const [{ runThumbnails }, { scanInputs, skipReasons }] = await Promise.all([import('../thumbs/index.js'), import('../thumbs/scan.js')]);

  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nthumbs: cancelling (Ctrl+C again to stop at once)…\n');
    process.removeListener('SIGINT', onSigint);
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const started = performance.now();
  // The output folder is never walked, even inside an input folder, and thumbnails Titlewave made are never sources.
  const scan = await scanInputs(paths, { signal: controller.signal, outDir: options.outDir });
  const operands = new Set(paths.map((path) => resolve(path)));
  let missingOperand = false;
  for (const { path, reason } of scan.skipped) {
    process.stderr.write(`thumbs: skipped ${sanitizeForTerminal(path)}: ${sanitizeForTerminal(reason)}\n`);
    if (reason === skipReasons.notFound && operands.has(path)) missingOperand = true;
  }

  // Without --out, each input's thumbnails go to a folder beside it.
  if (options.outDir === null) {
    const folders = [...new Set(scan.images.map((image, i) => outputRootFor(image, scan.roots[i] ?? null, options)))].sort();
    await lockFolders(folders).catch((error: unknown) => {
      process.removeListener('SIGINT', onSigint);
      throw error;
    });
  }

  const live = process.stderr.isTTY === true;
  // Thumbnail files, not sizes: a small image gives one file for every size at or above its own.
  let filesWritten = 0;
  let filesAlreadyThere = 0;
  let lastLine = 0;
  const showProgress = (progress: ThumbsProgress, force = false) => {
    const now = performance.now();
    if (!live || (!force && now - lastLine < 100)) return;
    lastLine = now;
    const eta = progress.etaMs === null ? '' : `, ${formatDuration(progress.etaMs)} left`;
    process.stderr.write(`\r\x1b[2Kthumbs: ${progress.done}/${progress.total} images, ${progress.failed} failed${eta}`);
  };

  let progress: ThumbsProgress;
  try {
    progress = await runThumbnails(
      { images: scan.images, roots: scan.roots, options },
      {
        pool,
        signal: controller.signal,
        onRecord: (record: ThumbRecord) => {
          filesWritten += new Set(record.outputs.filter((output) => !output.skipped).map((output) => output.path)).size;
          filesAlreadyThere += new Set(record.outputs.filter((output) => output.skipped).map((output) => output.path)).size;
          process.stdout.write(jsonLine({ input: record.input, outputs: record.outputs, error: record.error }));
        },
        onProgress: (next) => showProgress(next),
      },
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  showProgress(progress, true);
  if (live) process.stderr.write('\n');
  const cancelled = controller.signal.aborted ? ', cancelled' : '';
  // Images are counted as images, thumbnail files as thumbnails, and what the scan left out as paths.
  process.stderr.write(
    `thumbs: ${count(progress.total, 'image')} (${progress.done - progress.failed - progress.cancelled} done, ${progress.failed} failed` +
      `${progress.cancelled > 0 ? `, ${progress.cancelled} cancelled` : ''}), ` +
      `${count(filesWritten, 'thumbnail')} written, ${filesAlreadyThere} already there, ${count(scan.skipped.length, 'path')} skipped, ` +
      `${formatDuration(performance.now() - started)}${cancelled}\n`,
  );
  if (controller.signal.aborted) process.exitCode = 130;
  else if (missingOperand) process.exitCode = 1;
}

export function registerThumbsCommand(program: Command): void {
  program
    .command('thumbs')
    .description('Make thumbnails of images and folders of images (recursively): one JSON record per image on stdout')
    .argument('<paths...>', 'image files and folders')
    .option('--out <dir>', 'output folder (default: "thumbnails/NAME" beside each given folder NAME, "thumbnails" beside each given file)')
    .addOption(
      new Option('--sizes <list>', 'box sizes in pixels, comma-separated').argParser(parseSizes).default([...defaultThumbsOptions.sizes], defaultThumbsOptions.sizes.join(',')),
    )
    .option('--format <format>', `output format: ${thumbFormats.join(', ')}`, parseFormat, defaultThumbsOptions.format)
    .option('--quality <q>', 'quality of lossy formats, 1-100', parseIntIn(1, 100), defaultThumbsOptions.quality)
    .option('--workers <n>', 'worker processes (default: the number of cores)', parseIntIn(1, 256))
    .option('--pattern <pattern>', 'output name: {name} {size} {ext} {width} {height}; "/" makes subfolders', defaultThumbsOptions.pattern)
    .option('--overwrite', 'replace existing outputs (default: leave them and report them skipped)')
    .option('--keep-metadata', 'keep EXIF, ICC and XMP metadata (default: strip it)')
    .option('--no-mirror', 'put every output directly in the output folder instead of mirroring subfolders')
    .addHelpText(
      'after',
      `
Records go to stdout as JSON lines, in the order images finish (here for "titlewave thumbs ~/photos"):
  {"input":"/home/me/photos/a.jpg","outputs":[{"size":32,"path":"/home/me/thumbnails/a_32.png","width":32,"height":21},…],"error":null}
error is null or { code, message }, code one of NOT_FOUND, READ_FAILED, UNSUPPORTED, CORRUPT, TOO_LARGE,
WRITE_FAILED, WOULD_OVERWRITE_SOURCE, OUTPUT_CONFLICT, CANCELLED, WORKER_FAILED. An output left as it was
(already there) has "skipped": true. Files that are not images get no record: they are listed on stderr
with the reason ("thumbs: skipped PATH: not an image"). Hidden files inside folders are left out.
Exit status: 0 when the run completed (per-image errors are data), 1 when a PATH does not exist,
2 for bad usage, 130 when cancelled with Ctrl+C.`,
    )
    .action(async (paths: string[], cli: ThumbsCliOptions, command: Command) => {
      await runThumbsCommand(paths, cli, command);
    });
}

/**
 * `titlewave thumbs ...` on its own, without the full program (which loads every command first): the whole CLI run's
 * wall time is one of issue 5's figures. Same settings and exit codes as the full program.
 */
export async function thumbsMain(argv: string[]): Promise<number> {
  const program = newProgram();
  registerThumbsCommand(program);
  return runProgram(program, argv);
}
