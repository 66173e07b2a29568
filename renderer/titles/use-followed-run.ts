/**
 * The one run the Titles tab follows: its rows in a RunRecords + RecordView pair kept outside React, its summary
 * (`RunInfo`), and a version counter that tells the results to redraw the rows in view. Updates (`titles.update`,
 * batched by the services) go through a JobFollower (renderer/jobs/job-follower.ts): while a start or a load is in
 * flight they are held, and replayed once the run's id is known, so none is lost or applied to the wrong run; a
 * newer start or load wins over an older one still in flight.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { Events } from '../../src/contract.js';
import { useApiEvent } from '../api.js';
import { JobFollower } from '../jobs/job-follower.js';
import { canvasTitleMeasurer } from './measure-title.js';
import type { RunInfo } from './run.js';
import { RecordView, RunRecords } from './store.js';

type TitlesUpdate = Events['titles.update'];

export interface Following {
  records: RunRecords;
  view: RecordView;
}

const measure = canvasTitleMeasurer();

/** An empty store; a new run keeps the user's sort, filters and filter text. */
export function newFollowing(previous?: Following): Following {
  const records = new RunRecords(measure);
  const view = new RecordView(records);
  if (previous) {
    view.sort = previous.view.sort;
    view.query = previous.view.query;
    view.filters = previous.view.filters;
  }
  return { records, view };
}

export interface FollowedRun {
  run: RunInfo | null;
  setRun: (update: (current: RunInfo | null) => RunInfo | null) => void;
  following: Following;
  /** The same, for callbacks that must see the latest without re-rendering. */
  followingRef: { readonly current: Following };
  runRef: { readonly current: RunInfo | null };
  version: number;
  bump: () => void;
  /**
   * Show the run `fill` returns: a fresh store filled by it, then the updates of that run that arrived meanwhile.
   * Resolves false when a newer follow began meanwhile (this one is dropped); rejects with `fill`'s error, and then
   * the run shown before is followed on.
   */
  follow: (fill: (target: Following) => Promise<RunInfo>) => Promise<boolean>;
  /** Show no run (its store emptied). */
  clear: () => void;
  /** A start or load is in flight. */
  pending: () => boolean;
}

/** `onStopped`: a run on a queue stopped on an error (it stays resumable; the update says why). */
export function useFollowedRun(onStopped: (error: string) => void): FollowedRun {
  const [run, setRunState] = useState<RunInfo | null>(null);
  const [version, setVersion] = useState(0);
  const [following, setFollowing] = useState<Following>(() => newFollowing());
  const followingRef = useRef(following);
  const runRef = useRef<RunInfo | null>(null);
  runRef.current = run;

  const bump = useCallback(() => setVersion((n) => n + 1), []);
  const stopped = useRef(onStopped);
  stopped.current = onStopped;

  const follower = useMemo(
    () =>
      new JobFollower<TitlesUpdate>(
        (update) => {
          const { records, view } = followingRef.current;
          if (update.records.length > 0) view.apply(records.put(update.records));
          const progress = update.summary ?? update.progress;
          // A run on a queue that stopped on an error is interrupted, not lost: it shows Resume.
          const state = update.error ? 'interrupted' : update.state === 'running' && progress.paused ? 'paused' : update.state;
          setRunState((current) => (current && current.id === update.runId ? { ...current, state, progress } : current));
          setVersion((n) => n + 1);
          if (update.error) stopped.current(update.error);
        },
        { id: (update) => update.runId },
      ),
    [],
  );

  useApiEvent('titles.update', (update) => follower.receive(update));

  const follow = useCallback(
    async (fill: (target: Following) => Promise<RunInfo>) => {
      const previous = runRef.current;
      const generation = follower.begin();
      const target = newFollowing(followingRef.current);
      let info: RunInfo;
      try {
        info = await fill(target);
      } catch (error) {
        // Go on following what was shown (its updates that came meanwhile were held and are replayed).
        if (follower.generation === generation) {
          if (previous) follower.followFrom(previous.id, 0);
          else follower.stop();
        }
        throw error;
      }
      if (follower.generation !== generation) return false;
      target.view.rebuild();
      followingRef.current = target;
      runRef.current = info;
      setFollowing(target);
      setRunState(info);
      // Replays the updates of this run that arrived while `fill` ran, onto the new store.
      follower.followFrom(info.id, 0);
      setVersion((n) => n + 1);
      return true;
    },
    [follower],
  );

  const clear = useCallback(() => {
    follower.stop();
    const fresh = newFollowing(followingRef.current);
    followingRef.current = fresh;
    runRef.current = null;
    setFollowing(fresh);
    setRunState(null);
    setVersion((n) => n + 1);
  }, [follower]);

  return {
    run,
    setRun: setRunState,
    following,
    followingRef,
    runRef,
    version,
    bump,
    follow,
    clear,
    pending: () => follower.pending,
  };
}
