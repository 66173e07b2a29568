/**
 * What the OS shows of the work going on: the taskbar / dock progress bar during runs (all jobs together, cleared
 * when the last one ends) and a system notification when a long job ends while the window is in the background.
 * Fed by the services' update events, which arrive at most about 10 times a second per job.
 */
import type { Events, JobState, Language } from '../contract.js';
import type { Services } from '../services/types.js';
import { formatDuration, shellText, type ShellMessageKey } from './i18n.js';

/** A job this long or longer gets a notification when it ends unseen. */
export const LONG_RUN_MS = 10_000;

export interface ProgressWindow {
  isDestroyed(): boolean;
  isFocused(): boolean;
  setProgressBar(progress: number, options?: { mode: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused' }): void;
}

export interface NotificationRequest {
  title: string;
  body: string;
}

export interface RunMonitorOptions {
  getWindow(): ProgressWindow | null;
  getLanguage(): Language;
  /** Show a system notification (the caller checks the platform supports them and focuses the window on click). */
  notify(request: NotificationRequest): void;
}

interface ActiveJob {
  done: number;
  total: number;
  paused: boolean;
}

type Finished = { title: ShellMessageKey; body: ShellMessageKey; params: Record<string, string | number>; elapsedMs: number };

const ended = (state: JobState) => state === 'done' || state === 'cancelled' || state === 'failed';

export class RunMonitor {
  private readonly jobs = new Map<string, ActiveJob>();
  private lastBar: string | null = null;

  constructor(private readonly options: RunMonitorOptions) {}

  /** Subscribe to the services' update events; returns the function that unsubscribes. */
  attach(services: Pick<Services, 'on'>): () => void {
    const unsubscribes = [
      services.on('titles.update', (payload) => this.onTitles(payload)),
      services.on('thumbs.update', (payload) => this.onThumbs(payload)),
      services.on('primes.checkUpdate', (payload) => this.onPrimesCheck(payload)),
      services.on('primes.rangeUpdate', (payload) => this.onPrimesRange(payload)),
    ];
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }

  onTitles({ runId, state, progress, summary }: Events['titles.update']): void {
    const final = summary ?? progress;
    this.update(`titles:${runId}`, state, progress.done, progress.total, state === 'paused' || progress.paused, {
      title: 'notifyTitlesDone',
      body: 'notifyTitlesBody',
      params: { done: final.done, failed: final.failed },
      elapsedMs: final.elapsedMs,
    });
  }

  onThumbs({ jobId, state, progress }: Events['thumbs.update']): void {
    this.update(`thumbs:${jobId}`, state, progress.done, progress.total, state === 'paused', {
      title: 'notifyThumbsDone',
      body: 'notifyThumbsBody',
      params: { done: progress.done, failed: progress.failed },
      elapsedMs: progress.elapsedMs,
    });
  }

  onPrimesCheck({ jobId, state, done, total, elapsedMs }: Events['primes.checkUpdate']): void {
    this.update(`primes-check:${jobId}`, state, done, total, state === 'paused', {
      title: 'notifyPrimesCheckDone',
      body: 'notifyPrimesCheckBody',
      params: { done },
      elapsedMs,
    });
  }

  onPrimesRange({ jobId, state, progress, result }: Events['primes.rangeUpdate']): void {
    this.update(`primes-range:${jobId}`, state, progress.sieved, progress.total, state === 'paused', {
      title: 'notifyPrimesDone',
      body: 'notifyPrimesBody',
      params: { count: (result?.count ?? progress.count).toLocaleString(this.options.getLanguage()) },
      elapsedMs: result?.ms ?? progress.elapsedMs,
    });
  }

  private update(key: string, state: JobState, done: number, total: number, paused: boolean, finished: Finished): void {
    if (ended(state)) {
      const known = this.jobs.delete(key);
      this.render();
      // Only a job seen running in this session, that completed, took long, and ended out of the user's sight.
      if (known && state === 'done' && finished.elapsedMs >= LONG_RUN_MS) this.notifyIfUnseen(finished);
      return;
    }
    this.jobs.set(key, { done, total, paused });
    this.render();
  }

  private notifyIfUnseen(finished: Finished): void {
    const window = this.options.getWindow();
    if (window && !window.isDestroyed() && window.isFocused()) return;
    const language = this.options.getLanguage();
    this.options.notify({
      title: shellText(language, finished.title),
      body: shellText(language, finished.body, { ...finished.params, duration: formatDuration(finished.elapsedMs) }),
    });
  }

  private render(): void {
    const window = this.options.getWindow();
    if (!window || window.isDestroyed()) return;
    let done = 0;
    let total = 0;
    let allPaused = this.jobs.size > 0;
    for (const job of this.jobs.values()) {
      done += Math.min(job.done, job.total);
      total += job.total;
      allPaused &&= job.paused;
    }
    let value: number;
    let mode: 'none' | 'normal' | 'indeterminate' | 'paused';
    if (this.jobs.size === 0) {
      value = -1;
      mode = 'none';
    } else if (total === 0) {
      value = 2;
      mode = 'indeterminate';
    } else {
      // Three decimals: the bar moves visibly, and a 100,000-URL run does not call the OS for every record.
      value = Math.round((done / total) * 1000) / 1000;
      mode = allPaused ? 'paused' : 'normal';
    }
    const key = `${value}:${mode}`;
    if (key === this.lastBar) return;
    this.lastBar = key;
    window.setProgressBar(value, { mode });
  }
}
