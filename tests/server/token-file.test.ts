/**
 * The access token kept per data folder (`serve-token`, 0600): the same address after a restart, a new one on
 * request, and never a token from a file someone else could have written or read.
 */
import { chmod, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN_FILE, loadOrCreateToken, readTrustedToken } from '../../src/server/token-file.js';

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

async function dataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'titlewave-token-'));
}

describe('the saved access token', () => {
  it('is made once per data folder, private to its user, and the same on every later start', async () => {
    const dir = await dataDir();
    const token = await loadOrCreateToken(dir);
    expect(token).toMatch(tokenShape);
    const file = join(dir, TOKEN_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe(`${token}\n`);
    expect(await loadOrCreateToken(dir)).toBe(token);
    // Another data folder has its own.
    expect(await loadOrCreateToken(await dataDir())).not.toBe(token);
  });

  it('is replaced on request (--new-address)', async () => {
    const dir = await dataDir();
    const first = await loadOrCreateToken(dir);
    const second = await loadOrCreateToken(dir, { renew: true });
    expect(second).toMatch(tokenShape);
    expect(second).not.toBe(first);
    expect(await loadOrCreateToken(dir)).toBe(second);
  });

  it('never trusts a file others could read or write: loose permissions, a symlink, another owner, garbage', async () => {
    const dir = await dataDir();
    const file = join(dir, TOKEN_FILE);
    const planted = 'P'.repeat(43);

    await writeFile(file, `${planted}\n`, { mode: 0o644 });
    await chmod(file, 0o644);
    const replaced = await loadOrCreateToken(dir);
    expect(replaced).not.toBe(planted);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // A symlink to a token file elsewhere (private, well formed) is not read through, and its target is left alone.
    const elsewhere = join(await dataDir(), 'token');
    await writeFile(elsewhere, `${planted}\n`, { mode: 0o600 });
    const linkedDir = await dataDir();
    await symlink(elsewhere, join(linkedDir, TOKEN_FILE));
    expect(await loadOrCreateToken(linkedDir)).not.toBe(planted);
    expect(await readFile(elsewhere, 'utf8')).toBe(`${planted}\n`);

    // Owned by another user: not trusted (checked here as another uid would see this file).
    const owned = join(await dataDir(), TOKEN_FILE);
    await writeFile(owned, `${planted}\n`, { mode: 0o600 });
    expect(await readTrustedToken(owned)).toBe(planted);
    expect(await readTrustedToken(owned, (process.getuid?.() ?? 0) + 1)).toBeNull();

    for (const garbage of ['short', `${planted}x`, `${planted}\n${planted}`, '']) {
      await writeFile(owned, garbage, { mode: 0o600 });
      expect(await readTrustedToken(owned), garbage).toBeNull();
    }
  });
});
