/**
 * The worker pool's public surface. One pool runs every CPU-bound job (primes, thumbnails).
 * Task kinds and their payloads are declared in the TaskMap below; each engine adds its own entries,
 * and its handler to the registry in src/workers/tasks.ts (one line).
 */
import type { PrimeCheckRecord } from '../primes/types.js';
import type { ThumbRecord, ThumbsOptions } from '../thumbs/types.js';

/** Every task a worker can run: its input, the progress it reports, and its output. All structured-cloneable. */
export interface TaskMap {
  'primes.check': {
    /** `factorMs`: the time each composite's factor search may take (default: the engine's FACTOR_SEARCH_MS). */
    input: { tokens: { index: number; token: string }[]; factorMs?: number };
    progress: { done: number };
    output: PrimeCheckRecord[];
  };
  'primes.sieve': {
    /**
     * Inclusive bounds as decimal strings. Count mode returns the count; list mode returns the primes of
     * this (small) chunk as text, one decimal per line, ascending — the caller writes chunks in order.
     */
    input: { from: string; to: string; mode: 'count' | 'list' };
    /** `sieved`: numbers of this chunk sieved so far; `count`: primes found so far in this chunk. */
    progress: { sieved: number; count: number };
    /** `primes` is never set by the built-in sieve (kept for compatibility); list mode fills `text`. */
    output: { count: number; primes?: string[]; text?: string; ms: number };
  };
  'thumbs.file': {
    input: { index: number; input: string; root: string | null; options: ThumbsOptions };
    progress: never;
    output: ThumbRecord;
  };
}

export type TaskKind = keyof TaskMap;

export interface RunOptions<K extends TaskKind> {
  signal?: AbortSignal;
  onProgress?: (progress: TaskMap[K]['progress'], worker: number) => void;
  /**
   * Watchdog: the longest time the worker may stay silent (no progress, no result) on this task before it is
   * deemed hung, killed, replaced, and the task retried once. Default: the pool's `taskTimeoutMs`.
   */
  timeoutMs?: number;
}

export interface PoolWorkerActivity {
  worker: number;
  busy: boolean;
  tasksDone: number;
  /** OS process id of the worker currently in this slot, or null while none is running. */
  pid: number | null;
  /** The kind of the task it is running, or null when idle. */
  kind: string | null;
  /** How many times this slot's worker was replaced after a crash, a hang or a forced cancel. */
  restarts: number;
}

export interface WorkerPool {
  readonly size: number;
  /** Queue a task; resolves with its output, rejects on cancel (AbortError) or when it failed twice. */
  run<K extends TaskKind>(kind: K, input: TaskMap[K]['input'], options?: RunOptions<K>): Promise<TaskMap[K]['output']>;
  /** Per-worker activity (busy or idle, tasks done), for the UI. */
  activity(): PoolWorkerActivity[];
  close(): Promise<void>;
}

/** Host-specific process start: child_process.fork in Node, utilityProcess.fork in Electron. */
export interface WorkerTransport {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
  /** The child's OS process id when the host knows it (optional: the worker also reports its own). */
  readonly pid?: number;
}

export type WorkerSpawner = (entryPath: string, workerIndex: number) => WorkerTransport;

/** What a task handler gets besides its input, inside the worker process. */
export interface TaskContext<K extends TaskKind> {
  /**
   * Aborted when the task is cancelled. Long tasks check it between steps and now and then yield to the event
   * loop (`await new Promise(setImmediate)`) so the cancel message can arrive; a task that does not stop within
   * the pool's grace period has its worker killed and replaced.
   */
  readonly signal: AbortSignal;
  /** Report progress (forwarded to RunOptions.onProgress). Also resets the hang watchdog. Call a few times a second at most. */
  progress(progress: TaskMap[K]['progress']): void;
}

/** Runs one task inside a worker. Throwing (or rejecting) reports the task failed with that error; it is not retried. */
export type TaskHandler<K extends TaskKind> = (
  input: TaskMap[K]['input'],
  context: TaskContext<K>,
) => TaskMap[K]['output'] | Promise<TaskMap[K]['output']>;

/** The worker's registry: each kind maps to a lazy loader of its handler, so a worker loads only what it runs. */
export type TaskRegistry = { [K in TaskKind]?: () => Promise<TaskHandler<K>> };
