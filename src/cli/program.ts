/** The `titlewave` command line: the same engines the desktop app runs. */
import { Command, CommanderError } from 'commander';
import { packageInfo } from '../package-info.js';
import { registerPrimesCommand } from './primes.js';
import { registerServeCommand } from './serve.js';
import { registerThumbsCommand } from './thumbs.js';
import { registerTitlesCommand } from './titles.js';

export function buildProgram(): Command {
  const program = new Command('titlewave')
    .description('Slow work done fast and concurrently: page titles, primes, thumbnails.')
    .version(packageInfo.version)
    .showHelpAfterError()
    .exitOverride();
  // Each feature registers its own subcommand below.
  registerPrimesCommand(program);
  registerServeCommand(program);
  registerThumbsCommand(program);
  registerTitlesCommand(program);
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
}
