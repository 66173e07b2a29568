/**
 * One connection to a cluster for a UI or a command: test it, list runs and workers, cancel a run, attach to a run.
 * What the app's "Run on: a Redis queue" setting and its queue view are built on.
 */
import type { Redis } from 'ioredis';
import { checkRedis, createRedis, parseRedisUrl, type RedisInfo, type RedisTarget } from './connection.js';
import { ClusterError } from './errors.js';
import { getRun, listRuns, listWorkers, removeQueuedJobs, type RunInfo, type WorkerStatus } from './registry.js';
import { keys, SCHEMA_VERSION } from './schema.js';
import { within } from '../within.js';
import { cancelClusterRun, ClusterTitlesRun, titlesQueue, type ClusterTitlesInit } from './titles-producer.js';

export interface ClusterHandle {
  readonly target: RedisTarget;
  /** What the start-up check found (version, eviction policy, memory in use). */
  readonly info: RedisInfo;
  listRuns(): Promise<RunInfo[]>;
  getRun(id: string): Promise<RunInfo | null>;
  listWorkers(): Promise<WorkerStatus[]>;
  /** Cancel a running or interrupted run; false when there is none of that id. */
  cancelRun(id: string): Promise<boolean>;
  /**
   * Take a titles run's waiting jobs off the queue (its producer must be stopped first, or it deals them again): what
   * pausing a run means on a queue. Jobs being worked on finish; `startTitles` with `resume: true` goes on.
   */
  removeQueuedJobs(id: string): Promise<number>;
  /**
   * Why a producer of this version could not start runs here (runs of another schema version are still going), as the
   * error starting one would throw; null when it could. Reads only.
   */
  schemaConflict(): Promise<ClusterError | null>;
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
    removeQueuedJobs: async (id) => {
      const queue = titlesQueue(target);
      queue.on('error', () => undefined);
      try {
        return await removeQueuedJobs(queue, id);
      } finally {
        await queue.close().catch(() => undefined);
      }
    },
    schemaConflict: async () => {
      const current = await client.get(keys.schema);
      if (current === null || current === String(SCHEMA_VERSION)) return null;
      // The same rule as a producer's claim: runs of the other version that are all finished may be taken over.
      if ((await listRuns(client)).every((run) => run.state === 'done' || run.state === 'cancelled')) return null;
      return new ClusterError(
        'SCHEMA',
        `Redis at ${target.display} holds Titlewave runs of job schema ${current}; this Titlewave speaks schema ${SCHEMA_VERSION}: run the same Titlewave version on every machine`,
      );
    },
    startTitles: (init) => ClusterTitlesRun.start({ ...init, target }),
    close: async () => {
      // A Redis that went away would keep QUIT waiting forever: a second at most, then the socket is cut.
      await within(client.quit(), 1000);
      client.disconnect();
    },
  };
}
