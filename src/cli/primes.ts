/**
 * `titlewave primes check|count|list`: primality of numbers, and the primes of a range.
 * check: one JSON record per number on stdout, in input order. count: one JSON object. list: the primes, one per
 * line, to stdout or --output FILE. A live progress line goes to stderr only when it is a terminal.
 * Engines load inside the actions, so `primes check` of a short list starts no more than it needs.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { packageInfo } from '../package-info.js';
import type { PrimeCheckRecord, RangeProgress, RangeResult } from '../primes/types.js';
import type { WorkerPool } from '../workers/types.js';

const MAX_WORKERS = 256;
/** Tokens checked per block when reading stdin: memory stays bounded whatever the input's size. */
const STDIN_BLOCK_TOKENS = 50_000;
/** A token longer than this (far past the 2000-digit limit) is kept truncated while the rest of it streams by. */
const MAX_TOKEN_CHARS = 100_000;

function parseWorkers(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_WORKERS) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_WORKERS}`);
  return number;
}

const boundHelp = 'a non-negative integer up to 1e17; exact scientific notation is fine (1e10, 2.5e9)';

export function registerPrimesCommand(program: Command): void {
  const primes = program
    .command('primes')
    .description('Check numbers for primality, count or list the primes of a range (in worker processes)')
    .addHelpText(
      'after',
      `
Examples:
  titlewave primes check 97 1099726899285419 170141183460469231731687303715884105727
  echo "2047, 3215031751 abc" | titlewave primes check
  titlewave primes count 1e15 1000001000000000 --workers 2
  titlewave primes list 1e9 1.0001e9 --output primes.txt`,
    );

  primes
    .command('check')
    .description('Primality of each number (stdin when none is given): one JSON record per number')
    .argument('[N...]', 'numbers (integers of any size); separators: spaces, commas, new lines')
    .option('--workers <n>', 'worker processes for big lists (default: one per core)', parseWorkers)
    .addHelpText(
      'after',
      `
Each record: {"index","n","prime","factor","method","proven","error"}.
  method: trivial | trial-division | miller-rabin-deterministic | baillie-psw
  proven: false only for "prime" answers above 2^64 (Baillie-PSW: no known counterexample, not a proof)
  factor: the smallest prime factor of a composite when it is cheap to find, else null
  error:  null, or {"code","message"} with code NOT_AN_INTEGER, NEGATIVE, TOO_LARGE (over 2000 digits), WORKER_FAILED`,
    )
    .action(async (numbers: string[], options: { workers?: number }) => {
      await runCheck(numbers, options.workers);
    });

  primes
    .command('count')
    .description('Count the primes in [FROM, TO]: one JSON object {from, to, count, ms, workers, speedup, cancelled}')
    .argument('<FROM>', boundHelp)
    .argument('<TO>', boundHelp)
    .option('--workers <n>', 'worker processes (default: one per core)', parseWorkers)
    .action(async (from: string, to: string, options: { workers?: number }, command: Command) => {
      await runRange(command, { from, to, mode: 'count', workers: options.workers, output: null });
    });

  primes
    .command('list')
    .description('List the primes in [FROM, TO], one per line, ascending (to stdout, or to --output FILE)')
    .argument('<FROM>', boundHelp)
    .argument('<TO>', boundHelp)
    .option('--output <file>', 'write the primes to FILE (replaced only when the run completes)')
    .option('--workers <n>', 'worker processes (default: one per core)', parseWorkers)
    .action(async (from: string, to: string, options: { workers?: number; output?: string }, command: Command) => {
      await runRange(command, { from, to, mode: 'list', workers: options.workers, output: options.output ?? null });
    });
}

/** Whitespace as JavaScript's \\s has it, and the comma: the list separators. */
function isSeparator(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code === 44) return true;
  if (code < 160) return false;
  return code === 160 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Index of the last separator in text, or -1. */
function lastSeparator(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (isSeparator(text.charCodeAt(i))) return i;
  return -1;
}

/**
 * The CLI with only the primes command: the bin entry runs this for `titlewave primes ...`, so a short check does
 * not first load every other engine (the whole-process time of `primes check` is one of the project's figures).
 * Same program name, help, exit codes (0, 2 for bad usage) as the full program.
 */
export async function primesMain(argv: string[]): Promise<number> {
  const program = new Command('titlewave').version(packageInfo.version).showHelpAfterError().exitOverride();
  registerPrimesCommand(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
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

async function runCheck(numbers: string[], workers: number | undefined): Promise<void> {
  const engine = await import('../primes/index.js');
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
        const cut = lastSeparator(text);
        block += text.slice(0, cut + 1);
        carry = text.slice(cut + 1, cut + 1 + MAX_TOKEN_CHARS);
        blockTokens += (text.slice(0, cut + 1).match(/[^\s,]+/g) ?? []).length;
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

async function runRange(
  command: Command,
  request: { from: string; to: string; mode: 'count' | 'list'; workers: number | undefined; output: string | null },
): Promise<void> {
  const engine = await import('../primes/index.js');
  // Bad bounds are a usage error (exit 2), reported before any worker starts.
  let from: bigint;
  let to: bigint;
  try {
    from = engine.parseBound(request.from, 'FROM');
    to = engine.parseBound(request.to, 'TO');
    if (from > to) throw new engine.PrimesInputError(`FROM (${from}) is greater than TO (${to})`);
  } catch (error) {
    command.error(`error: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 2, code: 'titlewave.primes.bounds' });
  }
  const { createWorkerPool } = await import('../workers/pool.js');
  const pool = createWorkerPool(request.workers ? { size: request.workers } : {});
  const interrupt = abortOnInterrupt();
  const showProgress = process.stderr.isTTY === true;
  let result: RangeResult;
  try {
    result = await engine.primeRange(
      { from: from.toString(), to: to.toString(), mode: request.mode, output: request.output, ...(request.workers ? { workers: request.workers } : {}) },
      {
        pool,
        signal: interrupt.signal,
        ...(showProgress ? { onProgress: (progress: RangeProgress) => process.stderr.write(formatProgress(progress)) } : {}),
        ...(request.mode === 'list' && !request.output ? { write: writeOut } : {}),
      },
    );
  } finally {
    interrupt.dispose();
    if (showProgress) process.stderr.write('\r\x1b[K');
    await pool.close();
  }
  if (stdoutClosed) return;
  if (request.mode === 'count') await writeOut(JSON.stringify(result) + '\n');
  else process.stderr.write(`${result.count.toLocaleString('en-US')} primes in [${result.from}, ${result.to}]${request.output && !result.cancelled ? ` written to ${request.output}` : ''}, ${(result.ms / 1000).toFixed(2)} s${result.cancelled ? ' (cancelled)' : ''}\n`);
}
