/** A whole job through the worker pool: records and progress, sources never touched, conflicts, cancel. */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planThumbnails, runThumbnails } from '../../src/thumbs/index.js';
import { defaultThumbsOptions } from '../../src/thumbs/options.js';
import { scanInputs } from '../../src/thumbs/scan.js';
import type { ThumbRecord, ThumbsOptions, ThumbsProgress } from '../../src/thumbs/types.js';
import { createWorkerPool } from '../../src/workers/pool.js';
import type { TaskKind, TaskMap, WorkerPool } from '../../src/workers/types.js';
import { makeTempDir, photo, writeJpeg, writePng } from './images.js';

const options = (overrides: Partial<ThumbsOptions> = {}): ThumbsOptions => ({ ...defaultThumbsOptions, ...overrides });

let dir: string;
let cleanup: () => Promise<void>;
let pool: WorkerPool;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  pool = createWorkerPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  await cleanup();
});

async function hashes(paths: string[]): Promise<string[]> {
  return Promise.all(paths.map(async (path) => createHash('sha256').update(await readFile(path)).digest('hex')));
}

async function allFiles(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).map(String).sort();
}

describe('runThumbnails through the worker pool', () => {
  it('makes every size of every image in worker processes, one record each, and leaves the sources as they were', async () => {
    const photos = join(dir, 'job', 'photos');
    await mkdir(join(photos, 'sub'), { recursive: true });
    await writeJpeg(join(photos, 'a.jpg'), 300, 200);
    await writePng(join(photos, 'sub', 'b.png'), 120, 240, true);
    await photo(200, 200).webp().toFile(join(photos, 'sub', 'c.webp'));
    const whole = await photo(300, 200).jpeg().toBuffer();
    await writeFile(join(photos, 'cut.jpg'), whole.subarray(0, whole.length / 2));
    await writeFile(join(photos, 'readme.md'), '# not an image');

    const scan = await scanInputs([photos]);
    expect(scan.skipped).toEqual([{ path: join(photos, 'readme.md'), reason: 'not an image' }]);
    const before = await hashes(scan.images);
    const records: ThumbRecord[] = [];
    const progress: ThumbsProgress[] = [];
    const final = await runThumbnails(
      { images: scan.images, roots: scan.roots, options: options() },
      { pool, onRecord: (record) => records.push(record), onProgress: (p) => progress.push(p) },
    );

    expect(final).toMatchObject({ total: 4, done: 4, failed: 1, skipped: 0, etaMs: 0 });
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    const byName = Object.fromEntries(records.map((r) => [r.input.slice(photos.length + 1), r]));
    expect(byName['cut.jpg']!.error?.code).toBe('CORRUPT');
    expect(byName['a.jpg']!.outputs.map((o) => o.path)).toEqual([32, 64, 128].map((s) => join(dir, 'job', 'thumbnails', 'photos', `a_${s}.png`)));
    expect(byName['sub/b.png']!.outputs.map((o) => [o.width, o.height])).toEqual([
      [16, 32],
      [32, 64],
      [64, 128],
    ]);
    expect(await allFiles(join(dir, 'job', 'thumbnails', 'photos'))).toEqual(
      // Each folder written to also gets the list of the thumbnails Titlewave wrote there (own-outputs.ts).
      ['.titlewave-thumbnails', 'a_128.png', 'a_32.png', 'a_64.png', 'sub', 'sub/.titlewave-thumbnails', 'sub/b_128.png', 'sub/b_32.png', 'sub/b_64.png', 'sub/c_128.png', 'sub/c_32.png', 'sub/c_64.png'].sort(),
    );
    expect(await hashes(scan.images)).toEqual(before);

    // Again: everything exists, so every file is skipped and nothing is rewritten.
    const again: ThumbRecord[] = [];
    const second = await runThumbnails({ images: scan.images, roots: scan.roots, options: options() }, { pool, onRecord: (record) => again.push(record) });
    expect(second).toMatchObject({ done: 4, failed: 1, skipped: 3 });
    expect(again.filter((r) => !r.error).every((r) => r.outputs.every((o) => o.skipped))).toBe(true);
  });

  it('gives sibling folders output folders of their own by default: alike names neither collide nor skip', async () => {
    const left = join(dir, 'siblings', 'left');
    const right = join(dir, 'siblings', 'right');
    await mkdir(left, { recursive: true });
    await mkdir(right, { recursive: true });
    await writePng(join(left, 'x.png'), 100, 100);
    await writePng(join(right, 'x.png'), 80, 80);
    const scan = await scanInputs([left, right]);
    const records: ThumbRecord[] = [];
    await runThumbnails({ images: scan.images, roots: scan.roots, options: options() }, { pool, onRecord: (record) => records.push(record) });
    records.sort((a, b) => a.index - b.index);
    expect(records.map((r) => r.error)).toEqual([null, null]);
    expect(records[0]!.outputs[2]).toMatchObject({ path: join(dir, 'siblings', 'thumbnails', 'left', 'x_128.png'), width: 100 });
    expect(records[1]!.outputs[2]).toMatchObject({ path: join(dir, 'siblings', 'thumbnails', 'right', 'x_128.png'), width: 80 });
    // Run one after the other, as two jobs: the second finds nothing of the first's to skip.
    const alone: ThumbRecord[] = [];
    const rightOnly = await scanInputs([right]);
    const progress = await runThumbnails({ images: rightOnly.images, roots: rightOnly.roots, options: options() }, { pool, onRecord: (record) => alone.push(record) });
    expect(progress).toMatchObject({ done: 1, failed: 0, skipped: 1 });
    expect(alone[0]!.outputs.every((o) => o.skipped && o.path.startsWith(join(dir, 'siblings', 'thumbnails', 'right')))).toBe(true);
  });

  it('gives OUTPUT_CONFLICT to the second of two inputs that would write the same file of one chosen output folder', async () => {
    const left = join(dir, 'conflict', 'left');
    const right = join(dir, 'conflict', 'right');
    await mkdir(left, { recursive: true });
    await mkdir(right, { recursive: true });
    await writePng(join(left, 'x.png'), 100, 100);
    await writePng(join(right, 'x.png'), 80, 80);
    const scan = await scanInputs([left, right]);
    const out = join(dir, 'conflict', 'out');
    const records: ThumbRecord[] = [];
    await runThumbnails({ images: scan.images, roots: scan.roots, options: options({ outDir: out }) }, { pool, onRecord: (record) => records.push(record) });
    records.sort((a, b) => a.index - b.index);
    expect(records[0]!.error).toBeNull();
    expect(records[1]!.error?.code).toBe('OUTPUT_CONFLICT');
    expect(records[1]!.error?.message).toContain(join(left, 'x.png'));
    expect(records[0]!.outputs[2]).toMatchObject({ path: join(out, 'x_128.png'), width: 100 });
    // The other folder alone, later, into the same folder: the file there is the first one's thumbnail, not its own.
    const later: ThumbRecord[] = [];
    const rightOnly = await scanInputs([right]);
    await runThumbnails({ images: rightOnly.images, roots: rightOnly.roots, options: options({ outDir: out }) }, { pool, onRecord: (record) => later.push(record) });
    expect(later[0]!.error).toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringContaining(`another image, ${join(left, 'x.png')}`) });
  });

  it('never writes over another source of the job, with overwrite on, by name or by {width}x{height}', async () => {
    const folder = join(dir, 'sources');
    await mkdir(folder);
    await writePng(join(folder, 'a.png'), 300, 200);
    await writePng(join(folder, 'a_64.png'), 30, 30);
    await writePng(join(folder, 'b.png'), 300, 200);
    await writePng(join(folder, 'b_128x85.png'), 30, 30);
    const images = ['a.png', 'a_64.png', 'b.png', 'b_128x85.png'].map((name) => join(folder, name));
    const before = await hashes(images);

    const byName: ThumbRecord[] = [];
    await runThumbnails(
      { images, roots: images.map(() => folder), options: options({ outDir: folder, sizes: [64], existing: 'overwrite' }) },
      { pool, onRecord: (record) => byName.push(record) },
    );
    const code = (records: ThumbRecord[], name: string) => records.find((r) => r.input === join(folder, name))?.error?.code ?? null;
    expect(code(byName, 'a.png')).toBe('WOULD_OVERWRITE_SOURCE');
    expect(code(byName, 'a_64.png')).toBeNull();

    const bySize: ThumbRecord[] = [];
    await runThumbnails(
      { images, roots: images.map(() => folder), options: options({ outDir: folder, sizes: [128], pattern: '{name}_{width}x{height}.{ext}', existing: 'overwrite' }) },
      { pool, onRecord: (record) => bySize.push(record) },
    );
    expect(code(bySize, 'b.png')).toBe('WOULD_OVERWRITE_SOURCE');
    expect(code(bySize, 'a.png')).toBeNull();
    expect(await hashes(images)).toEqual(before);
  });

  it('stops promptly when cancelled, and leaves no temporary files', async () => {
    const folder = join(dir, 'cancel');
    await mkdir(folder);
    const images: string[] = [];
    for (let i = 0; i < 24; i++) {
      const path = join(folder, `p${i}.jpg`);
      await writeJpeg(path, 900, 600);
      images.push(path);
    }
    const controller = new AbortController();
    const records: ThumbRecord[] = [];
    const final = await runThumbnails(
      { images, roots: images.map(() => folder), options: options() },
      {
        pool,
        signal: controller.signal,
        onRecord: (record) => {
          records.push(record);
          if (records.length === 2) controller.abort();
        },
      },
    );
    expect(final.total).toBe(24);
    expect(final.done).toBe(records.length);
    expect(records.length).toBeLessThan(24);
    for (const record of records.slice(2)) expect(['CANCELLED', undefined]).toContain(record.error?.code);
    // Give a cancelled worker time to finish or be replaced, then look for leftovers.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const leftovers = (await allFiles(join(dir, 'thumbnails'))).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });
});

