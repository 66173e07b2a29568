/** The run on screen, as the Titles tab, its run bar and the history sidebar see it. */
import type { JobState } from '../../src/contract.js';
import type { TitlesProgress } from '../../src/titles/types.js';
import { useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';

/** 'elsewhere': going in another Titlewave window or process, which alone can act on it. */
export type RunState = JobState | 'interrupted' | 'elsewhere';
export type ExportFormat = 'csv' | 'json' | 'jsonl' | 'xlsx';

export interface RunInfo {
  id: string;
  name: string;
  state: RunState;
  progress: TitlesProgress;
  /** A run on a Redis queue: the queue's URL without its password. */
  queue?: string;
}

const stateKey = {
  running: 'runStateRunning',
  paused: 'runStatePaused',
  done: 'runStateDone',
  cancelled: 'runStateCancelled',
  failed: 'runStateFailed',
  interrupted: 'runStateInterrupted',
  elsewhere: 'runStateElsewhere',
} as const;

export function useRunStateLabel(): (state: RunState) => string {
  const t = useT(titlesMessages);
  return (state) => t(stateKey[state]);
}
