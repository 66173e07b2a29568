/** `titlewave worker --redis URL`: take titles and primes jobs from a Redis queue until SIGINT or SIGTERM. */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { sanitizeForTerminal } from './sanitize.js';

interface WorkerFlags {
  redis?: string;
  concurrency: number;
  workers?: number;
  name?: string;
  lockTimeout: number;
  verbose?: boolean;
}

const wholeNumber = (min: number, max: number) => (value: string): number => {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return number;
};

const lockSeconds = (value: string): number => {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0.5 || number > 600) throw new InvalidArgumentError('expected seconds from 0.5 to 600.');
  return number;
};

/** The --redis option every cluster command shares: TITLEWAVE_REDIS may stand for it. */
export function redisOption(description: string): Option {
  return new Option('--redis <url>', description).env('TITLEWAVE_REDIS');
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Work for runs on a Redis queue: titles jobs (async requests) and primes jobs (worker processes), until Ctrl+C')
    .addOption(redisOption('the queue: redis://[:PASSWORD@]HOST:6379/0, or rediss:// for TLS (required)'))
    .option('-c, --concurrency <n>', 'requests in flight for titles jobs', wholeNumber(1, 10_000), 100)
    .option('--workers <n>', 'worker processes for primes jobs (default: one per core)', wholeNumber(1, 256))
    .option('--name <name>', 'name shown in `titlewave runs` and the app (default: host name and process id)')
    .option('--lock-timeout <seconds>', 'how soon the jobs of a worker that died go to other workers', lockSeconds, 5)
    .option('-v, --verbose', 'print one line per finished job')
    .addHelpText(
      'after',
      `
On SIGINT or SIGTERM the worker takes no new job, lets the jobs it holds finish for up to 3 s, hands the rest back to
the queue, and exits 0. A worker killed outright (kill -9, power loss) loses nothing either: its jobs go to other
workers after --lock-timeout, and what it had committed is not fetched again. See docs/cluster.md.

Examples:
  titlewave worker --redis redis://10.0.0.5:6379/0
  TITLEWAVE_REDIS=rediss://:secret@queue.example:6380/0 titlewave worker --concurrency 200 --name rack-3`,
    )
    .action(async (flags: WorkerFlags, command: Command) => {
      if (flags.redis === undefined) command.error('error: --redis URL is required (or set TITLEWAVE_REDIS)', { exitCode: 2, code: 'titlewave.usage' });
      if (flags.name !== undefined && !/^[\w.@-]{1,64}$/.test(flags.name)) command.error('error: --name may hold letters, digits, "_", "-", "." and "@" (at most 64)', { exitCode: 2, code: 'titlewave.usage' });
      const { parseRedisUrl, startClusterWorker, checkRedis } = await import('../cluster/index.js');
      const target = parseRedisUrl(flags.redis as string);
      const processes = flags.workers ?? availableParallelism();
      let fatal: Error | null = null;
      let resolveStopped: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
      const worker = await startClusterWorker({
        target,
        concurrency: flags.concurrency,
        processes,
        lockMs: Math.round(flags.lockTimeout * 1000),
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.verbose === true ? { onJob: (line: string) => process.stderr.write(`${line}\n`) } : {}),
        onFatal: (error) => {
          fatal = error;
          resolveStopped();
        },
      });
      const info = await checkRedis(target).catch(() => null);
      process.stderr.write(`worker ${worker.name}: taking jobs from ${target.display}${info ? ` (Redis ${info.version})` : ''}; ${flags.concurrency} requests, ${processes} processes; Ctrl+C to stop\n`);
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals > 1) process.exit(130);
        void worker.stop().then(resolveStopped);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (fatal !== null) {
        process.stderr.write(`titlewave: ${sanitizeForTerminal((fatal as Error).message)}\n`);
        process.exitCode = 1;
      }
      // Stopped: a connection still trying to reach a Redis that went away must not keep the process alive.
      setTimeout(() => process.exit(), 200).unref();
    });
}
