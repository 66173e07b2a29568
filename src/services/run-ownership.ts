/**
 * Who owns a titles run. The process that runs a run holds its folder's lock (src/fs/lock.ts) from the job's start
 * until it ended and was saved; while another live process holds it, the run is 'elsewhere' here and every command
 * that would change it is refused, naming that process. A run left running by a Titlewave from before run locks
 * counts as going while its owner's pid lives and its heartbeat is fresh. Runs going elsewhere are watched, so the
 * page hears when one ends there or its owner dies (then it is resumable at once).
 */
import { hostname } from 'node:os';
import type { RunSummary } from '../contract.js';
import { RefusalError } from '../errors.js';
import { acquireLock, LockedError, lockHolder, type Lock, type LockOwner } from '../fs/lock.js';
import type { RunMeta, RunStore } from './journal.js';
import { HEARTBEAT_MS } from './run-meta.js';

/**
 * A run left running or paused without a lock (by a Titlewave from before run locks) counts as still going while its
 * owner's pid lives and its heartbeat is younger than this. Runs are owned through their lock otherwise.
 */
const STALE_AFTER_MS = 30_000;

/** A run another live process owns: refused, saying who that is and where to act instead. */
export function ownedElsewhereError(owner: LockOwner | null, action: string): RefusalError {
  const who = owner ? ` (${owner.purpose ? `${owner.purpose}, ` : ''}process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`})` : '';
  return new RefusalError('RUN_ELSEWHERE', `This run is going on in another Titlewave window or process${who}; ${action} it there.`);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunOwnership {
  /** Runs last shown as going in another process, and when their counts were last announced. */
  private readonly elsewhere = new Map<string, number>();
  private watching = false;

  constructor(
    private readonly store: RunStore,
    /** This process's services, as written in the metas of the runs they own. */
    private readonly session: string,
    /** Who runs these services, as another process's refusal names it ("titlewave serve"). */
    private readonly host: string,
  ) {}

  /** This process's lock on a run folder; a live owner elsewhere is refused with a message that names it. */
  async lock(id: string, action: string): Promise<Lock> {
    try {
      return await acquireLock(this.store.runDir(id), this.host);
    } catch (error) {
      if (error instanceof LockedError) throw ownedElsewhereError(error.owner, action);
      throw error;
    }
  }

  /**
   * Another name for a run this process is not running: written in its meta.json under the run's lock, so it never
   * races the owner's writes; refused while another process owns the run. `isKind` says the meta is the caller's kind
   * of run (titles or queue).
   */
  async renameStored(id: string, name: string, isKind: (meta: RunMeta) => boolean): Promise<void> {
    const lock = await this.lock(id, 'rename');
    try {
      const meta = await this.store.readMeta(id);
      if (!meta || !isKind(meta)) throw new RefusalError('RUN_NOT_FOUND', `No run with id ${id}`);
      if (this.isGoingUnlocked(meta)) throw ownedElsewhereError(null, 'rename');
      await this.store.writeMeta({ ...meta, name }, true);
    } finally {
      await lock.release();
    }
  }

  /** Refuse a command for a run another live process owns (only that process can act on it). */
  async assertNotElsewhere(id: string, action: string): Promise<void> {
    const holder = await lockHolder(this.store.runDir(id));
    if (holder) throw ownedElsewhereError(holder, action);
    const meta = await this.store.readMeta(id);
    if (meta && this.isGoingUnlocked(meta)) throw ownedElsewhereError(null, action);
  }

  /**
   * A run left running or paused, without a lock, by a live process whose heartbeat is recent: a Titlewave from
   * before run locks still working on it. Anything else without a lock is interrupted.
   */
  isGoingUnlocked(meta: RunMeta): boolean {
    if (meta.state !== 'running' && meta.state !== 'paused') return false;
    if (!meta.owner || meta.owner.session === this.session) return false;
    if (!isProcessAlive(meta.owner.pid)) return false;
    return Date.now() - Date.parse(meta.updatedAt) <= STALE_AFTER_MS;
  }

  /**
   * The state of a run not going in this process, as history shows it: 'elsewhere' while another live process owns
   * it (holds its lock), 'interrupted' when it was left running or paused by a process that is gone (a crash, a kill).
   */
  async stateOf(meta: RunMeta): Promise<RunSummary['state']> {
    let state: RunSummary['state'] = meta.state;
    if (meta.state === 'running' || meta.state === 'paused') {
      state = (await lockHolder(this.store.runDir(meta.id))) || this.isGoingUnlocked(meta) ? 'elsewhere' : 'interrupted';
    }
    if (state === 'elsewhere') {
      if (!this.elsewhere.has(meta.id)) this.elsewhere.set(meta.id, Date.now());
    } else this.elsewhere.delete(meta.id);
    return state;
  }

  /**
   * Runs going in another process change there, unseen here. True when the list should be announced: one of them
   * ended or its owner died (it is resumable now), or its counts are due again (every HEARTBEAT_MS).
   */
  async watch(isLiveHere: (id: string) => boolean): Promise<boolean> {
    if (this.elsewhere.size === 0 || this.watching) return false;
    this.watching = true;
    try {
      const now = Date.now();
      let changed = false;
      for (const [id, announced] of this.elsewhere) {
        const meta = isLiveHere(id) ? null : await this.store.readMeta(id);
        const going = meta !== null && (meta.state === 'running' || meta.state === 'paused') && ((await lockHolder(this.store.runDir(id))) !== null || this.isGoingUnlocked(meta));
        if (!going) {
          this.elsewhere.delete(id);
          changed = true;
        } else if (now - announced >= HEARTBEAT_MS) {
          this.elsewhere.set(id, now);
          changed = true;
        }
      }
      return changed;
    } finally {
      this.watching = false;
    }
  }
}
