/** The `titlewave` command line: the same engines the desktop app runs. */
import type { Command } from 'commander';
import { registerPrimesCommand } from './primes.js';
import { newProgram, runProgram } from './run.js';
import { registerRunsCommand } from './runs.js';
import { registerServeCommand } from './serve.js';
import { registerThumbsCommand } from './thumbs.js';
import { registerTitlesCommand } from './titles.js';
import { registerWorkerCommand } from './worker.js';

export function buildProgram(): Command {
  const program = newProgram().description('Slow work done fast and concurrently: page titles, primes, thumbnails.');
  // Each feature registers its own subcommand below.
  registerPrimesCommand(program);
  registerRunsCommand(program);
  registerServeCommand(program);
  registerThumbsCommand(program);
  registerTitlesCommand(program);
  registerWorkerCommand(program);
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves with the process exit code. */
export function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
