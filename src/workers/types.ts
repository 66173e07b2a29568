/**
 * The worker pool's public surface. One pool runs every CPU-bound job (primes, thumbnails).
 * Task kinds and their payloads are declared in the TaskMap below; each engine adds its own entries.
 */
import type { PrimeCheckRecord } from '../primes/types.js';
import type { ThumbRecord, ThumbsOptions } from '../thumbs/types.js';

/** Every task a worker can run: its input, the progress it reports, and its output. All structured-cloneable. */
export interface TaskMap {
  'primes.check': {
    input: { tokens: { index: number; token: string }[] };
    progress: { done: number };
    output: PrimeCheckRecord[];
  };
  'primes.sieve': {
    /** Inclusive bounds as decimal strings; list mode returns primes as decimal strings (or writes them, see engine). */
    input: { from: string; to: string; mode: 'count' | 'list' };
    progress: { sieved: number; count: number };
    output: { count: number; primes?: string[]; ms: number };
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
}

export interface WorkerPool {
  readonly size: number;
  /** Queue a task; resolves with its output, rejects on cancel (AbortError) or when it failed twice. */
  run<K extends TaskKind>(kind: K, input: TaskMap[K]['input'], options?: RunOptions<K>): Promise<TaskMap[K]['output']>;
  /** Per-worker activity (busy or idle, tasks done), for the UI. */
  activity(): { worker: number; busy: boolean; tasksDone: number }[];
  close(): Promise<void>;
}

/** Host-specific process start: child_process.fork in Node, utilityProcess.fork in Electron. */
export interface WorkerTransport {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type WorkerSpawner = (entryPath: string, workerIndex: number) => WorkerTransport;
