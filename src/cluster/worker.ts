/**
 * `titlewave worker`: takes titles jobs (a chunk of one host's URLs, fetched by the titles engine's fetcher through
 * an async pool of `concurrency` requests and cluster-wide host leases) and primes jobs (one 'primes.sieve' task each,
 * run on this machine's worker-process pool), and commits each result exactly once (a Redis bitmap per run decides).
 *
 * Jobs are BullMQ jobs with a lock of `lockMs`: a worker killed with SIGKILL loses its locks and its jobs go to other
 * workers after about that long; what it had committed stays, and is not fetched again. On stop, the worker takes no
 * new job, lets the ones it holds finish for `graceMs`, and hands the rest back to the queue.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { Worker, WaitingError, type Job } from './bullmq.js';
import type { Redis } from 'ioredis';
import { packageInfo } from '../package-info.js';
import { createEntryFetcher, pacerFor, type EntryFetcher, type FetchEntry } from '../titles/engine.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { invalidEntryRecord, resolveTitlesOptions } from '../titles/options.js';
import { parseInputLine } from '../titles/input.js';
import { within } from '../within.js';
import type { TitleRecord } from '../titles/types.js';
import { createWorkerPool } from '../workers/pool.js';
import type { WorkerPool, WorkerSpawner } from '../workers/types.js';
import { checkRedis, claimSchema, createRedis, redisOptions, type RedisTarget } from './connection.js';
import { ClusterError } from './errors.js';
import { ClusterGate, HostLeases, Slots } from './leases.js';
import { getRun, removeWorker, reportWorker, type WorkerStatus } from './registry.js';
import { keys, PREFIX, PRIMES_QUEUE, SCHEMA_VERSION, TITLES_QUEUE, type ClusterTitlesSettings, type PrimesJobData, type TitlesJobData } from './schema.js';
import { withScripts, type ClusterScripts } from './scripts.js';

export interface ClusterWorkerOptions {
  target: RedisTarget;
  /** Shown in `titlewave runs` and the app (default: host name and pid). */
  name?: string;
  /** Requests in flight, over every run (default 100). */
  concurrency?: number;
  /** Worker processes for primes jobs (default: one per core). */
  processes?: number;
  /** Job lock and host lease time: how soon the jobs of a killed worker go to others (default 5000 ms). */
  lockMs?: number;
  /** On stop, how long held jobs may finish before they are handed back (default 3000 ms). */
  graceMs?: number;
  spawnWorker?: WorkerSpawner;
  /** One line per finished job (`--verbose`). */
  onJob?: (line: string) => void;
  /** Something that stops the worker: a job of another schema version. The worker has stopped when it is called. */
  onFatal?: (error: ClusterError) => void;
}

export interface ClusterWorker {
  readonly name: string;
  status(): WorkerStatus;
  /** Stop taking jobs; finish or hand back what is held; disconnect. */
  stop(): Promise<void>;
}

interface RunContext {
  id: string;
  perHost: number;
  controller: AbortController;
  gate: ClusterGate;
  fetcher: EntryFetcher;
  jobs: number;
  idleSince: number;
  /** Results of this run's jobs not committed yet: (index, record, failed) triples, committed together. */
  pending: (string | number)[];
  /** The last commit of the run (they go one after the other). */
  committing: Promise<void>;
}

interface ActiveJob {
  runId: string;
  controller: AbortController;
  /** Set when the job is to go back to the queue rather than complete (stop, lost leases). */
  handBack: boolean;
  /** Out of `active`, and its listeners off the job's and the run's signals; safe to call again. */
  untrack: () => void;
}

const RATE_WINDOW_MS = 5000;

/**
 * How many titles jobs (chunks of one host's URLs) a worker holds at once: enough that its requests in flight, spread
 * round the jobs' hosts, come to about 5/8 of `--per-host` each. Then a host whose jobs are held by two workers stays
 * under its limit, and a job that ends leaves the others enough work to fill its slots while the next one comes.
 * Measured on the cluster bench (2 workers x 50, per-host 8, 20 hosts), interleaved runs, median wall time with slots
 * going round the hosts: 9 jobs held 5.85 s, 10 (this) 5.61-5.68 s, 11 5.61 s, 13 5.74 s; 8 jobs with slots kept by
 * their host (before) 5.72-5.76 s.
 */
export function titlesJobsHeld(concurrency: number, perHost: number): number {
  return Math.max(1, Math.min(concurrency, Math.ceil((concurrency * 8) / (perHost * 5))));
}

