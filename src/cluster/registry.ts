/**
 * The run registry and the worker list on a Redis: what `titlewave runs` shows and what the app's queue view reads.
 * A run is a hash (`tw:run:<id>`) plus, while it goes, its done bitmap, its results stream and its host leases; when it
 * ends or is cancelled only the hash stays, as its summary, and expires.
 */
import type { Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import { INTERRUPTED_RUN_TTL_S, keys, PRODUCER_STALE_MS, SUMMARY_TTL_S, WORKER_STALE_MS, type RunKind, type RunState } from './schema.js';

/** What a run looks like from outside: `titlewave runs`, the app's queue view. */
export interface RunInfo {
  id: string;
  kind: RunKind;
  name: string;
  /** `interrupted`: running, but its producer has not reported for a while (killed, or the app was closed). */
  state: RunState | 'interrupted';
  createdAt: number;
  updatedAt: number;
  /** Items of the run (distinct URLs, or range tasks) as far as the producer has read; final once `inputDone`. */
  total: number;
  inputDone: boolean;
  /** Items with their result, as the producer last reported (what is in its output). */
  done: number;
  failed: number;
  /** Results the workers committed (ahead of `done` while the producer has not taken them yet). */
  committed: number;
  /** `host:pid` of the producer feeding the run, and when it last reported. */
  producer: string | null;
  producerSeenAt: number;
  /** Workers that committed results for this run, and how many. */
  workers: { name: string; done: number }[];
  settings: unknown;
  /** The final summary once the run ended or was cancelled (the producer's or the canceller's), else null. */
  summary: unknown;
}

/** A connected worker, as it reports itself about once a second. */
export interface WorkerStatus {
  name: string;
  host: string;
  pid: number;
  version: string;
  schema: number;
  /** Requests in flight allowed (titles) and worker processes (primes). */
  concurrency: number;
  processes: number;
  /** Requests and sieve tasks in flight now. */
  inFlight: number;
  /** Jobs held now. */
  jobs: number;
  /** Results committed since it started. */
  done: number;
  /** Results per second over the last few seconds. */
  rate: number;
  startedAt: number;
  seenAt: number;
  /** Runs it holds jobs of now. */
  runs: string[];
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export async function createRun(client: Redis, run: { id: string; kind: RunKind; name: string; settings: unknown; producer: string }): Promise<void> {
  const now = Date.now();
  await client
    .multi()
    .hset(keys.run(run.id), {
      kind: run.kind,
      name: run.name,
      state: 'running',
      createdAt: now,
      updatedAt: now,
      total: 0,
      inputDone: 0,
      done: 0,
      failed: 0,
      committed: 0,
      settings: JSON.stringify(run.settings),
      producer: run.producer,
      producerSeenAt: now,
    })
    .expire(keys.run(run.id), INTERRUPTED_RUN_TTL_S)
    .zadd(keys.runs, now, run.id)
    .exec();
}

function runFrom(id: string, fields: Record<string, string>, workers: Record<string, string>): RunInfo {
  const producerSeenAt = Number(fields.producerSeenAt ?? 0);
  let state = (fields.state ?? 'running') as RunInfo['state'];
  if (state === 'running' && Date.now() - producerSeenAt > PRODUCER_STALE_MS) state = 'interrupted';
  const summary = parseJson(fields.summary) as { workers?: { name: string; done: number }[] } | null;
  const byWorker = Object.entries(workers).map(([name, done]) => ({ name, done: Number(done) }));
  return {
    id,
    kind: (fields.kind ?? 'titles') as RunKind,
    name: fields.name ?? '',
    state,
    createdAt: Number(fields.createdAt ?? 0),
    updatedAt: Number(fields.updatedAt ?? 0),
    total: Number(fields.total ?? 0),
    inputDone: fields.inputDone === '1',
    done: Number(fields.done ?? 0),
    failed: Number(fields.failed ?? 0),
    committed: Number(fields.committed ?? 0),
    producer: fields.producer === '' ? null : (fields.producer ?? null),
    producerSeenAt,
    workers: byWorker.length > 0 ? byWorker : (summary?.workers ?? []),
    settings: parseJson(fields.settings),
    summary,
  };
}

export async function getRun(client: Redis, id: string): Promise<RunInfo | null> {
  const [fields, workers] = await Promise.all([client.hgetall(keys.run(id)), client.hgetall(keys.byWorker(id))]);
  if (Object.keys(fields).length === 0) return null;
  return runFrom(id, fields, workers);
}

/** Every run on this Redis, newest first; ids whose keys expired are dropped from the index. */
export async function listRuns(client: Redis): Promise<RunInfo[]> {
  const ids = await client.zrevrange(keys.runs, 0, -1);
  const runs: RunInfo[] = [];
  const gone: string[] = [];
  for (const id of ids) {
    const run = await getRun(client, id);
    if (run === null) gone.push(id);
    else runs.push(run);
  }
  if (gone.length > 0) await client.zrem(keys.runs, ...gone);
  return runs;
}

/** The producer's heartbeat: its counts, and a fresh lease of life for the run's keys (an interrupted run waits for --resume). */
export async function reportRun(client: Redis, id: string, counts: { total: number; inputDone: boolean; done: number; failed: number }, producer: string): Promise<void> {
  const now = Date.now();
  const ttl = INTERRUPTED_RUN_TTL_S;
  await client
    .multi()
    .hset(keys.run(id), { total: counts.total, inputDone: counts.inputDone ? 1 : 0, done: counts.done, failed: counts.failed, updatedAt: now, producerSeenAt: now, producer })
    .expire(keys.run(id), ttl)
    .expire(keys.done(id), ttl)
    .expire(keys.out(id), ttl)
    .expire(keys.byWorker(id), ttl)
    .exec();
}

/**
 * Removes the jobs of a run still waiting in a queue (active ones end by themselves: their commits are refused). Job
 * ids start with the run id, so only ids are read, and removals go out a few hundred at a time.
 */
export async function removeQueuedJobs(queue: Queue, runId: string): Promise<number> {
  const ids = (await queue.getRanges(['waiting', 'delayed', 'prioritized', 'paused'], 0, -1, true)).filter((jobId) => jobId.startsWith(`${runId}.`));
  let removed = 0;
  for (let at = 0; at < ids.length; at += 256) {
    const results = await Promise.all(ids.slice(at, at + 256).map((jobId) => queue.remove(jobId).catch(() => 0)));
    removed += results.reduce<number>((sum, result) => sum + (result === 1 ? 1 : 0), 0);
  }
  return removed;
}

/** Active jobs of a run (being worked on, or held by a worker that died and whose lock has not expired yet). */
export async function activeJobsOf(queue: Queue, runId: string): Promise<number> {
  return (await queue.getRanges(['active'], 0, -1, true)).filter((jobId) => jobId.startsWith(`${runId}.`)).length;
}

async function deleteMatching(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (found.length > 0) await client.del(...found);
  } while (cursor !== '0');
}

/**
 * Ends a run: state `done` or `cancelled`, its summary kept for SUMMARY_TTL_S, and every other key of it removed
 * (done bitmap, results stream, per-worker counts, host leases). Queued jobs must be removed first (cancel).
 */
export async function endRun(client: Redis, id: string, state: 'done' | 'cancelled', summary: Record<string, unknown>): Promise<void> {
  const workers = await client.hgetall(keys.byWorker(id));
  const full = { ...summary, workers: Object.entries(workers).map(([name, done]) => ({ name, done: Number(done) })) };
  await client
    .multi()
    .hset(keys.run(id), { state, summary: JSON.stringify(full), updatedAt: Date.now(), producer: '' })
    .expire(keys.run(id), SUMMARY_TTL_S)
    .del(keys.done(id), keys.out(id), keys.byWorker(id))
    .exec();
  await deleteMatching(client, keys.hostLeasesPattern(id));
}

/** Live workers (reported within WORKER_STALE_MS), by name; the stale are dropped from the index. */
export async function listWorkers(client: Redis): Promise<WorkerStatus[]> {
  const names = await client.zrange(keys.workers, 0, -1);
  const workers: WorkerStatus[] = [];
  const gone: string[] = [];
  const now = Date.now();
  for (const name of names) {
    const fields = await client.hgetall(keys.worker(name));
    const seenAt = Number(fields.seenAt ?? 0);
    if (Object.keys(fields).length === 0 || now - seenAt > WORKER_STALE_MS) {
      gone.push(name);
      continue;
    }
    workers.push({
      name,
      host: fields.host ?? '',
      pid: Number(fields.pid ?? 0),
      version: fields.version ?? '',
      schema: Number(fields.schema ?? 0),
      concurrency: Number(fields.concurrency ?? 0),
      processes: Number(fields.processes ?? 0),
      inFlight: Number(fields.inFlight ?? 0),
      jobs: Number(fields.jobs ?? 0),
      done: Number(fields.done ?? 0),
      rate: Number(fields.rate ?? 0),
      startedAt: Number(fields.startedAt ?? 0),
      seenAt,
      runs: fields.runs ? fields.runs.split(',').filter((run) => run !== '') : [],
    });
  }
  if (gone.length > 0) await client.zrem(keys.workers, ...gone);
  return workers;
}

export async function reportWorker(client: Redis, status: WorkerStatus): Promise<void> {
  await client
    .multi()
    .hset(keys.worker(status.name), { ...status, runs: status.runs.join(',') })
    .pexpire(keys.worker(status.name), WORKER_STALE_MS * 2)
    .zadd(keys.workers, status.seenAt, status.name)
    .exec();
}

export async function removeWorker(client: Redis, name: string): Promise<void> {
  await client.multi().del(keys.worker(name)).zrem(keys.workers, name).exec();
}
