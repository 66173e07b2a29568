/**
 * `titlewave primes check|count|list`: primality of numbers, and the primes of a range.
 * check: one JSON record per number on stdout, in input order. count: one JSON object. list: the primes, one per
 * line, to stdout or --output FILE (one that exists only with --force). A live progress line goes to stderr only when it is a terminal.
 * Engines load inside the actions, so `primes check` of a short list starts no more than it needs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { newProgram, runProgram } from './run.js';
import { FACTOR_SEARCH_MS, MAX_SIEVE_BOUND_TEXT } from '../primes/limits.js';
import { runCheck, runRange, UsageError } from './primes-run.js';

const MAX_WORKERS = 256;

function parseWorkers(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_WORKERS) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_WORKERS}`);
  return number;
}

const boundHelp = `a non-negative integer up to ${MAX_SIEVE_BOUND_TEXT}; exact scientific notation is fine (1e10, 2.5e9)`;

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
    .argument('[N...]', 'numbers (integers of any size); separators: spaces, new lines, semicolons, ", "; digits may be grouped: 1,000,003 and 1_000_003 are one number')
    .option('--workers <n>', 'worker processes for big lists (default: one per core)', parseWorkers)
    .addHelpText(
      'after',
      `
Each record: {"index","n","prime","factor","method","proven","error"}.
  method: trivial | trial-division | miller-rabin-deterministic | baillie-psw
  proven: false only for "prime" answers above 2^64 (Baillie-PSW: no known counterexample, not a proof)
  prime:  false for 0 and 1 too, which are neither prime nor composite (method trivial, factor null)
  factor: the smallest prime factor of a composite, searched for up to ${FACTOR_SEARCH_MS} ms of CPU (trial division, Pollard-Brent rho); null when not found
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
    .addOption(redisQueueOption())
    .action(async (from: string, to: string, options: { workers?: number; redis?: string }, command: Command) => {
      await usageErrorsExit2(command, () => runRange({ from, to, mode: 'count', workers: options.workers, output: null, overwrite: false, redis: options.redis }));
    });

  primes
    .command('list')
    .description('List the primes in [FROM, TO], one per line, ascending (to stdout, or to --output FILE)')
    .argument('<FROM>', boundHelp)
    .argument('<TO>', boundHelp)
    .option('--output <file>', 'write the primes to FILE instead of standard output (it appears when the run completes)')
    .option('--force', 'replace --output if it exists')
    .option('--workers <n>', 'worker processes (default: one per core)', parseWorkers)
    .addOption(redisQueueOption())
    .action(async (from: string, to: string, options: { workers?: number; output?: string; force?: boolean; redis?: string }, command: Command) => {
      await usageErrorsExit2(command, () =>
        runRange({ from, to, mode: 'list', workers: options.workers, output: options.output ?? null, overwrite: options.force === true, redis: options.redis }),
      );
    });
}

/** --redis for count and list: the chunks go to the workers of a Redis queue (titlewave worker). */
function redisQueueOption(): Option {
  return new Option('--redis <url>', 'deal the chunks to the workers of this Redis queue (redis://HOST:6379/0); see titlewave worker').env('TITLEWAVE_REDIS');
}

/** Bad bounds and an output file that exists are usage errors: commander prints them and the exit status is 2. */
async function usageErrorsExit2(command: Command, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2, code: 'titlewave.primes.usage' });
    throw error;
  }
}

/**
 * The CLI with only the primes command: the bin entry runs this for `titlewave primes ...`, so a short check does
 * not first load every other engine (the whole-process time of `primes check` is one of the project's figures).
 * Same program name, help, exit codes (0, 2 for bad usage) as the full program.
 */
export async function primesMain(argv: string[]): Promise<number> {
  const program = newProgram();
  registerPrimesCommand(program);
  return runProgram(program, argv);
}
