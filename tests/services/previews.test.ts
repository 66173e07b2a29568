/** Preview tokens stand for the file the services wrote, not for whatever its path names later. */
import { link, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreviewRegistry } from '../../src/services/previews.js';

describe('PreviewRegistry', () => {
  it('issues tokens for regular files only, and forgets a file once its path names another one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'titlewave-previews-'));
    const secret = join(dir, 'secret.png');
    await writeFile(secret, 'not ours');
    const registry = new PreviewRegistry();

    const written = join(dir, 'thumb.png');
    await writeFile(written, 'ours');
    const token = registry.issue(written);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(registry.resolve(token!)).toBe(written);
    expect(registry.file(token!)).toMatchObject({ path: written });

    // Replaced by a hard link to another file: same path, another inode.
    await rm(written);
    await link(secret, written);
    expect(registry.resolve(token!)).toBeNull();
    // Replaced by a symlink to another file.
    await rm(written);
    await symlink(secret, written);
    expect(registry.resolve(token!)).toBeNull();
    // A symlink, a folder or a missing file never gets a token.
    expect(registry.issue(written)).toBeNull();
    expect(registry.issue(dir)).toBeNull();
    expect(registry.issue(join(dir, 'missing.png'))).toBeNull();
    expect(registry.resolve('A'.repeat(22))).toBeNull();
  });

  it('keeps the newest tokens up to its capacity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'titlewave-previews-'));
    const registry = new PreviewRegistry(2);
    const tokens: string[] = [];
    for (const name of ['a.png', 'b.png', 'c.png']) {
      await writeFile(join(dir, name), name);
      tokens.push(registry.issue(join(dir, name))!);
    }
    expect(tokens.map((token) => registry.resolve(token))).toEqual([null, join(dir, 'b.png'), join(dir, 'c.png')]);
  });
});
