/** Thumbnails through the services: scan, a job on the shared pool, batched updates, preview tokens, cancel. */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../src/contract.js';
import { acquireLock } from '../../src/fs/lock.js';
import { createServices, type Services } from '../../src/services/index.js';
import { makeTempDir, writeJpeg, writePng } from '../thumbs/images.js';

type Update = Events['thumbs.update'];

const settings = { sizes: [32, 64, 128], format: 'png' as const, quality: 80, outDir: null, pattern: '{name}_{size}.{ext}', mirrorFolders: true, existing: 'skip' as const, keepMetadata: false };

let services: Services;
let root: string;
let cleanup: () => Promise<void>;
const updates: Update[] = [];

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  services = createServices({ dataDir: join(root, 'data'), workers: 2, previewUrl: (token) => `/preview/${token}` });
  services.on('thumbs.update', (update) => updates.push(update));
  const images = join(root, 'images');
  await mkdir(join(images, 'sub'), { recursive: true });
  await writeJpeg(join(images, 'wide.jpg'), 300, 150);
  await writePng(join(images, 'sub', 'tall.png'), 90, 180, true);
  await writeFile(join(images, 'broken.jpg'), Buffer.from('ffd8ffe000104a464946000101', 'hex'));
  await writeFile(join(images, 'notes.txt'), 'not an image');
});

afterAll(async () => {
  await services.close();
  await cleanup();
});

function finalOf(jobId: string): Promise<Update> {
  const find = () => updates.find((u) => u.jobId === jobId && u.state !== 'running');
  return expect
    .poll(find, { timeout: 30_000, interval: 20 })
    .toBeTruthy()
    .then(() => find() as Update);
}

