/**
 * A folder whose disk fills up on demand, for tests of write failures midway through a run.
 *
 * Where this process may mount (root, as on the build machines), `dir` becomes a small tmpfs and `fill()` takes all
 * its free space: the next write fails with ENOSPC, as on a real full disk. Elsewhere the write error is injected:
 * this process's file size limit (RLIMIT_FSIZE, set with util-linux's prlimit) is lowered while `run` runs, so a
 * write past `limitBytes` fails with EFBIG (Node ignores SIGXFSZ), and `fill()` does nothing.
 */
import { execFileSync } from 'node:child_process';
import { statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FailingDisk {
  /** The error code the failing write gets. */
  code: 'ENOSPC' | 'EFBIG';
  /** Takes the disk's free space (tmpfs); the first call only. */
  fill(): void;
  /** Names `fill()` put in the folder (to leave out when checking what a run left behind). */
  fillers: string[];
}

function tryMount(dir: string, sizeBytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function withFailingDisk<T>(dir: string, options: { sizeBytes: number; limitBytes: number }, run: (disk: FailingDisk) => Promise<T>): Promise<T> {
  if (tryMount(dir, options.sizeBytes)) {
    let filled = false;
    const filler = join(dir, 'filler');
    const disk: FailingDisk = {
      code: 'ENOSPC',
      fillers: ['filler'],
      fill() {
        if (filled) return;
        filled = true;
        const { bavail, bsize } = statfsSync(dir);
        try {
          writeFileSync(filler, Buffer.alloc(bavail * bsize));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      },
    };
    try {
      return await run(disk);
    } finally {
      execFileSync('umount', [dir]);
    }
  }
  const pid = String(process.pid);
  const saved = execFileSync('prlimit', ['--pid', pid, '--fsize', '--raw', '--noheadings', '-o', 'SOFT'], { encoding: 'utf8' }).trim();
  execFileSync('prlimit', ['--pid', pid, `--fsize=${options.limitBytes}:`]);
  try {
    return await run({ code: 'EFBIG', fillers: [], fill() {} });
  } finally {
    execFileSync('prlimit', ['--pid', pid, `--fsize=${saved}:`]);
  }
}
