/** A thumbnails job as the Thumbnails tab shows it (its own module: the tab and its panels import it). */
import type { JobState } from '../../src/contract.js';
import type { ThumbRecord, ThumbsProgress } from '../../src/thumbs/types.js';

export interface ThumbsRun {
  /** The host's id of the job, once known. */
  jobId: string | null;
  state: JobState | 'starting';
  progress: ThumbsProgress | null;
  /** Records with outputs, in the order they were made. */
  made: ThumbRecord[];
  failed: ThumbRecord[];
  /** The output folder the services reported, else the deepest folder holding every output so far. */
  outDir: string | null;
  outputsFolder: string | null;
  error: string | null;
  /** Shown after a reload with only the first records kept by the host (the counts cover all of them). */
  truncated: boolean;
}
