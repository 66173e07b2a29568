/**
 * `titlewave serve`: the app in the user's own browser, served on 127.0.0.1 with the same services behind it.
 * The server and the services (every engine) load inside the action: registering the command, `--help`, and every
 * other command of the program cost none of that.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { checkOutputFolder, PathProblem } from '../fs/paths.js';
import { PREVIEW_PATH } from '../server/protocol.js';
import { defaultDataDir } from '../services/data-dir.js';
import { errorMessage } from '../errors.js';
import { sanitizeForTerminal } from './sanitize.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one)');
  return port;
}

export interface ServeOptions {
  port: number;
  open?: boolean;
  dataDir: string;
  /** Forget the data folder's saved access token and make a new one (pages open on the old address stop working). */
  newAddress?: boolean;
}

/** Start, print the URL (first line on stdout), and run until SIGINT or SIGTERM; then shut down cleanly. */
export async function serve(options: ServeOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const [{ startBrowserServer }, { createServices }, { loadOrCreateToken }] = await Promise.all([
    import('../server/server.js'),
    import('../services/index.js'),
    import('../server/token-file.js'),
    mkdir(dataDir, { recursive: true, mode: 0o700 }),
  ]);
  // One token per data folder, so a restart on the same port keeps the address and open pages reconnect by themselves.
  const token = await loadOrCreateToken(dataDir, { renew: options.newAddress === true });
  // Relative to the page (`/t/<token>/`), so previews sit below the secret prefix with everything else.
  // What goes wrong with no page waiting to hear it (a run's meta.json that could not be saved) goes to stderr.
  const log = (message: string) => process.stderr.write(`titlewave: ${sanitizeForTerminal(message)}\n`);
  const services = createServices({ dataDir, host: 'titlewave serve', log, previewUrl: (preview) => `${PREVIEW_PATH}${preview}` });
  let server;
  try {
    server = await startBrowserServer({ services, dataDir, port: options.port, token });
  } catch (error) {
    await services.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port} is in use; choose another with --port, or --port 0 for any free one`);
    if (code === 'EACCES') throw new Error(`port ${options.port} needs privileges; choose one above 1023`);
    throw error;
  }
  // Listening before the address is out: a script that reads it and stops the server at once gets a clean stop.
  const stopped = new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });
  // The first line on stdout is the URL, token included, so scripts and tests can read it.
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    `Titlewave is serving on ${server.origin} (this machine only). Open the address above: it stays the same for this data folder, and with the same --port open pages reconnect after a restart. Press Ctrl+C to stop.\n`,
  );
  if (options.open) {
    const { openWithSystem } = await import('../server/open.js');
    openWithSystem(server.url).catch((error: unknown) => process.stderr.write(`titlewave: could not open a browser (${errorMessage(error)}); open the address yourself.\n`));
  }

  const signal = await stopped;
  process.stderr.write(`Titlewave: ${signal}, stopping (runs in progress stay resumable)…\n`);
  // A second signal during shutdown ends the process at once (the listeners above were one-shot).
  await server.close();
  await services.close();
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the app to your browser on 127.0.0.1: prints the address (with its access token) as the first line')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--open', 'open the address in the system browser')
    .option('--data-dir <dir>', 'folder for run history, settings and the saved access token', defaultDataDir())
    .option('--new-address', 'make a new access token for this data folder (pages open on the old address stop working)')
    .action(async (options: ServeOptions, command: Command) => {
      // A data folder that is a file: a usage error (exit 2), not a failure to start.
      try {
        await checkOutputFolder(options.dataDir, '--data-dir');
      } catch (error) {
        if (error instanceof PathProblem) command.error(`error: ${error.message}`, { exitCode: 2, code: 'titlewave.refused' });
        throw error;
      }
      await serve(options);
    });
}
