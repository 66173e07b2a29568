/**
 * The latest primes check, range and thumbnails job, as the services last announced them (issue 12, item 6): a page
 * that reloads or reconnects asks for them and shows what it showed. Each is exactly the fold of the updates sent
 * so far (numbered by `seq`), running or ended, and a newer job of the same kind replaces it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../src/contract.js';
import { acquireLock } from '../../src/fs/lock.js';
import { createServices, type Services } from '../../src/services/index.js';
import { makeTempDir, writeJpeg, writePng } from '../thumbs/images.js';

let services: Services;
let root: string;
let cleanup: () => Promise<void>;
const checks: Events['primes.checkUpdate'][] = [];
const ranges: Events['primes.rangeUpdate'][] = [];
const thumbs: Events['thumbs.update'][] = [];

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  services = createServices({ dataDir: join(root, 'data'), workers: 2, previewUrl: (token) => `preview/${token}` });
  services.on('primes.checkUpdate', (update) => checks.push(update));
  services.on('primes.rangeUpdate', (update) => ranges.push(update));
  services.on('thumbs.update', (update) => thumbs.push(update));
});

afterAll(async () => {
  await services.close();
  await cleanup();
});

function ended<U extends { jobId: string; state: string }>(updates: U[], jobId: string): Promise<unknown> {
  return expect.poll(() => updates.some((u) => u.jobId === jobId && u.state !== 'running'), { timeout: 60_000, interval: 20 }).toBe(true);
}

describe('the latest job of each kind', () => {
  it('is null before any job, and the commands take no arguments', async () => {
    expect(await services.invoke('primes.lastCheck', [])).toBeNull();
    expect(await services.invoke('primes.lastRange', [])).toBeNull();
    expect(await services.invoke('thumbs.last', [])).toBeNull();
    await expect(services.invoke('thumbs.last', ['x'] as never)).rejects.toThrow(/Invalid arguments for thumbs\.last/);
  });

  it('keeps a check: every record announced, in order, its counts and its last update', async () => {
    const text = '2 4 abc 7919 1000000007 -3 9 0 1';
    const { jobId } = await services.invoke('primes.check', [{ text }]);
    await ended(checks, jobId);
    const mine = checks.filter((u) => u.jobId === jobId);
    expect(mine.map((u) => u.seq)).toEqual(mine.map((_, i) => i + 1));
    const last = await services.invoke('primes.lastCheck', []);
    expect(last).toMatchObject({ jobId, seq: mine.length, state: 'done', done: 9, total: 9, counts: { prime: 3, composite: 2, neither: 2, errors: 2 }, truncated: false });
    expect(last!.records).toEqual(mine.flatMap((u) => u.records));

    // A newer check replaces it.
    const second = await services.invoke('primes.check', [{ text: '11' }]);
    await ended(checks, second.jobId);
    expect(await services.invoke('primes.lastCheck', [])).toMatchObject({ jobId: second.jobId, done: 1, counts: { prime: 1, composite: 0, neither: 0, errors: 0 } });
  });

  it('keeps a range job while it runs and after: what was asked, its progress, every listed prime so far', async () => {
    // A count big enough to still be going when asked (cancelled below), then a small list.
    const { jobId } = await services.invoke('primes.range', [{ from: '0', to: '100000000000', mode: 'count', output: null, workers: 2 }]);
    await expect.poll(() => ranges.filter((u) => u.jobId === jobId).length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    const running = await services.invoke('primes.lastRange', []);
    expect(running?.request).toEqual({ from: '0', to: '100000000000', mode: 'count', output: null, workers: 2 });
    expect(running?.update).toMatchObject({ jobId, state: 'running' });
    // The snapshot is one of the updates sent: the one numbered as it says.
    expect(running!.update).toEqual({ ...ranges.find((u) => u.jobId === jobId && u.seq === running!.update.seq), primes: [] });
    await services.invoke('job.cancel', [jobId]);
    await ended(ranges, jobId);
    expect((await services.invoke('primes.lastRange', []))?.update.state).toBe('cancelled');

    const list = await services.invoke('primes.range', [{ from: '1000', to: '5000', mode: 'list', output: null }]);
    await ended(ranges, list.jobId);
    const last = await services.invoke('primes.lastRange', []);
    const mine = ranges.filter((u) => u.jobId === list.jobId);
    expect(last?.request).toEqual({ from: '1000', to: '5000', mode: 'list', output: null, workers: null });
    expect(last?.update).toMatchObject({ jobId: list.jobId, seq: mine.length, state: 'done', result: { count: 501 } });
    expect(last?.update.primes).toEqual(mine.flatMap((u) => u.primes));
    expect(last?.update.primes).toHaveLength(501);
 
    // A start refused before any work (its output is another writer's) is no job: the latest stays the latest.
    const output = join(root, 'locked-primes.txt');
    const held = await acquireLock(output, 'another writer');
    try {
      await expect(services.invoke('primes.range', [{ from: '1', to: '100', mode: 'list', output }])).rejects.toThrow(/in use by another Titlewave/);
    } finally {
      await held.release();
    }
    expect((await services.invoke('primes.lastRange', []))?.update.jobId).toBe(list.jobId);
  });

  it('keeps a thumbnails job: what was asked and every record with its preview', async () => {
    const images = join(root, 'images');
    await mkdir(images, { recursive: true });
    await writeJpeg(join(images, 'a.jpg'), 200, 100);
    await writePng(join(images, 'b.png'), 60, 90, true);
    await writeFile(join(images, 'broken.jpg'), Buffer.from('ffd8ffe000104a464946000101', 'hex'));
    const settings = { sizes: [32, 64], format: 'webp' as const, quality: 70, outDir: join(root, 'out'), pattern: '{name}_{size}.{ext}', mirrorFolders: true, existing: 'skip' as const, keepMetadata: false };
    const { jobId } = await services.invoke('thumbs.start', [{ paths: [images], settings }]);
    await ended(thumbs, jobId);
    const mine = thumbs.filter((u) => u.jobId === jobId);
    const last = await services.invoke('thumbs.last', []);
    expect(last?.request).toEqual({ paths: [images], settings });
    expect(last?.truncated).toBe(false);
    expect(last?.update).toMatchObject({ jobId, seq: mine.length, state: 'done', outDir: join(root, 'out'), progress: { total: 3, done: 3, failed: 1 } });
    expect(last?.update.records).toEqual(mine.flatMap((u) => u.records));
    expect(last?.update.records.filter((r) => r.previewUrl?.startsWith('preview/'))).toHaveLength(2);
  });
});
