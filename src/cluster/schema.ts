/**
 * What producers and workers agree on: the schema version jobs carry, the Redis keys of a run, and the payloads of
 * jobs and of the records stream. Any change to these is a new SCHEMA_VERSION: a worker of another version refuses
 * the jobs (and says so) instead of misreading them.
 */

/**
 * Bumped whenever job data, record payloads or key layout change incompatibly. 2: runs carry proxy, robots and rate
 * (a worker of schema 1 would fetch without them).
 */
export const SCHEMA_VERSION = 2;

/** BullMQ's key prefix: its queues live under `tw:<queue>:…`, next to our own `tw:run:…` keys. */
export const PREFIX = 'tw';
export const TITLES_QUEUE = 'titles';
export const PRIMES_QUEUE = 'primes';

/** Run ids are safe in keys and job ids: letters, digits, `-` and `_`; a job id is the run id, ".", and more. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const keys = {
  /** The schema version of the runs on this Redis (a string). */
  schema: `${PREFIX}:schema`,
  /** Sorted set: run id -> creation time (ms). */
  runs: `${PREFIX}:runs`,
  /** Hash: the run's meta (see RunFields). */
  run: (id: string): string => `${PREFIX}:run:${id}`,
  /** Bitmap: bit i set once item i (a URL's index, a primes task) has its one result. */
  done: (id: string): string => `${PREFIX}:run:${id}:done`,
  /** Stream: results not yet taken by the producer (field `r`: JSON). */
  out: (id: string): string => `${PREFIX}:run:${id}:out`,
  /** Hash: worker name -> results committed for this run. */
  byWorker: (id: string): string => `${PREFIX}:run:${id}:workers`,
  /** Sorted set of leases on one host: lease id -> expiry (Redis time, ms). */
  hostLeases: (id: string, host: string): string => `${PREFIX}:run:${id}:host:${host}`,
  hostLeasesPattern: (id: string): string => `${PREFIX}:run:${id}:host:*`,
  /** Sorted set: worker name -> last seen (ms). */
  workers: `${PREFIX}:workers`,
  /** Hash: one worker's status (see WorkerStatus), expiring when it stops reporting. */
  worker: (name: string): string => `${PREFIX}:worker:${name}`,
};

/** A titles job: a chunk of one host's entries. `e` is "index\tline\n…": the worker parses each line again. */
export interface TitlesJobData {
  v: number;
  /** Run id. */
  r: string;
  /** Chunk number within the run (for messages). */
  c: number;
  e: string;
}

/** A primes job: one 'primes.sieve' task of a range run. */
export interface PrimesJobData {
  v: number;
  r: string;
  /** Task number within the run: the bit in the run's done bitmap. */
  t: number;
  from: string;
  to: string;
  mode: 'count' | 'list';
}

export type RunKind = 'titles' | 'primes';
/** `running` until it ends (`done`) or is cancelled; a running run whose producer stopped reporting is shown as interrupted. */
export type RunState = 'running' | 'done' | 'cancelled';

/** The settings a titles run carries to every worker. */
export interface ClusterTitlesSettings {
  perHost: number;
  timeoutMs: number;
  retries: number;
  userAgent: string;
  headers: Record<string, string>;
  maxRedirects: number;
  maxBodyBytes: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** Where the worker's requests go: `direct`, `environment` (the worker machine's own proxy variables) or a URL. */
  proxy: string;
  robots: 'respect' | 'ignore';
  /** Requests per second per host, on each worker. */
  rate: number | null;
}

/** How long a run's keys outlive its producer's last heartbeat, so an interrupted run can be resumed. */
export const INTERRUPTED_RUN_TTL_S = 7 * 24 * 3600;
/** How long a finished or cancelled run's summary stays listed. */
export const SUMMARY_TTL_S = 7 * 24 * 3600;
/** A producer or worker that has not reported for this long is gone. */
export const PRODUCER_STALE_MS = 15_000;
export const WORKER_STALE_MS = 15_000;
