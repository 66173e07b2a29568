import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { checkPrimes, NoSpaceError, OutputExistsError, parseNumberList, primeRange, PrimesInputError } from '../../src/primes/index.js';
import { checkToken, isPrime } from '../../src/primes/primality.js';
import type { PrimeCheckRecord, RangeProgress } from '../../src/primes/types.js';
import { createWorkerPool, WorkerFailedError } from '../../src/workers/pool.js';
import type { WorkerPool } from '../../src/workers/types.js';
import { withFailingDisk } from '../helpers/failing-disk.js';

let pool: WorkerPool;
const scratch = mkdtempSync(join(tmpdir(), 'titlewave-primes-'));

beforeAll(() => {
  pool = createWorkerPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('primeRange on the worker pool', () => {
  it('pi(1e9) = 50847534 with 2 workers, with progress from both and a speed-up figure', async () => {
    const progress: RangeProgress[] = [];
    const result = await primeRange({ from: '0', to: '1e9', mode: 'count', workers: 2 }, { pool, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ from: '0', to: '1000000000', count: 50847534, workers: 2, cancelled: false });
    expect(result.ms).toBeGreaterThan(0);
    expect(result.speedup).toBeGreaterThan(0);
    const last = progress.at(-1) as RangeProgress;
    expect(last).toMatchObject({ sieved: 1_000_000_001, total: 1_000_000_001, count: 50847534, etaMs: 0 });
    for (let i = 1; i < progress.length; i++) expect((progress[i] as RangeProgress).sieved).toBeGreaterThanOrEqual((progress[i - 1] as RangeProgress).sieved);
    expect(last.workers.filter((w) => w.sieved > 0).length).toBe(2);
    expect(last.workers.reduce((sum, w) => sum + w.sieved, 0)).toBe(1_000_000_001);
  });

  it('the count of [1e15, 1e15 + 1e9] is 28946421', async () => {
    const result = await primeRange({ from: '1e15', to: '1000001000000000', mode: 'count' }, { pool });
    expect(result.count).toBe(28946421);
  });

  it('counts near 1e16 (primesieve: 271897 in [1e16, 1e16 + 1e7])', async () => {
    const result = await primeRange({ from: '1e16', to: '10000000010000000', mode: 'count' }, { pool });
    expect(result.count).toBe(271897);
  });

  it('lists a multi-chunk range in order to a file and to the UI callback, without a temporary left over', async () => {
    const output = join(scratch, 'primes.txt');
    writeFileSync(output, 'an older list\n');
    const seen: string[] = [];
    const result = await primeRange({ from: '0', to: '3e7', mode: 'list', output, overwrite: true }, { pool, onPrimes: (primes) => { for (const p of primes) seen.push(p); } });
    expect(result.count).toBe(1857859); // pi(3e7)
    const lines = readFileSync(output, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(1857859);
    expect(seen).toEqual(lines);
    expect(lines.slice(0, 5)).toEqual(['2', '3', '5', '7', '11']);
    for (let i = 1; i < lines.length; i++) if (Number(lines[i]) <= Number(lines[i - 1])) throw new Error(`not ascending at ${i}`);
    for (let i = 0; i < lines.length; i += 997) expect(isPrime(BigInt(lines[i] as string))).toBe(true);
    expect(readdirSync(scratch)).toEqual(['primes.txt']);
  });

  it('lists near 1e16 with exact decimals (checked with the primality test)', async () => {
    const seen: string[] = [];
    const result = await primeRange({ from: '9999999999990000', to: '10000000000010000', mode: 'list' }, { pool, onPrimes: (p) => seen.push(...p) });
    expect(result.count).toBe(555); // primesieve 9999999999990000 10000000000010000 -c
    expect(seen.length).toBe(555);
    for (const p of seen) expect(isPrime(BigInt(p))).toBe(true);
  });

  it('cancels promptly: resolves cancelled, leaves an existing output file as it was, and the pool works on', async () => {
    const output = join(scratch, 'keep.txt');
    writeFileSync(output, 'mine\n');
    const controller = new AbortController();
    const started = Date.now();
    const result = await primeRange(
      { from: '0', to: '2e9', mode: 'list', output, overwrite: true },
      { pool, signal: controller.signal, onProgress: () => controller.abort(), write: () => {} },
    );
    expect(result.cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(readFileSync(output, 'utf8')).toBe('mine\n');
    expect(readdirSync(scratch).filter((name) => name.startsWith('.keep'))).toEqual([]);
    const counted = new AbortController();
    const count = await primeRange({ from: '1e14', to: '1e15', mode: 'count' }, { pool, signal: counted.signal, onProgress: () => counted.abort() });
    expect(count).toMatchObject({ cancelled: true });
    expect((await primeRange({ from: '0', to: '1e6', mode: 'count' }, { pool })).count).toBe(78498);
  });

  it('refuses an output file with content before any work, unless told to overwrite it', async () => {
    const folder = join(scratch, 'refuse');
    mkdirSync(folder);
    const output = join(folder, 'mine.txt');
    writeFileSync(output, 'mine\n');
    const progress: RangeProgress[] = [];
    const refused = primeRange({ from: '0', to: '100', mode: 'list', output }, { pool, onProgress: (p) => progress.push(p) });
    await expect(refused).rejects.toBeInstanceOf(OutputExistsError);
    await expect(refused).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', path: output, message: `${output} already exists` });
    expect(progress).toEqual([]);
    expect(readFileSync(output, 'utf8')).toBe('mine\n');
    expect(readdirSync(folder)).toEqual(['mine.txt']);
    // Count mode writes no file: the path is not in its way.
    expect((await primeRange({ from: '0', to: '100', mode: 'count', output }, { pool })).count).toBe(25);
    // An empty file holds nothing to lose.
    const empty = join(folder, 'empty.txt');
    writeFileSync(empty, '');
    await primeRange({ from: '0', to: '20', mode: 'list', output: empty }, { pool });
    expect(readFileSync(empty, 'utf8')).toBe('2\n3\n5\n7\n11\n13\n17\n19\n');
    // A folder is refused even with overwrite.
    await expect(primeRange({ from: '0', to: '20', mode: 'list', output: folder, overwrite: true }, { pool })).rejects.toThrow(/is a folder/);
    await primeRange({ from: '0', to: '10', mode: 'list', output, overwrite: true }, { pool });
    expect(readFileSync(output, 'utf8')).toBe('2\n3\n5\n7\n');
    expect(readdirSync(folder).sort()).toEqual(['empty.txt', 'mine.txt']);
  });

  it('leaves a file made at the output path during the run as it was, unless told to overwrite it', async () => {
    const folder = join(scratch, 'race');
    mkdirSync(folder);
    const output = join(folder, 'primes.txt');
    // The first chunk's text is on its way to the file: another program writes the same path meanwhile.
    const makeRival = (): void => {
      if (!existsSync(output)) writeFileSync(output, 'written meanwhile\n');
    };
    const run = primeRange({ from: '0', to: '1000', mode: 'list', output }, { pool, write: makeRival });
    await expect(run).rejects.toBeInstanceOf(OutputExistsError);
    await expect(run).rejects.toThrow(/was created while the primes were being listed/);
    expect(readFileSync(output, 'utf8')).toBe('written meanwhile\n');
    expect(readdirSync(folder)).toEqual(['primes.txt']);

    rmSync(output);
    const replaced = await primeRange({ from: '0', to: '10', mode: 'list', output, overwrite: true }, { pool, write: makeRival });
    expect(replaced.count).toBe(4);
    expect(readFileSync(output, 'utf8')).toBe('2\n3\n5\n7\n');
    expect(readdirSync(folder)).toEqual(['primes.txt']);
  });

  it('removes its temporary file when the disk fills up midway, and says which file could not be written', async () => {
    const folder = join(scratch, 'full-disk');
    mkdirSync(folder);
    const output = join(folder, 'primes.txt');
    await withFailingDisk(folder, { sizeBytes: 16 * 2 ** 20, limitBytes: 2 * 2 ** 20 }, async (disk) => {
      // About 8.5 MB in two chunks: the disk fills up once the first is written.
      const run = primeRange({ from: '0', to: '15000000', mode: 'list', output }, { pool, write: () => disk.fill() });
      await expect(run).rejects.toMatchObject({ code: disk.code, message: expect.stringContaining(`could not write the primes to ${output}: ${disk.code}`) });
      expect(readdirSync(folder).filter((name) => !disk.fillers.includes(name))).toEqual([]);
    });
    // The pool is fine for the next job.
    expect((await primeRange({ from: '0', to: '100', mode: 'count' }, { pool })).count).toBe(25);
  });

  it('refuses a list its disk cannot hold, before any work, with the estimate and the free space', async () => {
    const folder = join(scratch, 'no-room');
    mkdirSync(folder);
    const output = join(folder, 'primes.txt');
    const progress: RangeProgress[] = [];
    // Every prime below 1e17: about 42 PiB.
    const refused = primeRange({ from: '0', to: '1e17', mode: 'list', output }, { pool, onProgress: (p) => progress.push(p) });
    await expect(refused).rejects.toBeInstanceOf(NoSpaceError);
    const error = (await refused.catch((e: unknown) => e)) as NoSpaceError;
    expect(error).toMatchObject({ code: 'NO_SPACE', path: output, folder });
    expect(error.needed).toBeGreaterThan(40 * 2 ** 50);
    expect(error.free).toBeGreaterThan(0);
    expect(error.message).toMatch(new RegExp(`^the primes need about 4\\d(\\.\\d)? PiB \\(an estimate\\) but ${folder} has \\d+(\\.\\d)? [KMGT]iB free$`));
    expect(progress).toEqual([]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('removes what killed list runs left beside the output (their process is gone), and nothing else', async () => {
    const folder = join(scratch, 'stale');
    mkdirSync(folder);
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const started = Date.now() - 60_000;
    const files: Record<string, string> = {
      [`.primes.txt.${gone}.${started}.part`]: '2\n3\n5\n7\n11\n13\n',
      [`.older.txt.${gone}.${started}.part`]: '1000000000000037\n10000000000000',
      [`.empty.txt.${gone}.${started}.part`]: '',
      // A live process's run (this one's pid stands for it), another program's download, the user's own files.
      [`.primes.txt.${process.pid}.${started}.part`]: '2\n3\n',
      [`.movie.mkv.${gone}.${started}.part`]: '\u001aE\u00df\u00a3 not digits',
      'notes.txt': '2\n3\n',
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
    await primeRange({ from: '0', to: '20', mode: 'list', output: join(folder, 'primes.txt') }, { pool });
    expect(readdirSync(folder).sort()).toEqual([`.movie.mkv.${gone}.${started}.part`, `.primes.txt.${process.pid}.${started}.part`, 'notes.txt', 'primes.txt']);
    expect(readFileSync(join(folder, 'primes.txt'), 'utf8')).toBe('2\n3\n5\n7\n11\n13\n17\n19\n');
  });

  it('refuses bad bounds before any work', async () => {
    for (const [from, to] of [['abc', '10'], ['10', '5'], ['-1', '10'], ['0', '1e18'], ['1.5', '10'], ['0', '100000000000000000001']]) {
      await expect(primeRange({ from: from as string, to: to as string, mode: 'count' }, { pool }), `${from}..${to}`).rejects.toBeInstanceOf(PrimesInputError);
    }
    expect((await primeRange({ from: '2.5e1', to: '1e2', mode: 'count' }, { pool })).count).toBe(16);
  });
});

describe('checkPrimes', () => {
  const tutorial = [1116281, 1297337, 104395303, 472882027, 533000389, 817504243, 982451653, 112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419];

  it('splits lists on whitespace, commas and new lines, keeping numbers written in thousands whole', () => {
    expect(parseNumberList(' 1, 2\n3\t\t4,,5 \r\n1,000,003')).toEqual([1, 2, 3, 4, 5, '1,000,003'].map((n, index) => ({ index, token: String(n) })));
    expect(parseNumberList('')).toEqual([]);
  });

  it('hands a composite whose factor the quick search here misses to a worker, keeping input order', async () => {
    // 2^64 + 1 = 274177 x 67280421310721: past the trial division a quick search does, within a worker's.
    const text = `7 ${(1n << 64n) + 1n} 11 ${(1n << 64n) + 1n} 13`;
    const batches: PrimeCheckRecord[][] = [];
    const records = await checkPrimes(parseNumberList(text), { pool, inProcessFactorMs: 0, onRecords: (batch) => batches.push(batch) });
    expect(records.map((r) => [r.n, r.factor])).toEqual([
      ['7', null],
      ['18446744073709551617', '274177'],
      ['11', null],
      ['18446744073709551617', '274177'],
      ['13', null],
    ]);
    expect(batches.flat()).toEqual(records);
    // Without a pool (the CLI's short lists), the search runs its full time in this process.
    expect((await checkPrimes(parseNumberList(text)))[1]).toMatchObject({ factor: '274177' });
  });

  it('checks the tutorial list in this process, without touching the pool', async () => {
    const text = Array.from({ length: 5 }, () => tutorial.join(', ')).join('\n');
    const unused: WorkerPool = { size: 2, run: () => Promise.reject(new Error('the pool was used')), activity: () => [], close: async () => {} };
    const batches: PrimeCheckRecord[][] = [];
    const records = await checkPrimes(parseNumberList(text), { pool: unused, onRecords: (batch) => batches.push(batch) });
    expect(records.length).toBe(65);
    expect(batches.flat()).toEqual(records);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 65 }, (_, i) => i));
    expect(records.filter((r) => r.prime).length).toBe(60);
    expect(records[12]).toMatchObject({ n: '1099726899285419', prime: false, factor: '3306091' });
  });

  it('checks a big list on the pool, in input order, with the same records as in-process', async () => {
    const tokens: string[] = [];
    let x = 123456789n;
    for (let i = 0; i < 4000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      tokens.push(i % 97 === 0 ? 'oops' : String(x >> BigInt(i % 40)));
    }
    const batches: PrimeCheckRecord[][] = [];
    const records = await checkPrimes(parseNumberList(tokens.join(' ')), { pool, onRecords: (batch) => batches.push(batch) });
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(records);
    expect(records).toEqual(tokens.map((token, index) => checkToken(token, index)));
  });

  it('reports WORKER_FAILED only for the token whose worker died twice; the rest go on', async () => {
    const poison = '777777777777777777777';
    const crashing: WorkerPool = {
      size: 2,
      run: ((_kind: 'primes.check', input: { tokens: { index: number; token: string }[] }) =>
        input.tokens.some((t) => t.token === poison)
          ? Promise.reject(new WorkerFailedError('The worker crashed twice'))
          : Promise.resolve(input.tokens.map((t) => checkToken(t.token, t.index, 0)))) as WorkerPool['run'],
      activity: () => [],
      close: async () => {},
    };
    const list = Array.from({ length: 600 }, (_, i) => (i === 321 ? poison : String(10n ** 30n + BigInt(i))));
    const records = await checkPrimes(parseNumberList(list.join('\n')), { pool: crashing });
    expect(records.length).toBe(600);
    expect(records[321]).toMatchObject({ index: 321, n: poison, prime: null, error: { code: 'WORKER_FAILED' } });
    expect(records.filter((r) => r.error).length).toBe(1);
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it('cancel rejects with the abort reason', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(checkPrimes(parseNumberList('7 11'), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const big = Array.from({ length: 3000 }, (_, i) => String(10n ** 40n + BigInt(i))).join(' ');
    const later = new AbortController();
    const pending = checkPrimes(parseNumberList(big), { pool, signal: later.signal, onRecords: () => later.abort() });
    setTimeout(() => later.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves no file behind when the output folder does not exist', async () => {
    const output = join(scratch, 'missing', 'primes.txt');
    await expect(primeRange({ from: '0', to: '100', mode: 'list', output }, { pool })).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(scratch, 'missing'))).toBe(false);
  });
});
