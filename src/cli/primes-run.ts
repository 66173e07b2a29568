/**
 * The work behind `titlewave primes check|count|list`, without the argument parsing (src/cli/primes.ts): the bin
 * entry calls runCheck directly for a plain `primes check N...`, so a short check loads neither commander nor any
 * other engine (its whole-process time is one of the project's figures).
 */
import type { PrimeCheckRecord, RangeProgress, RangeResult } from '../primes/types.js';
import type { WorkerPool } from '../workers/types.js';
import type { HeldLock } from './output-lock.js';
import { sanitizeForTerminal } from './sanitize.js';
import { errorMessage } from '../errors.js';

/** Tokens checked per block when reading stdin: memory stays bounded whatever the input's size. */
const STDIN_BLOCK_TOKENS = 50_000;
/** A token longer than this (far past the 2000-digit limit) is kept truncated while the rest of it streams by. */
const MAX_TOKEN_CHARS = 100_000;

/** Thrown for bounds that make a usage error (exit 2); the caller reports it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A run of text without white space longer than this is cut at a comma when it cannot be one grouped number. */
const LONG_RUN_CHARS = 8192;
/** The start of a number written in thousands (1,000,0…): its commas group digits, they do not separate. */
const THOUSANDS_SO_FAR = /^[+-]?\d{1,3}(?:[,\uff0c]\d{3})*[,\uff0c]?\d{0,3}$/;

/**
 * Where a stream of text can be cut without cutting a number: after the last character that separates numbers
 * wherever it stands (white space, `;`), or, in a long run of numbers joined by bare commas (1,2,3,…), after its last
 * comma: such a run is no number written in thousands, so every comma of it separates. -1: nowhere yet.
 */
function lastCut(text: string, isHardSeparator: (code: number) => boolean): number {
  let hard = text.length - 1;
  while (hard >= 0 && !isHardSeparator(text.charCodeAt(hard))) hard--;
  if (text.length - hard - 1 <= LONG_RUN_CHARS) return hard;
  const run = text.slice(hard + 1);
  if (THOUSANDS_SO_FAR.test(run)) return hard;
  const comma = Math.max(run.lastIndexOf(','), run.lastIndexOf('\uff0c'));
  return comma < 0 ? hard : hard + 1 + comma;
}

/** stdout, honouring backpressure (a pipe to a slow reader). */
async function writeOut(text: string): Promise<void> {
  if (stdoutClosed) return;
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('close', done);
    });
  }
}

/** Set when stdout's reader went away (`| head`): the job stops quietly. */
let stdoutClosed = false;

function recordLines(records: PrimeCheckRecord[]): string {
  let text = '';
  for (const record of records) text += JSON.stringify(record) + '\n';
  return text;
}

/**
 * Abort on Ctrl+C (once; a second one ends the process the usual way), and when stdout's reader goes away
 * (EPIPE, as with `| head`): then the job stops without a word and the exit status stays 0.
 */
function abortOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    process.off('SIGINT', onInterrupt);
    process.exitCode = 130;
    controller.abort();
  };
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onInterrupt);
      // Keep swallowing EPIPE: writes already queued may still fail after the job.
      if (!stdoutClosed) process.stdout.off('error', onStdoutError);
    },
  };
}

export async function runCheck(numbers: string[], workers: number | undefined): Promise<void> {
  const engine = await import('../primes/check.js');
  const interrupt = abortOnInterrupt();
  let pool: WorkerPool | null = null;
  let nextIndex = 0;
  const checkBlock = async (text: string): Promise<void> => {
    const tokens = engine.parseNumberList(text).map(({ token }) => ({ index: nextIndex++, token }));
    if (tokens.length === 0) return;
    // Worker processes only when the block is worth them.
    if (!pool && engine.estimateCheckCost(tokens) > engine.IN_PROCESS_MS) {
      const { createWorkerPool } = await import('../workers/pool.js');
      pool = createWorkerPool(workers ? { size: workers } : {});
    }
    let pending = '';
    await engine.checkPrimes(tokens, {
      ...(pool ? { pool } : {}),
      signal: interrupt.signal,
      onRecords: (records) => (pending += recordLines(records)),
    });
    await writeOut(pending);
  };
  try {
    if (numbers.length > 0) {
      await checkBlock(numbers.join(' '));
    } else {
      let carry = '';
      let block = '';
      let blockTokens = 0;
      process.stdin.setEncoding('utf8');
      for await (const chunk of process.stdin as AsyncIterable<string>) {
        // A token may straddle chunks: keep the text after the last separator for the next one.
        const text = carry + chunk;
        const cut = lastCut(text, engine.isHardSeparator);
        block += text.slice(0, cut + 1);
        carry = text.slice(cut + 1, cut + 1 + MAX_TOKEN_CHARS);
        blockTokens += engine.countNumbers(text.slice(0, cut + 1));
        if (blockTokens >= STDIN_BLOCK_TOKENS) {
          await checkBlock(block);
          block = '';
          blockTokens = 0;
        }
      }
      await checkBlock(block + carry);
    }
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
  } finally {
    interrupt.dispose();
    await (pool as WorkerPool | null)?.close();
  }
}

