/**
 * Follows one job's events. A job's first events may arrive before the command that started it has returned its
 * id, so while a start (or a fetch of the job's state) is in flight, events of unknown jobs are held and replayed once
 * the id is known; events of any other job (an earlier, cancelled one) are ignored, and so are events a fetched
 * state already includes (by their `seq`, when the events are numbered). Used by the Titles, Primes and Thumbnails
 * tabs.
 */
import { useEffect, useRef } from 'react';
import { errorMessage, invoke } from '../api.js';
import { useToast } from '../components/Toasts.js';
import { useReconnected } from '../connection.js';
import { commonMessages } from '../i18n/common.js';
import { useT } from '../i18n/index.js';

/** How a follower reads an event: the job it belongs to, and its number within the job (when events have one). */
export interface FollowerKeys<P> {
  id: (payload: P) => string;
  seq?: (payload: P) => number;
}

/** The keys of events that carry `jobId` and `seq` (primes and thumbnails). */
const jobKeys: FollowerKeys<{ jobId: string; seq: number }> = { id: (payload) => payload.jobId, seq: (payload) => payload.seq };

export class JobFollower<P> {
  private readonly keys: FollowerKeys<P>;
  private current: string | null = null;
  private starting = false;
  private held: P[] = [];
  /** The last update applied (or included in a fetched state) of the current job. */
  private seq = 0;
  /** Counts starts and fetches: one that finds a newer one begun after it leaves the view to that one. */
  generation = 0;

  /** `keys` may be left out for events with `jobId` and `seq`. */
  constructor(
    private readonly apply: (payload: P) => void,
    ...keys: P extends { jobId: string; seq: number } ? [keys?: FollowerKeys<P>] : [keys: FollowerKeys<P>]
  ) {
    this.keys = keys[0] ?? (jobKeys as unknown as FollowerKeys<P>);
  }

  get jobId(): string | null {
    return this.current;
  }

  /** The start command (or a fetch of a job's state) was sent; returns its generation. */
  begin(): number {
    this.current = null;
    this.starting = true;
    this.held = [];
    return ++this.generation;
  }

  /** The start command returned the job's id: replay what arrived meanwhile. */
  started(jobId: string): void {
    this.followFrom(jobId, 0);
  }

  /** The job's state up to update `seq` was fetched and shown: follow it from the next update on. */
  followFrom(jobId: string, seq: number): void {
    this.current = jobId;
    this.starting = false;
    this.seq = seq;
    const held = this.held;
    this.held = [];
    for (const payload of held) this.receive(payload);
  }

  /** Whether a start or a fetch is in flight. */
  get pending(): boolean {
    return this.starting;
  }

  /** The start command failed, or the view was reset: follow nothing. */
  stop(): void {
    this.current = null;
    this.starting = false;
    this.held = [];
  }

  receive(payload: P): void {
    if (this.keys.id(payload) === this.current) {
      if (this.keys.seq) {
        const seq = this.keys.seq(payload);
        if (seq <= this.seq) return;
        this.seq = seq;
      }
      this.apply(payload);
    }
    // Bounded: a start is in flight for a moment only, and events come in batches of about 10 a second.
    else if (this.starting && this.held.length < 1000) this.held.push(payload);
  }
}

/** Cancel the job a follower follows (nothing when it follows none); a failure is shown as a toast. */
export function useCancelJob(follower: { readonly jobId: string | null }): () => Promise<void> {
  const t = useT(commonMessages);
  const toast = useToast();
  return async () => {
    const jobId = follower.jobId;
    if (!jobId) return;
    try {
      await invoke('job.cancel', jobId);
    } catch (error) {
      toast.show(t('commandFailed', { what: t('cancel'), message: errorMessage(error) }), 'error');
    }
  };
}

/**
 * Show the host's latest job of a kind, on mount and each time the connection comes back (updates sent meanwhile
 * were missed): a reloaded page keeps its results, a reconnected one catches up. `show` replaces the view with the
 * fetched state and the follower goes on from the update it includes; `gone` is called when the host has no job of
 * this kind (restarted), so a view showing one as running can say it stopped. A start made meanwhile wins.
 */
export function useLastJob<P extends { jobId: string; seq: number }, L>(options: {
  follower: JobFollower<P>;
  fetch: () => Promise<L | null>;
  updateOf: (last: L) => { jobId: string; seq: number };
  show: (last: L) => void;
  gone: () => void;
}): void {
  const latest = useRef(options);
  latest.current = options;
  const restore = async () => {
    const { follower } = latest.current;
    // A start in flight follows its own job.
    if (follower.pending) return;
    const generation = follower.begin();
    let last: L | null;
    try {
      last = await latest.current.fetch();
    } catch {
      // The connection dropped again: the next reconnection fetches again.
      if (follower.generation === generation) follower.stop();
      return;
    }
    if (follower.generation !== generation) return;
    if (!last) {
      follower.stop();
      latest.current.gone();
      return;
    }
    latest.current.show(last);
    const { jobId, seq } = latest.current.updateOf(last);
    follower.followFrom(jobId, seq);
  };
  useEffect(() => {
    void restore();
    // Once, on mount; later fetches follow reconnections.
  }, []);
  useReconnected(() => void restore());
}

/** Esc presses a useEscapeCancels hook acted on (marked handled for everything else, not for the other hooks). */
const escapesTaken = new WeakSet<Event>();

/**
 * Esc cancels the job while its tab is shown, wherever the focus is: starting a job disables the button that started
 * it, so the focus often falls back to the page, where a key handler on the card would never hear it. A card that
 * has the focus handles Esc itself (and marks it handled); an open dialog keeps Esc for itself.
 */
export function useEscapeCancels(area: { readonly current: HTMLElement | null }, running: boolean, cancel: () => void): void {
  const latest = useRef({ running, cancel });
  latest.current = { running, cancel };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !latest.current.running) return;
      // Handled already by a card or a field; not when only another job's hook took it: each running job hears it.
      if (event.defaultPrevented && !escapesTaken.has(event)) return;
      const element = area.current;
      if (!element || element.closest('[hidden]') || document.querySelector('dialog[open]')) return;
      event.preventDefault();
      escapesTaken.add(event);
      latest.current.cancel();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [area]);
}
