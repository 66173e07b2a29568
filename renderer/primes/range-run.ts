/** A range count or list as the Primes tab shows it (its own module: the panel and the list import it). */
import type { JobState } from '../../src/contract.js';
import type { RangeMode, RangeProgress, RangeResult } from '../../src/primes/types.js';

export interface RangeRun {
  /** The host's id of the job, once known. */
  jobId: string | null;
  mode: RangeMode;
  from: string;
  to: string;
  output: string | null;
  state: JobState | 'starting';
  progress: RangeProgress | null;
  /** Listed primes kept for the window (at most listCap). */
  primes: string[];
  result: RangeResult | null;
  error: string | null;
}
