/**
 * The `--redis` branch of `titlewave titles`: the same run, with its requests made by the workers of a Redis queue.
 * The command keeps its input, output, resume, progress and summary; this module only connects and starts the
 * producer (src/cluster/), whose job has the same interface as the local engine's.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { TitlesJob, TitlesJobInit } from '../titles/engine.js';
import type { RedisTarget } from '../cluster/connection.js';

/** Parses the URL and checks the server before the command touches any file (a bad URL or server exits 1). */
export async function prepareClusterTitles(url: string): Promise<RedisTarget> {
  // The modules themselves, not src/cluster/index.js: that one also loads the worker side and with it the HTTP client.
  const { parseRedisUrl, checkRedis } = await import('../cluster/connection.js');
  const target = parseRedisUrl(url);
  await checkRedis(target);
  return target;
}

/**
 * A run writing to `output` has an id made from this machine and the file's full path, so `--resume` with the same
 * output finds the run on the queue again; without an output, a new id each time.
 */
export function runIdForOutput(output: string | undefined): string | null {
  if (output === undefined) return null;
  const full = resolve(output);
  let folder = dirname(full);
  try {
    folder = realpathSync(folder);
  } catch {
    // The folder's own name then.
  }
  return `t-${createHash('sha256').update(`${hostname()}\0${folder}\0${basename(full)}`).digest('hex').slice(0, 24)}`;
}

export async function startClusterTitles(
  init: TitlesJobInit & { target: RedisTarget; output: string | undefined; resume: boolean; settled?: () => Promise<void>; notice: (message: string) => void },
): Promise<TitlesJob & { cancelEverywhere(): Promise<void> }> {
  const { ClusterTitlesRun } = await import('../cluster/titles-producer.js');
  const runId = runIdForOutput(init.output);
  const run = await ClusterTitlesRun.start({
    target: init.target,
    // prepareClusterTitles checked it moments ago.
    checked: true,
    lines: init.lines,
    ...(init.options !== undefined ? { options: init.options } : {}),
    ...(runId !== null ? { runId } : {}),
    resume: init.resume,
    name: init.output !== undefined ? basename(init.output) : 'titles (standard output)',
    ...(init.signal !== undefined ? { signal: init.signal } : {}),
    ...(init.skip !== undefined ? { skip: init.skip } : {}),
    onRecord: init.onRecord,
    ...(init.settled !== undefined ? { settled: init.settled } : {}),
    onNotice: init.notice,
    // Ctrl+C stops this producer; a second one within 2 s cancels the run on the queue as well.
    stopGraceMs: 2000,
  });
  return run.asTitlesJob();
}
