/**
 * Primes through the services: checks in batched updates, range count and list (capped to the UI, whole to a file),
 * an existing output file replaced only with consent, cancel.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandErrorCode, type Events } from '../../src/contract.js';
import { acquireLock, lockPathFor } from '../../src/fs/lock.js';
import { parseNoSpace } from '../../src/primes/estimate.js';
import { PRIMES_TO_UI } from '../../src/primes/limits.js';
import { createServices, type Services } from '../../src/services/index.js';

let services: Services;
let dir: string;
const checks: Events['primes.checkUpdate'][] = [];
const ranges: Events['primes.rangeUpdate'][] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'titlewave-primes-'));
  services = createServices({ dataDir: join(dir, 'data'), workers: 2 });
  services.on('primes.checkUpdate', (update) => checks.push(update));
  services.on('primes.rangeUpdate', (update) => ranges.push(update));
});

afterAll(async () => {
  await services.close();
  await rm(dir, { recursive: true, force: true });
});

function finalOf<U extends { jobId: string; state: string }>(updates: U[], jobId: string): Promise<U> {
  const find = () => updates.find((u) => u.jobId === jobId && u.state !== 'running');
  return expect
    .poll(find, { timeout: 60_000, interval: 20 })
    .toBeTruthy()
    .then(() => find() as U);
}

describe('primes through the services', () => {
  it('checks a list: one record per token in order, errors for what is not a number, exact answers', async () => {
    const text = '2305843009213693951, 3317044064679887385961981\nabc -7 1.5\n1000000007 1';
    const { jobId } = await services.invoke('primes.check', [{ text }]);
    const final = await finalOf(checks, jobId);
    expect(final).toMatchObject({ state: 'done', done: 7, total: 7 });
    const records = checks.filter((u) => u.jobId === jobId).flatMap((u) => u.records);
    expect(records.map((r) => [r.index, r.n, r.prime, r.error?.code ?? null])).toEqual([
      [0, '2305843009213693951', true, null],
      [1, '3317044064679887385961981', false, null],
      [2, 'abc', null, 'NOT_AN_INTEGER'],
      [3, '-7', null, 'NEGATIVE'],
      [4, '1.5', null, 'NOT_AN_INTEGER'],
      [5, '1000000007', true, null],
      [6, '1', false, null],
    ]);
    await expect(services.invoke('primes.check', [{ text: ' ,\n ' }])).rejects.toThrow(/no numbers/);
  });

  it('checks a long list on the worker pool and delivers every record', async () => {
    // 400 twenty-digit numbers: enough estimated work to go to the pool.
    const numbers = Array.from({ length: 400 }, (_, i) => (10n ** 19n + BigInt(i) * 2n + 1n).toString());
    const { jobId } = await services.invoke('primes.check', [{ text: numbers.join(' ') }]);
    const final = await finalOf(checks, jobId);
    expect(final).toMatchObject({ state: 'done', done: 400, total: 400 });
    const records = checks.filter((u) => u.jobId === jobId).flatMap((u) => u.records);
    expect(records.map((r) => r.n)).toEqual(numbers);
    expect(records.every((r) => typeof r.prime === 'boolean' && r.error === null)).toBe(true);
    // 10^19 + 1 = 11 × 909090909090909091: the factor comes back.
    expect(records[0]).toMatchObject({ prime: false, factor: '11' });
  });

  it('counts a range with per-worker activity and the speed-up in the result', async () => {
    const { jobId } = await services.invoke('primes.range', [{ from: '0', to: '10000000', mode: 'count', output: null }]);
    const final = await finalOf(ranges, jobId);
    expect(final.state).toBe('done');
    expect(final.result).toMatchObject({ from: '0', to: '10000000', count: 664579, workers: 2, cancelled: false });
    expect(final.result?.speedup).toBeGreaterThan(0);
    expect(final.progress).toMatchObject({ count: 664579, sieved: 10000001, total: 10000001 });
    expect(ranges.filter((u) => u.jobId === jobId).every((u) => u.primes.length === 0)).toBe(true);
    expect(ranges.some((u) => u.jobId === jobId && u.progress.workers.length > 0)).toBe(true);
  });

  it('lists a range: every prime to the file, the first ones (capped) to the page', async () => {
    const output = join(dir, 'primes.txt');
    const { jobId } = await services.invoke('primes.range', [{ from: '1', to: '200000', mode: 'list', output }]);
    const final = await finalOf(ranges, jobId);
    expect(final.result?.count).toBe(17984);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(17984);
    expect(lines.slice(0, 5)).toEqual(['2', '3', '5', '7', '11']);
    const shown = ranges.filter((u) => u.jobId === jobId).flatMap((u) => u.primes);
    expect(shown).toHaveLength(PRIMES_TO_UI);
    expect(shown).toEqual(lines.slice(0, PRIMES_TO_UI));
  });

  it('refuses to replace an existing output file without overwrite, before any job; replaces it with overwrite', async () => {
    const output = join(dir, 'mine.txt');
    const mine = 'notes the user keeps here\n';
    await writeFile(output, mine);
    const before = await stat(output);
    const jobsBefore = ranges.length;
    const refused = services.invoke('primes.range', [{ from: '1', to: '100', mode: 'list', output }]);
    await expect(refused).rejects.toThrow(`OUTPUT_EXISTS: ${output} already exists`);
    expect(commandErrorCode(await refused.catch((error: unknown) => error))).toBe('OUTPUT_EXISTS');
    await expect(services.invoke('primes.range', [{ from: '1', to: '100', mode: 'list', output, overwrite: false }])).rejects.toThrow(/already exists/);
    // Refused up front: no job started, and the file is exactly as it was.
    expect(ranges.length).toBe(jobsBefore);
    expect(await readFile(output, 'utf8')).toBe(mine);
    expect((await stat(output)).mtimeMs).toBe(before.mtimeMs);
    // Count mode writes no file, so the same path is no obstacle there.
    const counted = await services.invoke('primes.range', [{ from: '1', to: '100', mode: 'count', output }]);
    expect((await finalOf(ranges, counted.jobId)).result?.count).toBe(25);
    expect(await readFile(output, 'utf8')).toBe(mine);

    const { jobId } = await services.invoke('primes.range', [{ from: '1', to: '30', mode: 'list', output, overwrite: true }]);
    expect((await finalOf(ranges, jobId)).state).toBe('done');
    expect(await readFile(output, 'utf8')).toBe('2\n3\n5\n7\n11\n13\n17\n19\n23\n29\n');

    // An empty file holds nothing to lose; a folder is no file to write.
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    const emptyJob = await services.invoke('primes.range', [{ from: '1', to: '10', mode: 'list', output: empty }]);
    expect((await finalOf(ranges, emptyJob.jobId)).state).toBe('done');
    expect(await readFile(empty, 'utf8')).toBe('2\n3\n5\n7\n');
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    await expect(services.invoke('primes.range', [{ from: '1', to: '10', mode: 'list', output: folder, overwrite: true }])).rejects.toThrow(/is a folder/);
  });

  it('refuses an output another process is writing, or in a folder that does not exist, before any job (issue 11)', async () => {
    const output = join(dir, 'busy.txt');
    const jobsBefore = ranges.length;
    const held = await acquireLock(output, 'titlewave primes list');
    try {
      await expect(services.invoke('primes.range', [{ from: '1', to: '100', mode: 'list', output }])).rejects.toThrow(/busy\.txt is in use by another Titlewave \(titlewave primes list, process \d+/);
    } finally {
      await held.release();
    }
    await expect(services.invoke('primes.range', [{ from: '1', to: '100', mode: 'list', output: join(dir, 'missing', 'p.txt') }])).rejects.toThrow(/folder .*missing does not exist/);
    expect(ranges.length).toBe(jobsBefore);
    // Its own job holds the lock while it runs and lets go at the end.
    const { jobId } = await services.invoke('primes.range', [{ from: '1', to: '30', mode: 'list', output }]);
    expect((await finalOf(ranges, jobId)).state).toBe('done');
    expect(await readFile(output, 'utf8')).toBe('2\n3\n5\n7\n11\n13\n17\n19\n23\n29\n');
    await expect(stat(lockPathFor(output))).rejects.toThrow();
  });

  it('refuses a list its disk cannot hold, before any job, saying how much it needs and how much is free', async () => {
    const folder = join(dir, 'no-room');
    await mkdir(folder);
    const output = join(folder, 'every-prime.txt');
    const jobsBefore = ranges.length;
    const refused = services.invoke('primes.range', [{ from: '0', to: '100000000000000000', mode: 'list', output }]);
    const error = await refused.catch((e: unknown) => e);
    expect(commandErrorCode(error)).toBe('NO_SPACE');
    expect((error as Error).message).toMatch(/^NO_SPACE: the primes need about 4\d(\.\d)? PiB \(an estimate\) but .+ has [\d.]+ [KMGT]iB free$/);
    expect(parseNoSpace((error as Error).message)).toMatchObject({ needed: '42.1 PiB', folder });
    expect(ranges.length).toBe(jobsBefore);
    expect(await readdir(folder)).toEqual([]);
    // Counting the same range writes nothing: no refusal.
    const counted = await services.invoke('primes.range', [{ from: '0', to: '100000000000000000', mode: 'count', output }]);
    await services.invoke('job.cancel', [counted.jobId]);
    expect((await finalOf(ranges, counted.jobId)).state).toBe('cancelled');
  });

  it('refuses bad bounds before starting, and cancels a long count', async () => {
    await expect(services.invoke('primes.range', [{ from: '10', to: '9', mode: 'count', output: null }])).rejects.toThrow(/greater than/);
    await expect(services.invoke('primes.range', [{ from: '0', to: '1000000000000000000', mode: 'count', output: null }])).rejects.toThrow(/above the largest/);
    await expect(services.invoke('primes.range', [{ from: '1e3', to: '9', mode: 'count', output: null }])).rejects.toThrow(/Invalid arguments/);

    const { jobId } = await services.invoke('primes.range', [{ from: '0', to: '1000000000000', mode: 'count', output: null }]);
    await expect.poll(() => ranges.some((u) => u.jobId === jobId && u.progress.sieved > 0), { timeout: 30_000, interval: 20 }).toBe(true);
    await services.invoke('job.cancel', [jobId]);
    const final = await finalOf(ranges, jobId);
    expect(final.state).toBe('cancelled');
    expect(final.result?.cancelled).toBe(true);
    expect(final.progress.sieved).toBeLessThan(1000000000001);
  });
});