describe('thumbnails through the services', () => {
  it('scans folders recursively and reports what is not an image', async () => {
    const scan = await services.invoke('thumbs.scan', [{ paths: [join(root, 'images')] }]);
    expect([...scan.images].sort()).toEqual([join(root, 'images', 'broken.jpg'), join(root, 'images', 'sub', 'tall.png'), join(root, 'images', 'wide.jpg')]);
    expect(scan.skipped.map((s) => s.path)).toEqual([join(root, 'images', 'notes.txt')]);
    expect(scan.roots.every((r) => r === join(root, 'images'))).toBe(true);
    expect(scan.given).toEqual([{ path: join(root, 'images'), images: 3, problem: null }]);
  });

  it('says at once what became of each path given: its images, or why it gave none', async () => {
    await mkdir(join(root, 'empty'));
    const locked = join(root, 'locked');
    await mkdir(locked);
    await writeJpeg(join(locked, 'secret.jpg'), 40, 40);
    const { chmod } = await import('node:fs/promises');
    await chmod(locked, 0o000);
    try {
      const paths = [join(root, 'images'), join(root, 'no-such-folder'), join(root, 'empty'), join(root, 'images', 'notes.txt'), join(root, 'images', 'wide.jpg'), locked];
      const scan = await services.invoke('thumbs.scan', [{ paths }]);
      const readable = process.getuid?.() === 0;
      expect(scan.given).toEqual([
        { path: join(root, 'images'), images: 3, problem: null },
        { path: join(root, 'no-such-folder'), images: 0, problem: 'not found' },
        { path: join(root, 'empty'), images: 0, problem: null },
        { path: join(root, 'images', 'notes.txt'), images: 0, problem: 'not an image' },
        { path: join(root, 'images', 'wide.jpg'), images: 0, problem: 'already included' },
        readable ? { path: locked, images: 1, problem: null } : { path: locked, images: 0, problem: 'permission denied' },
      ]);
    } finally {
      await chmod(locked, 0o755);
    }
  });

  it('makes every size, reports the broken file, and gives previews only for outputs it wrote', async () => {
    const { jobId } = await services.invoke('thumbs.start', [{ paths: [join(root, 'images')], settings }]);
    const final = await finalOf(jobId);
    expect(final.state).toBe('done');
    expect(final.outDir).toBe(join(root, 'thumbnails', 'images'));
    expect(final.progress).toMatchObject({ total: 3, done: 3, failed: 1 });
    const records = updates.filter((u) => u.jobId === jobId).flatMap((u) => u.records);
    expect(records).toHaveLength(3);
    const byName = new Map(records.map((r) => [r.input.slice(r.input.lastIndexOf('/') + 1), r]));
    expect(byName.get('broken.jpg')?.error).not.toBeNull();
    expect(byName.get('broken.jpg')?.previewUrl).toBeUndefined();

    const wide = byName.get('wide.jpg');
    expect(wide?.outputs.map((o) => [o.size, o.width, o.height])).toEqual([
      [32, 32, 16],
      [64, 64, 32],
      [128, 128, 64],
    ]);
    const tall = byName.get('tall.png');
    expect(tall?.outputs[0]?.path).toBe(join(root, 'thumbnails', 'images', 'sub', 'tall_32.png'));
    for (const record of [wide, tall]) {
      const token = /^\/preview\/([A-Za-z0-9_-]{22})$/.exec(record?.previewUrl ?? '')?.[1];
      expect(token).toBeDefined();
      // The preview is the 64 px output this job wrote; the token maps back to it and to nothing else.
      const path = services.resolvePreview(token as string);
      expect(path).toBe(record?.outputs.find((o) => o.size === 64)?.path);
      expect((await stat(path as string)).isFile()).toBe(true);
    }
    expect(services.resolvePreview('A'.repeat(22))).toBeNull();

    // Again: every output exists, made from the same image: skipped, and shown as it is (Titlewave wrote it).
    const again = await services.invoke('thumbs.start', [{ paths: [join(root, 'images')], settings }]);
    const second = await finalOf(again.jobId);
    expect(second.progress).toMatchObject({ done: 3, skipped: 2, failed: 1 });
    const skipped = updates.filter((u) => u.jobId === again.jobId).flatMap((u) => u.records).filter((r) => !r.error);
    expect(skipped).toHaveLength(2);
    for (const record of skipped) {
      expect(record.outputs.every((o) => o.skipped)).toBe(true);
      const token = /^\/preview\/([A-Za-z0-9_-]{22})$/.exec(record.previewUrl ?? '')?.[1];
      expect(services.resolvePreview(token as string)).toBe(record.outputs.find((o) => o.size === 64)?.path);
    }
  });

  it('browses the folders of the home folder with their images counted, and nothing outside it', async () => {
    const home = join(root, 'home');
    await mkdir(join(home, 'Pictures', 'Trip', 'Day 1'), { recursive: true });
    await mkdir(join(home, '.hidden'));
    await mkdir(join(home, 'Empty'));
    await writeJpeg(join(home, 'Pictures', 'Trip', 'a.jpg'), 20, 20);
    await writePng(join(home, 'Pictures', 'Trip', 'b.png'), 20, 20);
    await writeFile(join(home, 'Pictures', 'Trip', 'notes.txt'), 'text');
    await writeJpeg(join(home, 'Pictures', 'top.jpg'), 20, 20);
    const { symlink } = await import('node:fs/promises');
    // A link that leads out of the home folder, and one that stays inside.
    await symlink(join(root, 'images'), join(home, 'Escape'));
    await symlink(join(home, 'Pictures', 'Trip'), join(home, 'Trip link'));
    const browsing = createServices({ dataDir: join(root, 'data-browse'), homeDir: home });
    try {
      const top = await browsing.invoke('thumbs.browse', [{ path: null }]);
      expect(top).toMatchObject({ path: home, home, parent: null, images: 0, truncated: false });
      expect(top.folders.map((f) => [f.name, f.images, f.folders])).toEqual([
        ['Empty', 0, 0],
        ['Pictures', 1, 1],
        ['Trip link', 2, 1],
      ]);
      const pictures = await browsing.invoke('thumbs.browse', [{ path: join(home, 'Pictures') }]);
      expect(pictures).toMatchObject({ path: join(home, 'Pictures'), parent: home, images: 1 });
      expect(pictures.folders).toEqual([{ name: 'Trip', path: join(home, 'Pictures', 'Trip'), images: 2, folders: 1, more: false }]);
      // Outside the home folder: refused, whether named directly, by "..", or through a link.
      for (const outside of [root, join(home, '..'), join(home, 'Escape'), '/']) {
        await expect(browsing.invoke('thumbs.browse', [{ path: outside }]), outside).rejects.toThrow(/^BROWSE_OUTSIDE_HOME: .* is outside your home folder/);
      }
      await expect(browsing.invoke('thumbs.browse', [{ path: join(home, 'nope') }])).rejects.toThrow(/^BROWSE_NOT_FOUND: .* was not found/);
      await expect(browsing.invoke('thumbs.browse', [{ path: join(home, 'Pictures', 'top.jpg') }])).rejects.toThrow(/^BROWSE_NOT_A_FOLDER: .* is not a folder/);
      await expect(browsing.invoke('thumbs.browse', [{ path: '' }] as never)).rejects.toThrow(/Invalid arguments/);
    } finally {
      await browsing.close();
    }
  });

  it('never walks an output folder inside the inputs, nor takes the thumbnails it wrote for images, run after run', async () => {
    const inside = join(root, 'inside');
    await mkdir(inside);
    await writeJpeg(join(inside, 'one.jpg'), 200, 100);
    await writePng(join(inside, 'two.png'), 60, 90);
    for (const outDir of [join(inside, 'thumbs'), inside]) {
      for (let run = 0; run < 3; run++) {
        const { jobId } = await services.invoke('thumbs.start', [{ paths: [inside], settings: { ...settings, sizes: [32], outDir } }]);
        expect((await finalOf(jobId)).progress).toMatchObject({ total: 2, done: 2, failed: 0 });
      }
      const scan = await services.invoke('thumbs.scan', [{ paths: [inside], outDir }]);
      expect([...scan.images].sort()).toEqual([join(inside, 'one.jpg'), join(inside, 'two.png')]);
      expect(scan.skipped).toEqual(
        outDir === inside
          ? // The folder of the first three runs is no output folder now: walked, its thumbnails known for Titlewave's.
            ['one_32.png', 'two_32.png', 'thumbs/one_32.png', 'thumbs/two_32.png'].map((name) => ({ path: join(inside, name), reason: 'a thumbnail Titlewave made' }))
          : [{ path: join(inside, 'thumbs'), reason: 'the output folder of these thumbnails' }],
      );
    }
    expect((await readdir(join(inside, 'thumbs'))).filter((name) => !name.startsWith('.')).sort()).toEqual(['one_32.png', 'two_32.png']);
    // Without the setting, the scan counts the output folder's files as the thumbnails Titlewave made that they are.
    const plain = await services.invoke('thumbs.scan', [{ paths: [inside] }]);
    expect(plain.images).toHaveLength(2);
  });

  it('refuses bad settings before starting, and cancels a job', async () => {
    await expect(services.invoke('thumbs.start', [{ paths: [join(root, 'images')], settings: { ...settings, pattern: '{name}.{ext}' } }])).rejects.toThrow(/size/);
    await expect(services.invoke('thumbs.start', [{ paths: [], settings }])).rejects.toThrow(/Invalid arguments/);

    const many = join(root, 'many');
    await mkdir(many);
    for (let i = 0; i < 12; i++) await writeJpeg(join(many, `p${i}.jpg`), 800, 600);
    const { jobId } = await services.invoke('thumbs.start', [{ paths: [many], settings: { ...settings, outDir: join(root, 'many-out') } }]);
    await services.invoke('job.cancel', [jobId]);
    const final = await finalOf(jobId);
    expect(final.state).toBe('cancelled');
    expect(final.progress.done).toBeLessThan(12);
    // Cancelling a job that has ended is a no-op.
    await services.invoke('job.cancel', [jobId]);
  });

  it('refuses an output folder that is a file, and fails a job whose output folder another process is writing (issue 11)', async () => {
    const file = join(root, 'images', 'notes.txt');
    await expect(services.invoke('thumbs.start', [{ paths: [join(root, 'images')], settings: { ...settings, outDir: file } }])).rejects.toThrow(/notes\.txt is a file, not a folder/);

    const busy = join(root, 'busy-out');
    const held = await acquireLock(busy, 'titlewave thumbs');
    try {
      const { jobId } = await services.invoke('thumbs.start', [{ paths: [join(root, 'images', 'wide.jpg')], settings: { ...settings, outDir: busy } }]);
      const final = await finalOf(jobId);
      expect(final.state).toBe('failed');
      expect(final.error).toMatch(/busy-out is in use by another Titlewave \(titlewave thumbs, process \d+/);
      await expect(stat(busy)).rejects.toThrow();
    } finally {
      await held.release();
    }
  });
});