export async function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const { target } = options;
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const concurrency = options.concurrency ?? 100;
  const processes = options.processes ?? availableParallelism();
  const lockMs = options.lockMs ?? 5000;
  const graceMs = options.graceMs ?? 3000;
  await checkRedis(target);
  const client: Redis & ClusterScripts = withScripts(createRedis(target));
  try {
    await claimSchema(client, target, 'worker', async () => false);
  } catch (error) {
    client.disconnect();
    throw error;
  }

  const startedAt = Date.now();
  const slots = new Slots(concurrency);
  const active = new Map<string, ActiveJob>();
  const runs = new Map<string, RunContext>();
  let done = 0;
  const recent: number[] = [];
  let stopping: Promise<void> | null = null;
  let pool: WorkerPool | null = null;
  let primesInFlight = 0;

  const leases = new HostLeases(client, `${name}:${randomBytes(4).toString('hex')}`, lockMs, () => {
    // The leases may have expired on the server: stop every request now and hand the jobs back.
    for (const job of active.values()) {
      job.handBack = true;
      job.controller.abort(new Error('host leases lost'));
    }
  });
  leases.start();

  const countDone = (n: number): void => {
    done += n;
    const now = Date.now();
    for (let i = 0; i < n; i += 1) recent.push(now);
    while (recent.length > 0 && (recent[0] as number) < now - RATE_WINDOW_MS) recent.shift();
  };

  const commit = async (runId: string, items: (string | number)[]): Promise<number> => {
    if (items.length === 0) return 0;
    const committed = await client.commitResults(keys.run(runId), keys.done(runId), keys.out(runId), keys.byWorker(runId), name, ...items);
    if (committed > 0) countDone(committed);
    return committed;
  };

  /**
   * Commits what the run's jobs have fetched so far, in one script call for all of them (not one per job: a worker
   * holds several jobs of a run at once). Resolves once those results are in Redis; a run that ended meanwhile is
   * dropped, which stops its requests.
   */
  const commitRun = (context: RunContext): Promise<void> => {
    const items = context.pending;
    context.pending = [];
    const committing = context.committing
      .catch(() => undefined)
      .then(async () => {
        if (items.length > 0 && (await commit(context.id, items)) < 0) dropRun(context);
      });
    context.committing = committing;
    return committing;
  };
  // Results reach the producer at most about 100 ms after their request.
  const committer = setInterval(() => {
    for (const context of runs.values()) if (context.pending.length > 0) void commitRun(context).catch(() => undefined);
  }, 100);

  let titlesWorker: Worker | null = null;
  const runContext = async (runId: string): Promise<RunContext | null> => {
    const existing = runs.get(runId);
    if (existing !== undefined && !existing.controller.signal.aborted) return existing;
    const run = await getRun(client, runId);
    if (run === null || run.state === 'done' || run.state === 'cancelled') return null;
    const settings = run.settings as ClusterTitlesSettings;
    const titlesOptions = resolveTitlesOptions({ ...settings, concurrency });
    const controller = new AbortController();
    // One listener per job held (at most `concurrency` of them, each taken off when its job ends) and the run's own few.
    setMaxListeners(concurrency + 10, controller.signal);
    const gate = new ClusterGate(
      runId,
      titlesOptions.perHost,
      slots,
      leases,
      controller.signal,
      () => {
        const current = runs.get(runId);
        if (current !== undefined) dropRun(current);
      },
      pacerFor(titlesOptions),
    );
    const context: RunContext = { id: runId, perHost: titlesOptions.perHost, controller, gate, fetcher: createEntryFetcher(titlesOptions, gate, controller.signal), jobs: 0, idleSince: Date.now(), pending: [], committing: Promise.resolve() };
    runs.set(runId, context);
    if (titlesWorker !== null) {
      const perHost = Math.min(...[...runs.values()].map((r) => r.perHost));
      titlesWorker.concurrency = titlesJobsHeld(concurrency, perHost);
    }
    return context;
  };

  const dropRun = (context: RunContext): void => {
    context.controller.abort(new Error('run ended'));
    runs.delete(context.id);
    void context.fetcher.close();
  };

  const fatal = (error: ClusterError): void => {
    void stop().then(() => options.onFatal?.(error));
  };

  const checkSchema = async (job: Job, token: string | undefined, version: unknown): Promise<void> => {
    if (version === SCHEMA_VERSION) return;
    // Another Titlewave's job: back to the queue for a worker that speaks it, and this worker stops, saying why.
    await job.moveToWait(token).catch(() => undefined);
    fatal(new ClusterError('SCHEMA', `a job of schema ${String(version)} arrived; this worker (titlewave ${packageInfo.version}) speaks schema ${SCHEMA_VERSION}: run the same Titlewave version on every machine`));
    throw new WaitingError();
  };

  /**
   * A job in hand: in `active` (status, stop, lost locks) and cancelled with its BullMQ signal or its run, until
   * `untrack`. The run's signal lives as long as the run, so each job takes its listener off again: a run of a
   * million URLs would otherwise keep one listener per job it ever held.
   */
  const track = (job: Job, runId: string, signal: AbortSignal | undefined, runSignal: AbortSignal | null): ActiveJob => {
    const controller = new AbortController();
    const abort = (): void => controller.abort(new Error('cancelled'));
    signal?.addEventListener('abort', abort, { once: true });
    runSignal?.addEventListener('abort', abort, { once: true });
    const entry: ActiveJob = {
      runId,
      controller,
      handBack: false,
      untrack: () => {
        signal?.removeEventListener('abort', abort);
        runSignal?.removeEventListener('abort', abort);
        if (active.get(job.id as string) === entry) active.delete(job.id as string);
      },
    };
    active.set(job.id as string, entry);
    return entry;
  };

  /** After the job's work: back to the queue when it is to be handed back, else it completes. */
  const finish = async (job: Job, token: string | undefined, entry: ActiveJob): Promise<void> => {
    entry.untrack();
    if (entry.handBack && entry.controller.signal.aborted) {
      await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    }
  };

  const processTitles = async (job: Job<TitlesJobData>, token?: string, signal?: AbortSignal): Promise<void> => {
    await checkSchema(job, token, job.data.v);
    const started = performance.now();
    const runId = job.data.r;
    const context = await runContext(runId);
    if (context === null) return; // The run ended or was cancelled: nothing to do for it.
    const entries: FetchEntry[] = [];
    const invalid: TitleRecord[] = [];
    for (const row of job.data.e.split('\n')) {
      const tab = row.indexOf('\t');
      if (tab <= 0) continue;
      const index = Number(row.slice(0, tab));
      const line = row.slice(tab + 1);
      const parsed = parseInputLine(line);
      if (parsed.kind === 'url') entries.push({ index, line: parsed.line, url: parsed.url, host: parsed.host });
      else invalid.push(invalidEntryRecord(index, line, parsed.kind === 'invalid' ? parsed.reason : 'blank line'));
    }
    // Entries that already have their result (this job ran before, on a worker that died or handed it back) are not
    // fetched again. A job started for the first time (BullMQ counts every start) has none: the producer queues only
    // entries without a result, and an attaching producer removes its predecessor's jobs and waits out their workers
    // first. So only a restarted job asks, and a fresh one saves its round trip (and Redis a GETBIT per URL).
    const bits = job.attemptsStarted > 1 ? await client.pipeline(entries.map((entry) => ['getbit', keys.done(runId), entry.index])).exec() : null;
    const todo = bits === null ? entries : entries.filter((_, i) => bits[i]?.[1] !== 1);
    const entry = track(job, runId, signal, context.controller.signal);
    context.jobs += 1;
    let records = 0;
    let failed = 0;
    const add = (record: TitleRecord): void => {
      records += 1;
      if (record.error !== null) failed += 1;
      context.pending.push(record.index, JSON.stringify(record), record.error === null ? '0' : '1');
    };
    for (const record of invalid) add(record);
    try {
      try {
        await Promise.all(
          todo.map(async (item) => {
            const fetched = await context.fetcher.fetch(item, entry.controller.signal);
            if (fetched !== null) add(fetched.record);
          }),
        );
      } finally {
        context.jobs -= 1;
        context.idleSince = Date.now();
      }
      // This job's results (and whatever the run's other jobs have ready) are in Redis before the job completes.
      await commitRun(context);
      await finish(job, token, entry);
    } finally {
      // However the job ended (a failed commit too), it lets go of its run.
      entry.untrack();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    options.onJob?.(`titles ${runId} chunk ${job.data.c}: ${records} record${records === 1 ? '' : 's'} (${failed} with errors), ${entries.length - todo.length} already done, ${seconds} s`);
  };

  const processPrimes = async (job: Job<PrimesJobData>, token?: string, signal?: AbortSignal): Promise<void> => {
    await checkSchema(job, token, job.data.v);
    const { r: runId, t: task, from, to, mode } = job.data;
    const run = await getRun(client, runId);
    if (run === null || run.state === 'done' || run.state === 'cancelled') return;
    if ((await client.getbit(keys.done(runId), task)) === 1) return;
    const entry = track(job, runId, signal, null);
    pool ??= createWorkerPool({ size: processes, ...(options.spawnWorker ? { spawn: options.spawnWorker } : {}) });
    primesInFlight += 1;
    let result: Awaited<ReturnType<WorkerPool['run']>> | null = null;
    try {
      try {
        result = await pool.run('primes.sieve', { from, to, mode }, { signal: entry.controller.signal });
      } catch (error) {
        if (!entry.controller.signal.aborted) throw error;
      } finally {
        primesInFlight -= 1;
      }
      if (result !== null) await commit(runId, [task, JSON.stringify({ t: task, ...(result as object) }), '0']);
      await finish(job, token, entry);
    } finally {
      entry.untrack();
    }
    if (result !== null) options.onJob?.(`primes ${runId} task ${task} [${from}, ${to}]: ${(result as { count: number }).count} primes, ${((result as { ms: number }).ms / 1000).toFixed(2)} s`);
  };

  const workerOptions = {
    connection: redisOptions(target),
    prefix: PREFIX,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A stalled job (its worker died) goes back to the queue however often that happens: the done bitmap keeps
    // every result single, so running a job again costs only the entries that had no result yet.
    maxStalledCount: 1_000_000,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
    drainDelay: 2,
  };
  titlesWorker = new Worker<TitlesJobData>(TITLES_QUEUE, processTitles, { ...workerOptions, concurrency: titlesJobsHeld(concurrency, defaultTitlesOptions.perHost) });
  const primesWorker = new Worker<PrimesJobData>(PRIMES_QUEUE, processPrimes, { ...workerOptions, concurrency: processes });
  for (const worker of [titlesWorker, primesWorker]) {
    // Lost connections are retried by ioredis; a job whose lock could not be renewed is someone else's now.
    worker.on('error', () => undefined);
    worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) active.get(id)?.controller.abort(new Error('job lock lost'));
    });
  }

  const status = (): WorkerStatus => {
    const now = Date.now();
    while (recent.length > 0 && (recent[0] as number) < now - RATE_WINDOW_MS) recent.shift();
    return {
      name,
      host: hostname(),
      pid: process.pid,
      version: packageInfo.version,
      schema: SCHEMA_VERSION,
      concurrency,
      processes,
      inFlight: slots.used + primesInFlight,
      jobs: active.size,
      done,
      rate: recent.length / (Math.min(RATE_WINDOW_MS, Math.max(1000, now - startedAt)) / 1000),
      startedAt,
      seenAt: now,
      runs: [...new Set([...active.values()].map((job) => job.runId))],
    };
  };

  // Report about once a second; look at the runs worked for (a cancelled run stops its requests at once).
  const heartbeat = setInterval(() => {
    void reportWorker(client, status()).catch(() => undefined);
    for (const context of runs.values()) {
      void client.hget(keys.run(context.id), 'state').then(
        (state) => {
          if (state !== 'running') dropRun(context);
          else if (context.jobs === 0 && Date.now() - context.idleSince > 30_000) dropRun(context);
        },
        () => undefined,
      );
    }
  }, 1000);
  void reportWorker(client, status()).catch(() => undefined);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(heartbeat);
      clearInterval(committer);
      const closing = Promise.all([titlesWorker?.close(), primesWorker.close()]);
      const grace = setTimeout(() => {
        for (const job of active.values()) {
          job.handBack = true;
          job.controller.abort(new Error('worker stopping'));
        }
      }, graceMs);
      // Redis may be gone (then BullMQ's close would wait for it forever): a few seconds more, then close by force.
      let force: NodeJS.Timeout | null = null;
      await Promise.race([
        closing,
        new Promise<void>((resolve) => {
          force = setTimeout(() => {
            void titlesWorker?.close(true).catch(() => undefined);
            void primesWorker.close(true).catch(() => undefined);
            resolve();
          }, graceMs + 2000);
        }),
      ]);
      clearTimeout(grace);
      if (force !== null) clearTimeout(force);
      for (const context of [...runs.values()]) dropRun(context);
      // A second at most for each (Redis may be gone); `within` clears its timer, so a stopped worker exits at once.
      await within(leases.stop(), 1000);
      await pool?.close();
      await within(removeWorker(client, name), 1000);
      client.disconnect();
    })();
    return stopping;
  };

  return { name, status, stop };
}
