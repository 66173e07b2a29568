/** `titlewave runs --redis URL [--cancel ID]`: the runs on a Redis queue and the workers connected to it. */
import type { Command } from 'commander';
import { redisOption } from './worker.js';

interface RunsFlags {
  redis?: string;
  cancel?: string;
  json?: boolean;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

// Names of runs and workers come from other machines: shown without control characters.
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('List the runs on a Redis queue (id, kind, state, done/total, workers) and the connected workers; cancel one')
    .addOption(redisOption('the queue: redis://[:PASSWORD@]HOST:6379/0, or rediss:// for TLS (required)'))
    .option('--cancel <id>', 'cancel this run: its queued jobs are removed and only its summary stays (it expires)')
    .option('--json', 'print {runs, workers} as JSON')
    .action(async (flags: RunsFlags, command: Command) => {
      if (flags.redis === undefined) command.error('error: --redis URL is required (or set TITLEWAVE_REDIS)', { exitCode: 2, code: 'titlewave.usage' });
      const { openCluster, ClusterError } = await import('../cluster/index.js');
      const cluster = await openCluster(flags.redis as string);
      try {
        if (flags.cancel !== undefined) {
          if (!(await cluster.cancelRun(flags.cancel))) throw new ClusterError('NO_RUN', `no running run ${JSON.stringify(flags.cancel.slice(0, 80))} on ${cluster.target.display}`);
          process.stdout.write(`cancelled ${flags.cancel}\n`);
          return;
        }
        const [runs, workers] = await Promise.all([cluster.listRuns(), cluster.listWorkers()]);
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify({ runs, workers })}\n`);
          return;
        }
        const now = Date.now();
        const rows = [['ID', 'KIND', 'STATE', 'DONE/TOTAL', 'WORKERS', 'UPDATED', 'NAME']];
        for (const run of runs) {
          const total = run.inputDone ? String(run.total) : `${run.total}+`;
          rows.push([run.id, run.kind, run.state, `${Math.max(run.done, 0)}/${total}`, String(run.workers.length), `${age(now - run.updatedAt)} ago`, printable(run.name).slice(0, 40)]);
        }
        const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
        const table = (list: string[][]): string => list.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
        process.stdout.write(runs.length === 0 ? `no runs on ${cluster.target.display}\n` : `${table(rows)}\n`);
        process.stdout.write(`\n${workers.length} worker${workers.length === 1 ? '' : 's'} connected${workers.length > 0 ? ':' : ''}\n`);
        for (const worker of workers) {
          process.stdout.write(`  ${printable(worker.name)}  ${worker.inFlight} in flight, ${worker.jobs} jobs, ${worker.done} done, ${worker.rate.toFixed(1)}/s, seen ${age(now - worker.seenAt)} ago (titlewave ${printable(worker.version)}, schema ${worker.schema})\n`);
        }
      } finally {
        await cluster.close();
      }
    });
}
