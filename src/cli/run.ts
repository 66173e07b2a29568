/** Building and running a commander program the same way for the full CLI and for one command on its own. */
import { Command, CommanderError } from 'commander';
import { packageInfo } from '../package-info.js';
import { sanitizeLinesForTerminal } from './sanitize.js';

/**
 * The `titlewave` program, with no command yet: its name, version and usage-error behaviour. Usage errors quote what
 * the user typed (a file name, a flag's value) and go through sanitizeLinesForTerminal; commands added later inherit it.
 */
export function newProgram(): Command {
  return new Command('titlewave')
    .version(packageInfo.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(sanitizeLinesForTerminal(message)) });
}

/** Parse and run `argv` (without node and script); resolves with the exit code: 0 for --help and --version, 2 for bad usage. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