function formatProgress(progress: RangeProgress): string {
  const percent = progress.total > 0 ? ((100 * progress.sieved) / progress.total).toFixed(1) : '100.0';
  const eta = progress.etaMs === null ? '' : `, ETA ${(progress.etaMs / 1000).toFixed(1)} s`;
  return `\r${percent}%  ${progress.count.toLocaleString('en-US')} primes, ${(progress.elapsedMs / 1000).toFixed(1)} s${eta}   `;
}

export async function runRange(
  request: { from: string; to: string; mode: 'count' | 'list'; workers: number | undefined; output: string | null; overwrite: boolean; redis?: string | undefined },
): Promise<void> {
  const engine = await import('../primes/range.js');
  // Bad bounds are a usage error (exit 2), reported before any worker starts.
  let from: bigint;
  let to: bigint;
  try {
    from = engine.parseBound(request.from, 'FROM');
    to = engine.parseBound(request.to, 'TO');
    if (from > to) throw new engine.PrimesInputError(`FROM (${from}) is greater than TO (${to})`);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const output = request.mode === 'list' ? request.output : null;
  // The output file: one that can be written (a folder, a missing folder, an empty name are refused), never one
  // that exists unless told to (--force), and one Titlewave process at a time: all refused before any work.
  let lock: HeldLock | null = null;
  if (output !== null) {
    const [{ checkOutputFile, PathProblem }, { holdOutputLock }, { LockedError }] = await Promise.all([import('../fs/paths.js'), import('./output-lock.js'), import('../fs/lock.js')]);
    try {
      await checkOutputFile(output, 'the output');
      engine.assertOutputWritable(output, request.overwrite);
      // Nor a list its disk cannot hold.
      engine.assertRoomForList(output, from, to);
      lock = await holdOutputLock(output, 'titlewave primes list');
    } catch (error) {
      if (error instanceof engine.OutputExistsError) throw new UsageError(`${error.path} already exists; add --force to replace it`);
      if (error instanceof engine.NoSpaceError) throw new UsageError(`${error.message}; free some space or choose another --output`);
      if (error instanceof PathProblem || error instanceof LockedError || error instanceof engine.PrimesInputError) throw new UsageError(error.message);
      throw error;
    }
  }
  try {
    await sieveRange(engine, request, from, to, output);
  } finally {
    await lock?.release();
  }
}

async function sieveRange(
  engine: typeof import('../primes/range.js'),
  request: { mode: 'count' | 'list'; workers: number | undefined; overwrite: boolean; redis?: string | undefined },
  from: bigint,
  to: bigint,
  output: string | null,
): Promise<void> {
  // Ctrl+C is ours before any worker starts: one that came while the workers were being forked ended the process
  // the default way (no clean-up, the output's lock left behind).
  const interrupt = abortOnInterrupt();
  let pool: WorkerPool;
  try {
    // --redis: the chunks go to the workers of a Redis queue (the same engine over a pool whose workers are theirs).
    pool =
      request.redis !== undefined
        ? await import('../cluster/index.js').then((cluster) =>
            cluster.createClusterPrimesPool({
              target: cluster.parseRedisUrl(request.redis as string),
              name: `primes ${request.mode} ${from}..${to}`,
              onNotice: (message) => process.stderr.write(`primes: ${sanitizeForTerminal(message)}\n`),
            }),
          )
        : // Work is certain: start the workers now, so their start-up overlaps ours.
          (await import('../workers/pool.js')).createWorkerPool({ prestart: true, ...(request.workers ? { size: request.workers } : {}) });
  } catch (error) {
    interrupt.dispose();
    throw error;
  }
  const showProgress = process.stderr.isTTY === true;
  let result: RangeResult;
  try {
    result = await engine.primeRange(
      { from: from.toString(), to: to.toString(), mode: request.mode, output, overwrite: request.overwrite, ...(request.workers ? { workers: request.workers } : {}) },
      {
        pool,
        signal: interrupt.signal,
        ...(showProgress ? { onProgress: (progress: RangeProgress) => process.stderr.write(formatProgress(progress)) } : {}),
        ...(request.mode === 'list' && !output ? { write: writeOut } : {}),
      },
    );
  } finally {
    interrupt.dispose();
    if (showProgress) process.stderr.write('\r\x1b[K');
    await pool.close();
  }
  if (stdoutClosed) return;
  if (request.mode === 'count') await writeOut(JSON.stringify(result) + '\n');
  else process.stderr.write(`${result.count.toLocaleString('en-US')} primes in [${result.from}, ${result.to}]${output && !result.cancelled ? ` written to ${sanitizeForTerminal(output)}` : ''}, ${(result.ms / 1000).toFixed(2)} s${result.cancelled ? ' (cancelled)' : ''}\n`);
}
