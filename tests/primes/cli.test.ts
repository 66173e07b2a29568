import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, lockPathFor } from '../../src/fs/lock.js';
import { packageRoot } from '../../src/package-info.js';

// The command as installed (package.json "bin": the CommonJS launcher with the checker bundled in), and the ES module
// CLI it hands every other command to.
const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { bin: { titlewave: string } };
const bin = join(packageRoot, packageJson.bin.titlewave);
const esmCli = join(packageRoot, 'dist', 'src', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'titlewave-primes-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], stdin?: string, entry = bin): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const lines = (text: string): unknown[] => text.trim().split('\n').map((line) => JSON.parse(line) as unknown);

describe('titlewave primes', () => {
  it('check N...: one JSON record per number, errors as records, exit 0', async () => {
    const { code, stdout } = await run(['primes', 'check', '97', 'abc,-7', '1.5', '+5', '007', '2047', '1e3', '170141183460469231731687303715884105727']);
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([
      { index: 0, n: '97', prime: true, factor: null, method: 'trial-division', proven: true, error: null },
      { index: 1, n: 'abc', prime: null, factor: null, method: null, proven: null, error: { code: 'NOT_AN_INTEGER', message: 'Not an integer: "abc"' } },
      { index: 2, n: '-7', prime: null, factor: null, method: null, proven: null, error: { code: 'NEGATIVE', message: 'Negative numbers are not checked: "-7"' } },
      { index: 3, n: '1.5', prime: null, factor: null, method: null, proven: null, error: { code: 'NOT_AN_INTEGER', message: 'Not an integer: "1.5"' } },
      { index: 4, n: '5', prime: true, factor: null, method: 'trial-division', proven: true, error: null },
      { index: 5, n: '7', prime: true, factor: null, method: 'trial-division', proven: true, error: null },
      { index: 6, n: '2047', prime: false, factor: '23', method: 'trial-division', proven: true, error: null },
      { index: 7, n: '1000', prime: false, factor: '2', method: 'trial-division', proven: true, error: null },
      { index: 8, n: '170141183460469231731687303715884105727', prime: true, factor: null, method: 'baillie-psw', proven: false, error: null },
    ]);
  });

  it('check: digits grouped in thousands make one number; 0 and 1 have no factor; 2^64 + 1 gets its smallest factor', async () => {
    const { code, stdout } = await run(['primes', 'check', '1,000,003', '1_000_033', '0', '1', '18446744073709551617', '2,3']);
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([
      { index: 0, n: '1000003', prime: true, factor: null, method: 'trial-division', proven: true, error: null },
      { index: 1, n: '1000033', prime: true, factor: null, method: 'trial-division', proven: true, error: null },
      { index: 2, n: '0', prime: false, factor: null, method: 'trivial', proven: true, error: null },
      { index: 3, n: '1', prime: false, factor: null, method: 'trivial', proven: true, error: null },
      { index: 4, n: '18446744073709551617', prime: false, factor: '274177', method: 'baillie-psw', proven: true, error: null },
      { index: 5, n: '2', prime: true, factor: null, method: 'trivial', proven: true, error: null },
      { index: 6, n: '3', prime: true, factor: null, method: 'trivial', proven: true, error: null },
    ]);
  });

  it('check reads a long run of numbers joined by bare commas from stdin whole (no number cut or lost)', async () => {
    const numbers = Array.from({ length: 25_000 }, (_, i) => String(10_000 + i));
    const { code, stdout } = await run(['primes', 'check'], numbers.join(','));
    expect(code).toBe(0);
    const records = lines(stdout) as { index: number; n: string }[];
    expect(records.length).toBe(numbers.length);
    expect(records.map((r) => r.n)).toEqual(numbers);
  });

  it('check reads stdin when no number is given, tokens split across lines and commas', async () => {
    const input = '1116281, 1297337\n104395303\t472882027\r\n' + '1'.repeat(2500) + '\n1099726899285419';
    const { code, stdout } = await run(['primes', 'check'], input);
    expect(code).toBe(0);
    const records = lines(stdout) as { index: number; n: string; prime: boolean | null; error: { code: string } | null }[];
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records.map((r) => r.prime)).toEqual([true, true, true, true, null, false]);
    expect(records[4]?.error?.code).toBe('TOO_LARGE');
  });

  it('count FROM TO prints one JSON object; scientific notation is accepted when exact', async () => {
    const { code, stdout } = await run(['primes', 'count', '0', '1e7', '--workers', '2']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ from: '0', to: '10000000', count: 664579, workers: 2, cancelled: false });
    expect(typeof result.ms).toBe('number');
    expect(typeof result.speedup).toBe('number');
  });

  it('list FROM TO to stdout, and to --output FILE', async () => {
    const { code, stdout } = await run(['primes', 'list', '90', '130']);
    expect(code).toBe(0);
    expect(stdout).toBe('97\n101\n103\n107\n109\n113\n127\n');
    const output = join(scratch, 'list.txt');
    const toFile = await run(['primes', 'list', '1e6', '1.1e6', '--output', output, '--workers', '1']);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    const listed = readFileSync(output, 'utf8').trim().split('\n');
    expect(listed.length).toBe(7216); // pi(1.1e6) - pi(1e6) = 85714 - 78498
    expect(listed[0]).toBe('1000003');
  });

  it('list --output refuses a file that exists (exit 2, before any work, file untouched); --force replaces it', async () => {
    const output = join(scratch, 'keep-me.txt');
    writeFileSync(output, 'my own notes\n');
    const before = statSync(output).mtimeMs;
    // A range that would take hours: the refusal comes before any sieving.
    const refused = await run(['primes', 'list', '0', '1e15', '--output', output]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: ${output} already exists; add --force to replace it`);
    expect(refused.stdout).toBe('');
    expect(readFileSync(output, 'utf8')).toBe('my own notes\n');
    expect(statSync(output).mtimeMs).toBe(before);
    expect(readdirSync(scratch).filter((name) => name.includes('keep-me'))).toEqual(['keep-me.txt']);

    const forced = await run(['primes', 'list', '10', '30', '--output', output, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('11\n13\n17\n19\n23\n29\n');
    expect(forced.stderr).toContain(`6 primes in [10, 30] written to ${output}`);
    const help = await run(['primes', 'list', '--help']);
    expect(help.stdout).toMatch(/--force\s+replace --output if it exists/);
  });

  it('list --output refuses a list its disk cannot hold (exit 2, before any work), saying how much it needs and has', async () => {
    const folder = join(scratch, 'no-room');
    mkdirSync(folder);
    const output = join(folder, 'all.txt');
    const refused = await run(['primes', 'list', '0', '1e17', '--output', output]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`error: the primes need about 4\\d(\\.\\d)? PiB \\(an estimate\\) but ${folder} has [\\d.]+ [KMGT]iB free; free some space or choose another --output`));
    expect(readdirSync(folder)).toEqual([]);
  });

  it('list --output leaves no temporary file when a write fails midway (here: past the file size limit), exit 1', async () => {
    const folder = join(scratch, 'too-big');
    mkdirSync(folder);
    const output = join(folder, 'primes.txt');
    // sh's ulimit -f counts 512-byte blocks: 2 MiB, a quarter of the list. Node ignores SIGXFSZ: the write fails with EFBIG.
    const limited = spawnSync('sh', ['-c', `ulimit -f 4096 && exec "${process.execPath}" "${bin}" primes list 0 15000000 --output "${output}"`], { encoding: 'utf8' });
    expect(limited.status).toBe(1);
    expect(limited.stderr).toContain(`titlewave: could not write the primes to ${output}: EFBIG: file too large`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a list killed with kill -9 leaves its temporary file; the next list into that folder removes it', async () => {
    const folder = join(scratch, 'killed');
    mkdirSync(folder);
    const child = spawn(process.execPath, [bin, 'primes', 'list', '0', '2e9', '--output', join(folder, 'primes.txt')], { stdio: 'ignore' });
    const temporary = (): string | undefined => readdirSync(folder).find((name) => name.startsWith(`.primes.txt.${child.pid}.`) && statSync(join(folder, name)).size > 0);
    await expect.poll(temporary, { timeout: 30_000, interval: 20 }).toBeDefined();
    const left = temporary() as string;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    // Its lock on the file stays too, until the next run into that file takes it over.
    expect(readdirSync(folder).sort()).toEqual([left, lockPathFor(join(folder, 'primes.txt')).slice(folder.length + 1)].sort());

    const next = await run(['primes', 'list', '0', '10', '--output', join(folder, 'primes.txt')]);
    expect(next.code).toBe(0);
    expect(readdirSync(folder)).toEqual(['primes.txt']);
    expect(readFileSync(join(folder, 'primes.txt'), 'utf8')).toBe('2\n3\n5\n7\n');
  });

  it('bad usage exits 2 with a message; --help exits 0 everywhere', async () => {
    for (const args of [
      ['primes', 'count', 'abc', '10'],
      ['primes', 'count', '10', '5'],
      ['primes', 'count', '0', '1e18'],
      ['primes', 'count', '-1', '5'],
      ['primes', 'list', '1.5', '10'],
      ['primes', 'count', '0'],
      ['primes', 'count', '0', '10', '--workers', '0'],
      ['primes', 'frobnicate'],
      ['primes', 'check', '--bogus'],
    ]) {
      const { code, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
    for (const args of [['primes', '--help'], ['primes', 'check', '--help'], ['primes', 'count', '--help'], ['primes', 'list', '--help']]) {
      const { code, stdout } = await run(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toContain('Usage: titlewave primes');
    }
  });

  it('stops quietly with exit 0 when the reader of stdout goes away (| head)', async () => {
    const child = spawn(process.execPath, [bin, 'primes', 'list', '0', '1e11'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(first.startsWith('2\n3\n5\n7\n')).toBe(true);
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });

  it('Ctrl+C cancels a count: the partial result is printed with cancelled: true, exit 130', async () => {
    const child = spawn(process.execPath, [bin, 'primes', 'count', '0', '1e13'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    // Its workers running means its Ctrl+C handler is in place (it is installed before the pool starts them).
    const children = (): string => {
      try {
        return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    await expect.poll(children, { timeout: 20_000 }).not.toBe('');
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const result = JSON.parse(stdout) as { from: string; to: string; cancelled: boolean; count: number };
    expect(result).toMatchObject({ from: '0', to: '10000000000000', cancelled: true });
    expect(result.count).toBeLessThan(37607912018); // pi(1e12): far from done
  });

  it('the full program lists the primes command too', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/primes\s+Check numbers for primality/);
  });

  it('the installed command and the ES module CLI give the same records, also for a list long enough for the workers', async () => {
    expect(bin).toMatch(/\.cjs$/);
    // 2^1279 - 1 and its odd neighbours: 400-digit numbers, far more work than a check does in its own process.
    const big = Array.from({ length: 24 }, (_, i) => (2n ** 1279n - 1n + 2n * BigInt(i)).toString());
    for (const args of [['primes', 'check', '97', 'abc', '2047'], ['primes', 'check', ...big]]) {
      const [installed, esm] = await Promise.all([run(args), run(args, undefined, esmCli)]);
      expect(installed.code).toBe(0);
      expect(installed.stderr).toBe('');
      expect(lines(installed.stdout)).toEqual(lines(esm.stdout));
    }
    const [first] = lines((await run(['primes', 'check', ...big])).stdout) as { prime: boolean; method: string }[];
    expect(first).toMatchObject({ prime: true, method: 'baillie-psw' });
  });

  // Issue 11: the output file of `primes list`.
  it('list --output into a folder that does not exist, or with no name, is a usage error before any work', async () => {
    for (const output of [join(scratch, 'no-such-folder', 'primes.txt'), '']) {
      const { code, stderr, stdout } = await run(['primes', 'list', '0', '1e15', '--output', output]);
      expect(code, output).toBe(2);
      expect(stderr).toMatch(output === '' ? /error: the output needs a file name/ : /error: cannot write the output .*: the folder .* does not exist/);
      expect(stdout).toBe('');
    }
  });

  it('list --output is refused while another Titlewave process writes that file; the lock goes when a run ends', async () => {
    const output = join(scratch, 'shared.txt');
    const held = await acquireLock(output, 'a test standing in for another titlewave');
    try {
      const refused = await run(['primes', 'list', '0', '1e8', '--output', output]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/error: .*shared\.txt is in use by another Titlewave \(a test standing in for another titlewave, process \d+/);
      expect(existsSync(output)).toBe(false);
    } finally {
      await held.release();
    }
    const done = await run(['primes', 'list', '10', '30', '--output', output]);
    expect(done.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('11\n13\n17\n19\n23\n29\n');
    expect(existsSync(lockPathFor(output))).toBe(false);
  });

  it('Ctrl+C on a list to --output releases its lock', async () => {
    const output = join(scratch, 'interrupted.txt');
    // A range its disk can hold (the list is refused before any work otherwise), far too long to end before the Ctrl+C.
    const child = spawn(process.execPath, [esmCli, 'primes', 'list', '0', '2e9', '--output', output], { stdio: 'ignore' });
    const closed = new Promise((resolve) => child.on('close', resolve));
    try {
      await expect.poll(() => existsSync(lockPathFor(output)), { timeout: 20_000 }).toBe(true);
      const children = (): string => {
        try {
          return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        } catch {
          return '';
        }
      };
      // Its workers running means its Ctrl+C handler is in place.
      await expect.poll(children, { timeout: 20_000 }).not.toBe('');
      child.kill('SIGINT');
      expect(await closed).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    expect(existsSync(lockPathFor(output))).toBe(false);
    expect(existsSync(output)).toBe(false);
  });

  it('a file name echoed on stderr cannot drive the terminal', async () => {
    const output = join(scratch, 'no-such-folder\u001b[2J', 'p\u001b]0;pwned\u0007.txt');
    const { code, stderr } = await run(['primes', 'list', '1', '10', '--output', output]);
    expect(code).toBe(2);
    expect(stderr).toContain('p\\x1b]0;pwned\\x07.txt');
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

