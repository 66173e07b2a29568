/**
 * Browser mode's access token, kept for its data folder in `<dataDir>/serve-token` (mode 0600), so a restarted
 * `titlewave serve` on the same port and data folder has the same address and open pages reconnect by themselves.
 *
 * The file is trusted only when nobody else could have written or read it: a regular file (not a symlink), owned by
 * this user, with no group or other permission bits, holding exactly one token of the expected form. Anything else
 * (a file planted in a shared folder, one left readable by others) is replaced with a new token. Node only.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE = 'serve-token';
/** 256 random bits in base64url: 43 characters. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isWellFormedToken(value: string): boolean {
  return tokenPattern.test(value);
}

/**
 * The saved token of `dataDir`, or a new one saved there (also when `renew` asks for a new address, or the saved one
 * cannot be trusted). The folder must exist.
 */
export async function loadOrCreateToken(dataDir: string, options: { renew?: boolean } = {}): Promise<string> {
  const path = join(dataDir, TOKEN_FILE);
  if (!options.renew) {
    const saved = await readTrustedToken(path);
    if (saved) return saved;
  }
  const token = newToken();
  await writeToken(path, token);
  return token;
}

/** The token in `path` when the file can be trusted (see above) for the user `uid` (this process's by default). */
export async function readTrustedToken(path: string, uid: number | undefined = process.getuid?.()): Promise<string | null> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink here is refused rather than read through.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > 1024) return null;
    // Windows has neither uids nor these mode bits; its per-user data folder is private by its ACL.
    if (uid !== undefined && (info.uid !== uid || (info.mode & 0o077) !== 0)) return null;
    const token = (await handle.readFile('utf8')).trim();
    return isWellFormedToken(token) ? token : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** A fresh file created 0600 (never one that exists), then renamed over the old one: no moment of wider access. */
async function writeToken(path: string, token: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${token}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
