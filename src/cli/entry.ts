/**
 * What the CLI's two entries share: the installed command (launcher.ts, built to dist/titlewave.cjs) and the ES module
 * CLI (main.ts). A plain `titlewave primes check N...` (operands only; negative numbers are operands too) runs without
 * the argument parser or any other engine: its whole-process time on a short list is one of the project's figures
 * (issue 4).
 */
import { sanitizeForTerminal } from './sanitize.js';
import { errorMessage } from '../errors.js';

const isOperand = (arg: string): boolean => !arg.startsWith('-') || /^-\d/.test(arg);

/** Runs `argv` and resolves true when it is a plain `primes check N...`; resolves false, having done nothing, otherwise. */
export async function runPlainPrimesCheck(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== 'primes' || argv[1] !== 'check' || !argv.slice(2).every(isOperand)) return false;
  const { runCheck } = await import('./primes-run.js');
  await runCheck(argv.slice(2), undefined);
  return true;
}

/** An error no command turned into a message of its own: one line on stderr, exit status 1. */
export function reportFailure(error: unknown): void {
  process.stderr.write(`titlewave: ${sanitizeForTerminal(errorMessage(error))}\n`);
  process.exitCode = 1;
}
