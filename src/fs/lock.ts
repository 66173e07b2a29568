/**
 * One writer per output file or run folder, across processes: a lock file created with O_EXCL beside what it
 * guards, holding its owner (pid, host, what it is doing). A second process is refused with a LockedError that says
 * who holds it; the lock of a process that died (kill -9, a crash) on this machine is taken over at once. Node only.
 *
 * Hand-written rather than proper-lockfile: that library can only call a lock stale after its owner stops touching
 * it for a while, so a run resumed right after a kill -9 would be refused for that long. Here a dead owner is
 * recognised by its pid at once; a lock held from another machine (a shared folder) is never taken over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TitlewaveError } from '../errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** What the owner is doing, for the refusal's message ("titlewave titles", "titlewave serve"). */
  purpose: string;
  startedAt: string;
  /** Tells this lock from a later one of a reused pid. */
  nonce: string;
}

/** Thrown when another live process holds the lock. `code` is 'LOCKED' like Node's error codes. */
export class LockedError extends TitlewaveError<'LOCKED'> {
  constructor(
    readonly target: string,
    readonly owner: LockOwner,
    readonly lockPath: string,
  ) {
    const where = owner.host === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
    const also = owner.host === hostname() ? '' : ` If that process is gone, delete ${lockPath}.`;
    super('LOCKED', `${target} is in use by another Titlewave ${owner.purpose ? `(${owner.purpose}, ` : '('}${where}, since ${owner.startedAt}).${also}`);
  }
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Remove the lock; safe to call twice. Only removes it while it is still ours. */
  release(): Promise<void>;
  /** The same, for a process 'exit' handler, where nothing asynchronous runs. */
  releaseSync(): void;
}

/** The lock file that guards `target` (a file or a folder): `.NAME.titlewave-lock` beside it. */
export function lockPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.titlewave-lock`);
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null | 'missing'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.nonce === 'string') {
      return { pid: owner.pid, host: owner.host, nonce: owner.nonce, purpose: String(owner.purpose ?? ''), startedAt: String(owner.startedAt ?? '') };
    }
  } catch {
    // torn or foreign content: below
  }
  return null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Take the lock that guards `target`, or throw LockedError when a live process holds it. A lock left by a dead
 * process of this machine is taken over. Other errors (a folder that is not writable) are thrown as they are.
 */
export async function acquireLock(target: string, purpose: string): Promise<Lock> {
  const path = lockPathFor(target);
  const owner: LockOwner = { pid: process.pid, host: hostname(), purpose, startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  let unreadable = 0;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return makeLock(path, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(path);
    if (holder === 'missing') continue;
    if (holder === null) {
      // Being written by its owner right now, or torn by a crash between create and write: give it a moment.
      unreadable += 1;
      if (unreadable < 10) {
        await sleep(20);
        continue;
      }
    } else if (holder.host !== hostname() || processAlive(holder.pid)) {
      throw new LockedError(target, holder, path);
    }
    await takeOver(path, holder);
  }
  throw new Error(`Could not take the lock ${path}: it keeps changing hands.`);
}

/**
 * Move a dead owner's lock out of the way. Rename is atomic, so of two processes taking over at once only one moves
 * the stale lock; the other may move the winner's fresh lock instead, and then puts it back (link fails rather than
 * replace a lock a third process made meanwhile).
 */
async function takeOver(path: string, stale: LockOwner | null): Promise<void> {
  const grave = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, grave);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readOwner(grave);
  const movedStale = stale === null ? moved === null : moved !== 'missing' && moved !== null && moved.nonce === stale.nonce;
  if (!movedStale) {
    try {
      await link(grave, path);
    } catch {
      // A third process holds the lock now; the one we moved lost it, as if it had been taken over.
    }
  }
  await rm(grave, { force: true });
}

function makeLock(path: string, owner: LockOwner): Lock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      const holder = await readOwner(path).catch(() => null);
      if (holder !== 'missing' && holder !== null && holder.nonce === owner.nonce) await rm(path, { force: true });
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if ((JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>).nonce === owner.nonce) rmSync(path, { force: true });
      } catch {
        // gone or not ours: nothing to remove
      }
    },
  };
}

/**
 * Take the locks of several targets (a job's output folders), all or none: when one is refused, the ones already
 * taken are released and the LockedError is thrown.
 */
export async function acquireLocks(targets: readonly string[], purpose: string): Promise<Lock[]> {
  const locks: Lock[] = [];
  try {
    for (const target of targets) locks.push(await acquireLock(target, purpose));
  } catch (error) {
    await Promise.all(locks.map((lock) => lock.release()));
    throw error;
  }
  return locks;
}

/**
 * Who holds the lock that guards `target` right now, without taking it: the owner when a live process of this
 * machine (or any process of another machine) holds it; null when it is free or left by a dead process.
 */
export async function lockHolder(target: string): Promise<LockOwner | null> {
  const holder = await readOwner(lockPathFor(target)).catch(() => null);
  if (holder === 'missing' || holder === null) return null;
  return holder.host !== hostname() || processAlive(holder.pid) ? holder : null;
}
