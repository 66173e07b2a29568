/**
 * Preview tokens: opaque, unguessable names for thumbnails the services wrote, so a host can show them to its
 * renderer without ever putting a path in a URL or serving anything else from the disk. Each token remembers the
 * file it was issued for (device and inode, seen without following links): if the path later names another file (a
 * symlink or hard link put in its place), the token no longer resolves. Bounded: the oldest tokens are forgotten first.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';

/** The file behind a preview token: its path, and which file it was when the token was issued. */
export interface PreviewFile {
  path: string;
  dev: bigint;
  ino: bigint;
}

export class PreviewRegistry {
  private readonly files = new Map<string, PreviewFile>();

  constructor(private readonly capacity = 20_000) {}

  /** A token for a file just written, or null when the path is not a regular file (never previewed). */
  issue(path: string): string | null {
    const identity = identityOf(path);
    if (!identity) return null;
    const token = randomBytes(16).toString('base64url');
    this.files.set(token, { path, ...identity });
    if (this.files.size > this.capacity) {
      const oldest = this.files.keys().next();
      if (!oldest.done) this.files.delete(oldest.value);
    }
    return token;
  }

  /** The file behind a token, while its path still names that same regular file; else null. */
  file(token: string): PreviewFile | null {
    const file = (typeof token === 'string' && this.files.get(token)) || null;
    if (!file) return null;
    const now = identityOf(file.path);
    return now && now.dev === file.dev && now.ino === file.ino ? file : null;
  }

  /** The path behind a token, checked as `file` checks it. */
  resolve(token: string): string | null {
    return this.file(token)?.path ?? null;
  }

  clear(): void {
    this.files.clear();
  }
}

function identityOf(path: string): { dev: bigint; ino: bigint } | null {
  try {
    const info = lstatSync(path, { bigint: true });
    return info.isFile() ? { dev: info.dev, ino: info.ino } : null;
  } catch {
    return null;
  }
}
