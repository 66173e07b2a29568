/** The environment every worker process starts with, whichever spawner starts it (Node's fork, Electron's utilityProcess). */

/**
 * glibc gives every thread that allocates (libvips' above all) a malloc arena of its own and keeps what they freed:
 * two arenas per worker cut the peak memory of the bench's thumbnails run by about a seventh (222 MiB against 258)
 * at no measurable cost in time (bench/thumbs.mjs). Other C libraries ignore the variable.
 */
export const WORKER_MALLOC_ARENA_MAX = '2';

/**
 * Variables a worker has no use for and that cost it at every start. NODE_EXTRA_CA_CERTS: Node reads and parses that
 * certificate file as the process starts, whether it ever opens a TLS connection or not (48 ms of CPU for a 215 KB
 * bundle, measured with `node -e 0`: more than the rest of Node's own start); workers only compute and read local
 * files.
 */
export const WORKER_UNUSED_VARIABLES: readonly string[] = ['NODE_EXTRA_CA_CERTS'];

/**
 * This process's environment, plus `extra`, plus the worker's index, without WORKER_UNUSED_VARIABLES.
 * MALLOC_ARENA_MAX is WORKER_MALLOC_ARENA_MAX unless the environment (or `extra`) already sets it: a value the user
 * chose wins.
 */
export function workerEnvironment(workerIndex: number, extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX, ...base, ...extra, TITLEWAVE_WORKER_INDEX: String(workerIndex) };
  for (const name of WORKER_UNUSED_VARIABLES) delete env[name];
  return env;
}
