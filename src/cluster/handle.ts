/**
 * One connection to a cluster for a UI or a command: test it, list runs and workers, cancel a run, attach to a run.
 * What the app's "Run on: a Redis queue" setting and its queue view are built on.
 */
import type { Redis } from 'ioredis';
import { checkRedis, createRedis, parseRedisUrl, type RedisInfo, type RedisTarget } from './connection.js';
import { getRun, listRuns, listWorkers, type RunInfo, type WorkerStatus } from './registry.js';
import { cancelClusterRun, ClusterTitlesRun, type ClusterTitlesInit } from './titles-producer.js';

export interface ClusterHandle {
  readonly target: RedisTarget;
  /** What the start-up check found (version, eviction policy, memory in use). */
  readonly info: RedisInfo;
  listRuns(): Promise<RunInfo[]>;
  getRun(id: string): Promise<RunInfo | null>;
  listWorkers(): Promise<WorkerStatus[]>;
  /** Cancel a running or interrupted run; false when there is none of that id. */
  cancelRun(id: string): Promise<boolean>;
  /** Start a titles run, or attach to one (`runId` + `resume: true`), on this cluster. */
  startTitles(init: Omit<ClusterTitlesInit, 'target'>): Promise<ClusterTitlesRun>;
  close(): Promise<void>;
}

/**
 * Checks the URL and the server (throws a ClusterError with one line for the user: unreachable, password, TLS,
 * eviction policy) and returns a handle. The connection test of a settings page is `openCluster(url).then(h => h.close())`.
 */
export async function openCluster(url: string): Promise<ClusterHandle> {
  const target = parseRedisUrl(url);
  const info = await checkRedis(target);
  const client: Redis = createRedis(target);
  return {
    target,
    info,
    listRuns: () => listRuns(client),
    getRun: (id) => getRun(client, id),
    listWorkers: () => listWorkers(client),
    cancelRun: (id) => cancelClusterRun(client, target, id),
    startTitles: (init) => ClusterTitlesRun.start({ ...init, target }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
