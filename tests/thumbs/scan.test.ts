/** Walking what the user gave: recursion, hidden files, symlink loops, non-images, FIFOs, duplicates, cancel. */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanInputs, skipReasons } from '../../src/thumbs/scan.js';
import { makeTempDir, writeJpeg, writePng } from './images.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  // photos/
  //   a.jpg, b.PNG, notes.txt, .hidden.jpg, .cache/c.jpg, IMG_0001 (a JPEG without extension), fake.jpg (text)
  //   trip/day1/d.jpg, trip/loop -> ../ (symlink loop), trip/self -> self (a symlink to itself)
  //   pipe (a FIFO named like an image: pipe.jpg), link-to-a.jpg -> a.jpg
  const photos = join(dir, 'photos');
  await mkdir(join(photos, 'trip', 'day1'), { recursive: true });
  await mkdir(join(photos, '.cache'));
  await writeJpeg(join(photos, 'a.jpg'), 40, 30);
  await writePng(join(photos, 'b.PNG'), 40, 30);
  await writeFile(join(photos, 'notes.txt'), 'not an image');
  await writeJpeg(join(photos, '.hidden.jpg'), 40, 30);
  await writeJpeg(join(photos, '.cache', 'c.jpg'), 40, 30);
  await writeJpeg(join(photos, 'IMG_0001'), 40, 30);
  await writeFile(join(photos, 'fake.jpg'), 'text pretending to be a JPEG');
  await writeJpeg(join(photos, 'trip', 'day1', 'd.jpg'), 40, 30);
  await symlink('..', join(photos, 'trip', 'loop'));
  await symlink('self', join(photos, 'trip', 'self'));
  execFileSync('mkfifo', [join(photos, 'pipe.jpg')]);
  await symlink('a.jpg', join(photos, 'link-to-a.jpg'));
});
afterAll(async () => {
  await cleanup();
});

describe('scanInputs', () => {
  it('walks folders recursively in name order, skips hidden entries, and reports everything else it leaves out', async () => {
    const photos = join(dir, 'photos');
    const result = await scanInputs([photos]);
    expect(result.images).toEqual([
      join(photos, 'IMG_0001'),
      join(photos, 'a.jpg'),
      join(photos, 'b.PNG'),
      join(photos, 'fake.jpg'),
      join(photos, 'trip', 'day1', 'd.jpg'),
    ]);
    expect(result.roots).toEqual(result.images.map(() => photos));
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { path: join(photos, 'notes.txt'), reason: skipReasons.notAnImage },
        { path: join(photos, 'pipe.jpg'), reason: skipReasons.notARegularFile },
        { path: join(photos, 'link-to-a.jpg'), reason: skipReasons.alreadyIncluded },
        { path: join(photos, 'trip', 'loop'), reason: skipReasons.symlinkLoop },
        { path: join(photos, 'trip', 'self'), reason: skipReasons.symlinkLoop },
      ]),
    );
    expect(result.skipped).toHaveLength(5);
    // Hidden files and folders are neither taken nor reported.
    expect(JSON.stringify(result)).not.toContain('.hidden');
    expect(JSON.stringify(result)).not.toContain('.cache');
  });

  it('takes files given by name (even hidden ones) with a null root, and reports missing paths', async () => {
    const photos = join(dir, 'photos');
    const result = await scanInputs([join(photos, '.hidden.jpg'), join(photos, 'trip', 'day1', 'd.jpg'), join(dir, 'nope'), join(photos, 'notes.txt')]);
    expect(result.images).toEqual([join(photos, '.hidden.jpg'), join(photos, 'trip', 'day1', 'd.jpg')]);
    expect(result.roots).toEqual([null, null]);
    expect(result.skipped).toEqual([
      { path: join(dir, 'nope'), reason: skipReasons.notFound },
      { path: join(photos, 'notes.txt'), reason: skipReasons.notAnImage },
    ]);
  });

  it('lists an image once when given twice (a folder and a file in it, or the same folder twice)', async () => {
    const photos = join(dir, 'photos');
    const result = await scanInputs([join(photos, 'a.jpg'), photos, photos]);
    expect(result.images.filter((path) => path.endsWith('a.jpg'))).toHaveLength(1);
    expect(result.images[0]).toBe(join(photos, 'a.jpg'));
    expect(result.roots[0]).toBeNull();
    expect(result.skipped).toContainEqual({ path: join(photos, 'a.jpg'), reason: skipReasons.alreadyIncluded });
    expect(result.skipped).toContainEqual({ path: photos, reason: skipReasons.alreadyIncluded });
  });

  it('resolves relative paths against the working folder', async () => {
    const result = await scanInputs([join('.', 'definitely-not-here-' + process.pid)]);
    expect(result.skipped[0]?.path).toBe(join(process.cwd(), 'definitely-not-here-' + process.pid));
  });

  it('reports a folder it may not read and goes on', async () => {
    if (process.getuid?.() === 0) {
      // root reads everything: prove the same path with a folder that vanishes instead.
      const result = await scanInputs([join(dir, 'photos', 'trip', 'day1'), join(dir, 'gone-folder')]);
      expect(result.images).toEqual([join(dir, 'photos', 'trip', 'day1', 'd.jpg')]);
      expect(result.skipped).toEqual([{ path: join(dir, 'gone-folder'), reason: skipReasons.notFound }]);
      return;
    }
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await writeJpeg(join(locked, 'x.jpg'), 10, 10);
    await chmod(locked, 0o000);
    try {
      const result = await scanInputs([locked, join(dir, 'photos', 'trip', 'day1')]);
      expect(result.skipped).toContainEqual({ path: locked, reason: skipReasons.permissionDenied });
      expect(result.images).toEqual([join(dir, 'photos', 'trip', 'day1', 'd.jpg')]);
    } finally {
      await chmod(locked, 0o700);
    }
  });

  it('reports a name that is not valid UTF-8 as exactly that, with its bytes escaped, and goes on', async () => {
    const folder = join(dir, 'latin1');
    await mkdir(folder);
    // Names written by a Latin-1 system: "café.png" with é as the single byte 0xE9, and a folder "trip\xff".
    const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
    await writeFile(bytes(folder, '/caf', [0xe9], '.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer());
    await mkdir(bytes(folder, '/trip', [0xff]));
    await writeJpeg(join(folder, 'ok.jpg'), 20, 20);
    await writeJpeg(join(folder, 'naïve é.jpg'), 20, 20);
    const result = await scanInputs([folder]);
    expect(result.images).toEqual([join(folder, 'naïve é.jpg'), join(folder, 'ok.jpg')]);
    expect(result.skipped).toEqual([
      { path: join(folder, 'caf\\xe9.png'), reason: skipReasons.notUtf8 },
      { path: join(folder, 'trip\\xff'), reason: skipReasons.notUtf8 },
    ]);
    expect(skipReasons.notUtf8).toBe('file name is not valid UTF-8');
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scanInputs([join(dir, 'photos')], { signal: controller.signal })).rejects.toThrow();
  });
});
