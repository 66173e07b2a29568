/**
 * The CLI's hold on its output files and folders (src/fs/lock.ts): one Titlewave process writes each at a time. The
 * locks are released when the command is done with them, and by the process's 'exit' whatever way it ends (an
 * error, a second Ctrl+C that exits at once); a process killed outright leaves locks the next run takes over at once.
 * A second process is refused with the LockedError's message as a usage error: exit 2, like every other refusal
 * made before any work.
 */
import { acquireLocks } from '../fs/lock.js';

export interface HeldLock {
  release(): Promise<void>;
}

/** Hold the locks of `targets`, all of them or none (LockedError). */
export async function holdOutputLocks(targets: readonly string[], purpose: string): Promise<HeldLock> {
  const locks = await acquireLocks(targets, purpose);
  const onExit = (): void => {
    for (const lock of locks) lock.releaseSync();
  };
  process.on('exit', onExit);
  return {
    async release() {
      process.off('exit', onExit);
      await Promise.all(locks.map((lock) => lock.release()));
    },
  };
}

export function holdOutputLock(target: string, purpose: string): Promise<HeldLock> {
  return holdOutputLocks([target], purpose);
}
