/** `titlewave thumbs`, the built CLI in its own process: records on stdout, skipped files on stderr, exit codes. */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, lockPathFor } from '../../src/fs/lock.js';
import { packageRoot } from '../../src/package-info.js';
import { makeTempDir, writeJpeg, writePng } from './images.js';

const cli = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface CliRecord {
  input: string;
  outputs: { size: number; path: string; width: number; height: number; skipped?: boolean }[];
  error: { code: string; message: string } | null;
}

const records = (stdout: string): CliRecord[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CliRecord)
    .sort((a, b) => a.input.localeCompare(b.input));

let dir: string;
let cleanup: () => Promise<void>;
let photos: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  photos = join(dir, 'photos');
  await mkdir(join(photos, 'sub'), { recursive: true });
  await writeJpeg(join(photos, 'a.jpg'), 300, 200, { copyright: 'cli copyright' });
  await writePng(join(photos, 'sub', 'b.png'), 100, 50, true);
  await writeFile(join(photos, 'notes.txt'), 'not an image');
  await writeFile(join(photos, 'broken.jpg'), 'not a jpeg either');
});
afterAll(async () => {
  await cleanup();
});

/** Characters a terminal acts on rather than shows (newlines between lines aside). */
const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('titlewave thumbs', () => {
  it('prints --help with every flag', async () => {
    const { code, stdout } = await run(['thumbs', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--out', '--sizes', '--format', '--quality', '--workers', '--pattern', '--overwrite', '--keep-metadata', '--no-mirror']) {
      expect(stdout).toContain(flag);
    }
  });

  it('exits 2 on bad usage, before doing any work', async () => {
    for (const args of [
      ['thumbs'],
      ['thumbs', photos, '--sizes', '0'],
      ['thumbs', photos, '--sizes', '32,big'],
      ['thumbs', photos, '--format', 'gif'],
      ['thumbs', photos, '--quality', '101'],
      ['thumbs', photos, '--workers', '0'],
      ['thumbs', photos, '--pattern', 'same.png'],
      ['thumbs', photos, '--frobnicate'],
    ]) {
      const { code, stdout, stderr } = await run([...args, '--out', join(dir, 'never')]);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout, args.join(' ')).toBe('');
      expect(stderr, args.join(' ')).toMatch(/error/i);
    }
    await expect(stat(join(dir, 'never'))).rejects.toThrow();
  });

  it('prints one JSON record per image and lists skipped files on stderr', async () => {
    const out = join(dir, 'out1');
    const { code, stdout, stderr } = await run(['thumbs', photos, '--out', out, '--sizes', '16,48', '--format', 'webp', '--quality', '50', '--workers', '1']);
    expect(code).toBe(0);
    const lines = records(stdout);
    expect(lines.map((r) => Object.keys(r))).toEqual([
      ['input', 'outputs', 'error'],
      ['input', 'outputs', 'error'],
      ['input', 'outputs', 'error'],
    ]);
    expect(lines[0]).toEqual({
      input: join(photos, 'a.jpg'),
      outputs: [
        { size: 16, path: join(out, 'a_16.webp'), width: 16, height: 11 },
        { size: 48, path: join(out, 'a_48.webp'), width: 48, height: 32 },
      ],
      error: null,
    });
    expect(lines[1]).toMatchObject({ input: join(photos, 'broken.jpg'), outputs: [], error: { code: 'CORRUPT' } });
    expect(lines[2]!.outputs.map((o) => o.path)).toEqual([join(out, 'sub', 'b_16.webp'), join(out, 'sub', 'b_48.webp')]);
    expect((await sharp(join(out, 'sub', 'b_48.webp')).metadata()).format).toBe('webp');
    expect(stderr).toContain(`thumbs: skipped ${join(photos, 'notes.txt')}: not an image`);
    expect(stderr).toMatch(/\nthumbs: 3 images \(2 done, 1 failed\), 4 thumbnails written, 0 already there, 1 path skipped, [\d.]+ s\n$/);
  });

  it('skips existing outputs by default, overwrites with --overwrite, keeps metadata with --keep-metadata, flattens with --no-mirror', async () => {
    const out = join(dir, 'out2');
    const args = ['thumbs', photos, '--out', out, '--sizes', '64', '--format', 'jpeg', '--no-mirror', '--pattern', 'thumb-{name}-{width}x{height}.{ext}'];
    const first = await run(args);
    expect(first.code).toBe(0);
    expect(records(first.stdout).flatMap((r) => r.outputs.map((o) => o.path))).toEqual([join(out, 'thumb-a-64x43.jpg'), join(out, 'thumb-b-64x32.jpg')]);
    expect((await sharp(join(out, 'thumb-a-64x43.jpg')).metadata()).exif).toBeUndefined();

    // Run again: a thumbnail of the same image, unchanged, is skipped; a file the user put in the place of another is
    // not theirs to lose, nor a thumbnail to count as made: that image fails, saying why.
    await writeFile(join(out, 'thumb-a-64x43.jpg'), 'replaced by the user');
    const second = await run(args);
    const [a, b] = records(second.stdout).filter((record) => !record.input.endsWith('broken.jpg'));
    expect(a).toMatchObject({ outputs: [], error: { code: 'OUTPUT_CONFLICT' } });
    expect(b!.outputs[0]!.skipped).toBe(true);
    // Images and thumbnail files are counted apart, each with its own noun.
    expect(second.stderr).toMatch(/\nthumbs: 3 images \(1 done, 2 failed\), 0 thumbnails written, 1 already there, 1 path skipped, [\d.]+ s\n$/);
    expect(await readFile(join(out, 'thumb-a-64x43.jpg'), 'utf8')).toBe('replaced by the user');

    const third = await run([...args, '--overwrite', '--keep-metadata']);
    expect(third.code).toBe(0);
    expect(records(third.stdout)[0]!.outputs[0]!.skipped).toBeUndefined();
    const meta = await sharp(join(out, 'thumb-a-64x43.jpg')).metadata();
    expect(meta.exif?.toString('latin1')).toContain('cli copyright');
  });

  it('prints names holding escape sequences escaped, on stderr and on stdout, as data that reads back the same', async () => {
    const folder = join(dir, 'hostile-names');
    await mkdir(folder);
    // Retitles the window and clears the screen; a C1 CSI (U+009B) recolours; a bidi override reverses the rest.
    const notes = 'notes\u001b]0;pwned\u0007\u001b[2J.txt';
    const image = 'pic\u009b31m\u202egnp.png';
    await writeFile(join(folder, notes), 'not an image');
    await writePng(join(folder, image), 20, 20);
    const { code, stdout, stderr } = await run(['thumbs', folder, '--out', join(dir, 'hostile-out'), '--sizes', '16']);
    expect(code).toBe(0);
    expect(stderr).toContain(`thumbs: skipped ${join(folder, 'notes\\x1b]0;pwned\\x07\\x1b[2J.txt')}: not an image\n`);
    expect(stderr).not.toMatch(terminalControls);
    expect(stdout).not.toMatch(terminalControls);
    expect(stdout).toContain('pic\\u009b31m\\u202egnp.png');
    const [record] = records(stdout);
    expect(record).toMatchObject({ input: join(folder, image), outputs: [{ path: join(dir, 'hostile-out', 'pic\u009b31m\u202egnp_16.png') }], error: null });
  });

  it('writes to a thumbnails folder beside the input by default, and exits 1 when a PATH does not exist', async () => {
    const single = join(dir, 'single');
    await mkdir(single);
    await writePng(join(single, 'c.png'), 40, 40);
    const { code, stdout, stderr } = await run(['thumbs', join(single, 'c.png'), join(dir, 'missing-folder')]);
    expect(code).toBe(1);
    expect(records(stdout)[0]!.outputs.map((o) => o.path)).toEqual([32, 64, 128].map((s) => join(single, 'thumbnails', `c_${s}.png`)));
    expect(stderr).toContain(`thumbs: skipped ${join(dir, 'missing-folder')}: not found`);
    // One of each: singular nouns.
    expect(stderr).toMatch(/\nthumbs: 1 image \(1 done, 0 failed\), 3 thumbnails written, 0 already there, 1 path skipped, [\d.]+ s\n$/);
    const again = await run(['thumbs', join(single, 'c.png'), '--sizes', '32']);
    expect(again.stderr).toMatch(/^thumbs: 1 image \(1 done, 0 failed\), 0 thumbnails written, 1 already there, 0 paths skipped, [\d.]+ s\n$/);
    // Files, not sizes: never enlarged, the 40 x 40 image is one and the same file for both boxes here.
    const shared = await run(['thumbs', join(single, 'c.png'), '--sizes', '64,128', '--pattern', '{name}-{width}.{ext}']);
    expect(records(shared.stdout)[0]!.outputs.map((o) => o.path)).toEqual([join(single, 'thumbnails', 'c-40.png'), join(single, 'thumbnails', 'c-40.png')]);
    expect(shared.stderr).toMatch(/^thumbs: 1 image \(1 done, 0 failed\), 1 thumbnail written, 0 already there, 0 paths skipped, [\d.]+ s\n$/);
  });

  // Issue 11: output folders.
  it('an --out that is a file is a usage error, before any work; the file is left as it was', async () => {
    const file = join(dir, 'a-file.txt');
    await writeFile(file, 'mine');
    const { code, stdout, stderr } = await run(['thumbs', photos, '--out', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/error: .*a-file\.txt is a file, not a folder/);
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it('a second thumbs run into an --out folder another Titlewave process is writing is refused; the lock goes at the end', async () => {
    const out = join(dir, 'shared-out');
    const held = await acquireLock(out, 'a test standing in for another titlewave');
    try {
      const { code, stdout, stderr } = await run(['thumbs', photos, '--out', out, '--workers', '1']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/error: .*shared-out is in use by another Titlewave \(a test standing in for another titlewave, process \d+/);
      await expect(stat(out)).rejects.toThrow();
    } finally {
      await held.release();
    }
    const { code } = await run(['thumbs', photos, '--out', out, '--workers', '1']);
    expect(code).toBe(0);
    expect((await readdir(dir)).filter((name) => name.endsWith('.titlewave-lock'))).toEqual([]);
  });

  it('the default thumbnails folder beside the input is locked too', async () => {
    const own = join(dir, 'own');
    await mkdir(own);
    await writePng(join(own, 'd.png'), 40, 40);
    // A folder of its own, in a thumbnails folder beside the input.
    const beside = join(dir, 'thumbnails', 'own');
    await mkdir(join(dir, 'thumbnails'), { recursive: true });
    const held = await acquireLock(beside, 'a test standing in for another titlewave');
    try {
      const { code, stderr } = await run(['thumbs', own, '--workers', '1']);
      expect(code).toBe(2);
      expect(stderr).toMatch(/thumbnails\/own is in use by another Titlewave/);
      await expect(stat(join(beside, 'd_32.png'))).rejects.toThrow();
    } finally {
      await held.release();
    }
    expect((await run(['thumbs', own, '--workers', '1'])).code).toBe(0);
    await expect(stat(lockPathFor(beside))).rejects.toThrow();
  });

  it('serve --data-dir that is a file is a usage error', async () => {
    const file = join(dir, 'data-file');
    await writeFile(file, 'mine');
    const { code, stderr } = await run(['serve', '--data-dir', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/data-file is a file, not a folder; give a folder for --data-dir/);
  });
});

/** Every file under `folder` but hidden ones, as paths relative to it, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !relative(folder, join(entry.parentPath, entry.name)).split('/').some((part) => part.startsWith('.')))
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();
}

describe('titlewave thumbs never thumbnails its own thumbnails', () => {
  async function photosIn(name: string): Promise<string> {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    await writePng(join(folder, 'a.png'), 100, 80);
    await writeJpeg(join(folder, 'b.jpg'), 120, 90);
    return folder;
  }

  it('with --out inside the input folder (here through a symlink): that folder is never walked', async () => {
    const photos = await photosIn('out-inside');
    await symlink(photos, join(dir, 'out-inside-link'));
    const out = join(dir, 'out-inside-link', 'thumbs');
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const result = await run(['thumbs', photos, '--out', out, '--sizes', '32']);
      expect(result.code).toBe(0);
      runs.push(result);
      expect(await filesUnder(photos)).toEqual(['a.png', 'b.jpg', 'thumbs/a_32.png', 'thumbs/b_32.png']);
    }
    expect(runs[1]!.stderr).toBe(
      `thumbs: skipped ${join(photos, 'thumbs')}: the output folder of these thumbnails\n` + runs[1]!.stderr.split('\n').at(-2) + '\n',
    );
    expect(runs[2]!.stderr).toMatch(/\nthumbs: 2 images \(2 done, 0 failed\), 0 thumbnails written, 2 already there, 1 path skipped, [\d.]+ s\n$/);
  });

  it('with --out equal to the input folder: the thumbnails Titlewave wrote there are never sources, a file the user put in their place is', async () => {
    const photos = await photosIn('out-same');
    for (let i = 0; i < 3; i++) {
      const result = await run(['thumbs', photos, '--out', photos, '--sizes', '32']);
      expect(result.code).toBe(0);
      expect(await filesUnder(photos)).toEqual(['a.png', 'a_32.png', 'b.jpg', 'b_32.png']);
      if (i > 0) {
        expect(result.stderr).toContain(`thumbs: skipped ${join(photos, 'a_32.png')}: a thumbnail Titlewave made\n`);
        expect(result.stderr).toContain(`thumbs: skipped ${join(photos, 'b_32.png')}: a thumbnail Titlewave made\n`);
        expect(result.stderr).toMatch(/\nthumbs: 2 images \(2 done, 0 failed\), 0 thumbnails written, 2 already there, 2 paths skipped, [\d.]+ s\n$/);
      }
    }
    // The user replaces a thumbnail with an image of their own: it is theirs, and a source like any other.
    await writePng(join(photos, 'a_32.png'), 60, 60, true);
    const after = await run(['thumbs', photos, '--out', photos, '--sizes', '32']);
    expect(new Set(records(after.stdout).map((record) => record.input))).toEqual(new Set(['a.png', 'a_32.png', 'b.jpg'].map((name) => join(photos, name))));
    expect(await filesUnder(photos)).toEqual(['a.png', 'a_32.png', 'a_32_32.png', 'b.jpg', 'b_32.png']);
  });

  it('in the default thumbnails folder of an earlier run, found inside a folder given later', async () => {
    // In a folder of its own: the default output folder is beside it.
    const photos = await photosIn(join('beside-parent', 'beside'));
    // A file given alone: its thumbnails go to photos/thumbnails. Then the whole folder: they go beside it.
    expect((await run(['thumbs', join(photos, 'a.png')])).code).toBe(0);
    const later = await run(['thumbs', photos, '--sizes', '48']);
    expect(records(later.stdout).map((record) => record.input)).toEqual([join(photos, 'a.png'), join(photos, 'b.jpg')]);
    for (const size of [32, 64, 128]) expect(later.stderr).toContain(`thumbs: skipped ${join(photos, 'thumbnails', `a_${size}.png`)}: a thumbnail Titlewave made\n`);
    expect(await filesUnder(join(dir, 'beside-parent', 'thumbnails'))).toEqual(['beside/a_48.png', 'beside/b_48.png']);
  });

  it('gives sibling folders default output folders of their own: the second is never told its files are there already', async () => {
    const first = join(dir, 'siblings', '2023');
    const second = join(dir, 'siblings', '2024');
    for (const folder of [first, second]) await mkdir(folder, { recursive: true });
    // The same names in both, different pictures.
    await writePng(join(first, 'a.png'), 100, 80);
    await writePng(join(second, 'a.png'), 60, 90);
    expect((await run(['thumbs', first, '--sizes', '48'])).code).toBe(0);
    const later = await run(['thumbs', second, '--sizes', '48']);
    expect(later.code).toBe(0);
    expect(records(later.stdout)[0]).toMatchObject({ outputs: [{ path: join(dir, 'siblings', 'thumbnails', '2024', 'a_48.png'), width: 32, height: 48 }], error: null });
    expect(records(later.stdout)[0]!.outputs[0]!.skipped).toBeUndefined();
    expect(later.stderr).toMatch(/1 thumbnail written, 0 already there/);
    expect(await filesUnder(join(dir, 'siblings', 'thumbnails'))).toEqual(['2023/a_48.png', '2024/a_48.png']);
  });
});
