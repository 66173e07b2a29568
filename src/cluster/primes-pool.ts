/**
 * A WorkerPool whose workers are the cluster's: each 'primes.sieve' task becomes a job on the primes queue, and its
 * result comes back through the run's stream. The primes engine (`primeRange`) runs over it unchanged, as over the
 * local pool: same chunking, same ordered list output, same answer.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { PoolWorkerActivity, RunOptions, TaskKind, TaskMap, WorkerPool } from '../workers/types.js';
import { checkRedis, claimSchema, createRedis, type RedisTarget } from './connection.js';
import { ClusterError } from './errors.js';
import { createRun, endRun, listRuns, listWorkers, reportRun, type WorkerStatus } from './registry.js';
import { keys, SCHEMA_VERSION, type PrimesJobData } from './schema.js';
import { cancelClusterRun, newRunId, primesQueue } from './titles-producer.js';

export interface ClusterPrimesPool extends WorkerPool {
  readonly runId: string;
  /** The live workers, as last seen. */
  readonly workers: WorkerStatus[];
}

export interface ClusterPrimesInit {
  target: RedisTarget;
  name?: string;
  /** Lines for the user (no worker connected). */
  onNotice?: (message: string) => void;
  /** Sieve tasks in flight when no worker is connected yet (default 4); otherwise their processes summed. */
  defaultSize?: number;
}

interface Pending {
  resolve(output: TaskMap['primes.sieve']['output']): void;
  reject(error: unknown): void;
}

/**
 * Connects, checks Redis, registers a primes run and returns the pool. `close()` ends the run: done when every task
 * came back, else cancelled (queued tasks removed).
 */
export async function createClusterPrimesPool(init: ClusterPrimesInit): Promise<ClusterPrimesPool> {
  const { target } = init;
  await checkRedis(target);
  const client: Redis = createRedis(target);
  const reader: Redis = createRedis(target);
  const id = newRunId();
  const producer = `${hostname()}:${process.pid}`;
  let workers: WorkerStatus[] = [];
  try {
    await claimSchema(client, target, 'producer', async () => (await listRuns(client)).every((run) => run.state === 'done' || run.state === 'cancelled'));
    await createRun(client, { id, kind: 'primes', name: init.name ?? 'primes', settings: {}, producer });
    workers = await listWorkers(client);
  } catch (error) {
    client.disconnect();
    reader.disconnect();
    throw error;
  }
  if (workers.length === 0) init.onNotice?.('no worker is connected to this Redis; the jobs wait until one starts (titlewave worker --redis URL)');
  const size = Math.max(1, workers.reduce((sum, worker) => sum + worker.processes, 0) || (init.defaultSize ?? 4));
  const queue = primesQueue(target);
  queue.on('error', () => undefined);
  const pending = new Map<number, Pending>();
  let nextTask = 0;
  let done = 0;
  let closed = false;

  const heartbeat = setInterval(() => {
    void reportRun(client, id, { total: nextTask, inputDone: false, done, failed: 0 }, producer).catch(() => undefined);
    void listWorkers(client).then(
      (list) => (workers = list),
      () => undefined,
    );
  }, 1000);

  let lastId = '0-0';
  const reading = (async () => {
    while (!closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await reader.xread('COUNT', 100, 'BLOCK', 500, 'STREAMS', keys.out(id), lastId)) as [string, [string, string[]][]][] | null;
      } catch {
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const [entryId, fields] of reply?.[0]?.[1] ?? []) {
        lastId = entryId;
        let result: { t: number } & TaskMap['primes.sieve']['output'];
        try {
          result = JSON.parse(fields[fields.indexOf('r') + 1] ?? '') as typeof result;
        } catch {
          continue;
        }
        const waiter = pending.get(result.t);
        if (waiter === undefined) continue;
        pending.delete(result.t);
        done += 1;
        const { t: _task, ...output } = result;
        waiter.resolve(output);
      }
      if (reply !== null) {
        const [ms, seq] = lastId.split('-');
        await client.xtrim(keys.out(id), 'MINID', `${ms}-${Number(seq) + 1}`).catch(() => undefined);
      }
    }
  })();

  const run = <K extends TaskKind>(kind: K, input: TaskMap[K]['input'], options: RunOptions<K> = {}): Promise<TaskMap[K]['output']> => {
    if (kind !== 'primes.sieve') return Promise.reject(new ClusterError('REDIS', `${kind} tasks do not run on the cluster`));
    if (closed) return Promise.reject(new Error('the cluster pool is closed'));
    const { from, to, mode } = input as TaskMap['primes.sieve']['input'];
    const task = nextTask++;
    return new Promise<TaskMap[K]['output']>((resolve, reject) => {
      const signal = options.signal;
      const jobId = `${id}.${task}`;
      const onAbort = (): void => {
        pending.delete(task);
        void queue.remove(jobId).catch(() => undefined);
        reject(signal?.reason ?? new DOMException('The task was cancelled', 'AbortError'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(task, {
        resolve: (output) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(output as TaskMap[K]['output']);
        },
        reject,
      });
      const data: PrimesJobData = { v: SCHEMA_VERSION, r: id, t: task, from, to, mode };
      queue.add('p', data, { jobId }).catch((error: unknown) => {
        pending.delete(task);
        reject(error);
      });
    });
  };

  const activity = (): PoolWorkerActivity[] =>
    workers.map((worker, index) => ({ worker: index, busy: worker.inFlight > 0, tasksDone: worker.done, pid: worker.pid, kind: worker.inFlight > 0 ? 'primes.sieve' : null, restarts: 0 }));

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    const finished = pending.size === 0;
    for (const waiter of pending.values()) waiter.reject(new Error('the cluster pool was closed'));
    pending.clear();
    reader.disconnect();
    await reading;
    if (finished) await endRun(client, id, 'done', { total: nextTask, done }).catch(() => undefined);
    else await cancelClusterRun(client, target, id, { total: nextTask, done }).catch(() => undefined);
    await queue.close().catch(() => undefined);
    await client.quit().catch(() => client.disconnect());
  };

  return {
    runId: id,
    get workers() {
      return workers;
    },
    size,
    run,
    activity,
    close,
  };
}
