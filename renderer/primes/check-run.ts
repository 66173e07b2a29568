/** A primality check as the Primes tab shows it (its own module: the panel and its table import it). */
import type { JobState } from '../../src/contract.js';
import type { PrimeCheckRecord } from '../../src/primes/types.js';

export interface CheckRun {
  /** Tells runs apart (a new run starts with a fresh table: no selection carried over). */
  serial: number;
  state: JobState | 'starting';
  /** Records by their token's index; holes are numbers still being checked. */
  rows: (PrimeCheckRecord | undefined)[];
  done: number;
  total: number;
  prime: number;
  composite: number;
  /** 0 and 1: neither prime nor composite. */
  neither: number;
  errors: number;
  elapsedMs: number;
  /** Why it ended early without the engine saying so (Titlewave stopped under it). */
  error: string | null;
  /** Shown after a reload with only the first results kept by the host (the counts cover all of them). */
  truncated: boolean;
}
