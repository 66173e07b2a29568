/** Public types of the primes engine, shared by the CLI, the services, the IPC contract and the renderer. */
import type { RecordError } from '../titles/types.js';

export type PrimesErrorCode = 'NOT_AN_INTEGER' | 'NEGATIVE' | 'TOO_LARGE' | 'CANCELLED' | 'WORKER_FAILED';

/** How primality was decided. */
export type PrimalityMethod = 'trivial' | 'trial-division' | 'miller-rabin-deterministic' | 'baillie-psw';

/** One record per input token of a primality check. */
export interface PrimeCheckRecord {
  /** 0-based position of the token in the input. */
  index: number;
  /** The number as a decimal string, or the token as given when it is not one. */
  n: string;
  prime: boolean | null;
  /** For composites, the smallest prime factor when the search finds it in its time (decimal string), else null. */
  factor: string | null;
  method: PrimalityMethod | null;
  /** True when the answer is proven; false for Baillie-PSW above 2^64 (no known counterexample, not a proof). */
  proven: boolean | null;
  error: RecordError<PrimesErrorCode> | null;
}

/** 0 and 1: neither prime nor composite (their records say prime false, with no factor). */
export function isNeitherPrimeNorComposite(record: PrimeCheckRecord): boolean {
  return record.error === null && record.prime === false && (record.n === '0' || record.n === '1');
}

export type RangeMode = 'count' | 'list';

export interface RangeRequest {
  /** Inclusive bounds as decimal strings (they may exceed 2^53). */
  from: string;
  to: string;
  mode: RangeMode;
  workers?: number;
}

export interface WorkerActivity {
  worker: number;
  /** Numbers sieved by this worker so far. */
  sieved: number;
  busy: boolean;
}

export interface RangeProgress {
  /** Numbers in the range already sieved. */
  sieved: number;
  total: number;
  /** Primes found so far. */
  count: number;
  elapsedMs: number;
  etaMs: number | null;
  workers: WorkerActivity[];
}

export interface RangeResult {
  from: string;
  to: string;
  count: number;
  ms: number;
  workers: number;
  /** Sum of the time the workers spent sieving divided by wall time: the speed-up over one worker. */
  speedup: number;
  cancelled: boolean;
}