describe('runThumbnails bookkeeping (a pool that answers as told)', () => {
  function fakePool(answer: (input: TaskMap['thumbs.file']['input'], signal?: AbortSignal) => Promise<ThumbRecord>, size = 2): WorkerPool & { maxInFlight: number } {
    let inFlight = 0;
    const fake = {
      size,
      maxInFlight: 0,
      async run<K extends TaskKind>(kind: K, input: TaskMap[K]['input'], runOptions?: { signal?: AbortSignal }): Promise<TaskMap[K]['output']> {
        expect(kind).toBe('thumbs.file');
        inFlight++;
        fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return (await answer(input as TaskMap['thumbs.file']['input'], runOptions?.signal)) as TaskMap[K]['output'];
        } finally {
          inFlight--;
        }
      },
      activity: () => [],
      close: async () => {},
    };
    return fake;
  }

  it('keeps only a small window of tasks in flight, whatever the job size', async () => {
    const pool = fakePool(async (input) => ({ index: input.index, input: input.input, outputs: [], error: null }), 3);
    const images = Array.from({ length: 500 }, (_, i) => `/photos/${i}.jpg`);
    const final = await runThumbnails({ images, roots: images.map(() => '/photos'), options: options() }, { pool });
    expect(final.done).toBe(500);
    expect(pool.maxInFlight).toBe(6);
  });

  it('turns a worker failure into a WORKER_FAILED record and goes on', async () => {
    const pool = fakePool(async (input) => {
      if (input.index === 1) throw new Error('the worker crashed twice');
      return { index: input.index, input: input.input, outputs: [], error: null };
    });
    const records: ThumbRecord[] = [];
    const final = await runThumbnails({ images: ['/p/a.jpg', '/p/b.jpg', '/p/c.jpg'], roots: [null, null, null], options: options() }, { pool, onRecord: (r) => records.push(r) });
    expect(final).toMatchObject({ done: 3, failed: 1 });
    expect(records.find((r) => r.index === 1)?.error).toEqual({ code: 'WORKER_FAILED', message: 'the worker crashed twice' });
  });

  it('counts the images in flight when the job is cancelled as cancelled, not failed', async () => {
    const controller = new AbortController();
    // Tasks that run until the job is cancelled, as a worker making a big image would.
    const pool = fakePool(
      (_input, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
        }),
    );
    const records: ThumbRecord[] = [];
    const images = Array.from({ length: 10 }, (_, i) => `/p/${i}.jpg`);
    const running = runThumbnails({ images, roots: images.map(() => null), options: options() }, { pool, signal: controller.signal, onRecord: (r) => records.push(r) });
    setTimeout(() => controller.abort(), 20);
    const final = await running;
    // Two workers, two tasks each in flight: four images were being made.
    expect(records.map((r) => r.error?.code)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(final).toMatchObject({ total: 10, done: 4, failed: 0, cancelled: 4 });
  });

  it('refuses bad options before any task runs', async () => {
    const pool = fakePool(async () => {
      throw new Error('must not run');
    });
    await expect(runThumbnails({ images: ['/p/a.jpg'], roots: [null], options: options({ pattern: 'same.png' }) }, { pool })).rejects.toThrow(/\{name\}/);
  });

  it('finds the sources a {width}x{height} output could land on among many images', () => {
    const images = Array.from({ length: 20_000 }, (_, i) => `/p/img${i}.png`);
    images.push('/p/img7_64x64.png');
    const plans = planThumbnails({ images, roots: images.map(() => '/p'), options: options({ outDir: '/p', sizes: [64], pattern: '{name}_{width}x{height}.{ext}' }) });
    expect(plans[7]!.protectedPaths).toEqual(['/p/img7_64x64.png']);
    expect(plans.filter((plan) => plan.protectedPaths.length > 0)).toHaveLength(1);
  });
});
