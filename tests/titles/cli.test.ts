/** `titlewave titles`: in-process through main(argv) and the command itself, and as a real process (exit codes, SIGKILL). */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { registerTitlesCommand, titlesMain } from '../../src/cli/titles.js';
import { acquireLock, lockPathFor } from '../../src/fs/lock.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { watchOwnTimers } from '../helpers/own-timers.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'titlewave.cjs'); // the installed command
const work = mkdtempSync(join(tmpdir(), 'titlewave-cli-'));
let web: FixtureWeb;
let counter = 0;
const path = (name: string): string => join(work, `${(counter += 1)}-${name}`);

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'titles.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  web = await startFixtureWeb({ hosts: 2 });
});
afterAll(async () => {
  await web.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function urlFile(urls: string[]): string {
  const file = path('urls.txt');
  writeFileSync(file, `${urls.join('\n')}\n`);
  return file;
}

/** main(argv) with stdout and stderr captured. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

const readJsonl = (file: string): TitleRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TitleRecord);

describe('titlewave titles, in process', () => {
  it('--help lists every flag and exits 0', async () => {
    const { code, stdout } = await inProcess(['titles', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--concurrency', '--per-host', '--timeout', '--retries', '--user-agent', '--header', '--format', '--output', '--resume', '--force']) expect(stdout).toContain(flag);
    expect(stdout).toMatch(/jsonl\|csv|"jsonl", "csv", "json"/);
  });

  it.each([
    [['titles', '--concurrency', '0']],
    [['titles', '--per-host', 'x']],
    [['titles', '--timeout', 'soon']],
    [['titles', '--retries', '-1']],
    // Beyond src/titles/limits.ts (cliTitlesLimits: the CLI's own, wider limits where it has them).
    [['titles', '--concurrency', '10001']],
    [['titles', '--per-host', '1001']],
    [['titles', '--retries', '11']],
    [['titles', '--timeout', '601']],
    [['titles', '--timeout', '0.05']],
    [['titles', '--format', 'xml']],
    [['titles', '--header', 'no colon']],
    [['titles', '--resume']],
    [['titles', '/no/such/file.txt']],
    [['titles', '--no-such-flag']],
  ])('bad usage %j exits 2', async (argv) => {
    const { code, stderr } = await inProcess(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/i);
  });

  it('sends --user-agent and every --header', async () => {
    const { createServer } = await import('node:http');
    const seen: Record<string, string | string[] | undefined>[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'text/html');
      res.end('<title>echo</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const out = path('headers.jsonl');
    const { code } = await inProcess(['titles', urlFile([`http://127.0.0.1:${port}/`]), '-A', 'CliAgent/2', '-H', 'X-One: 1', '--header', 'X-Two:two words', '-o', out]);
    server.close();
    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ 'user-agent': 'CliAgent/2', 'x-one': '1', 'x-two': 'two words' });
    expect(readJsonl(out)[0]?.title).toBe('echo');
  });

  it('titlesMain runs the command on its own, with the same exit codes', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await titlesMain(['titles', '--help'])).toBe(0);
    expect(await titlesMain(['titles', '--per-host', '0'])).toBe(2);
    const out = path('standalone.jsonl');
    expect(await titlesMain(['titles', urlFile([web.url('/page/alone')]), '-o', out])).toBe(0);
    vi.restoreAllMocks();
    expect(readJsonl(out)[0]?.title).toBe(web.titleFor('/page/alone'));
  });

  it('writes records in batches and leaves no batch timer behind when the run is done', async () => {
    const timers = watchOwnTimers({ from: '/src/cli/titles.ts' });
    const out = path('batched.jsonl');
    const urls = [0, 1, 2, 3, 4, 5].map((n) => web.url(`/page/batch-${n}`));
    const { code } = await inProcess(['titles', urlFile(urls), '--output', out]);
    expect(code).toBe(0);
    expect(readJsonl(out).map((record) => record.title).sort()).toEqual(urls.map((url) => web.titleFor(new URL(url).pathname)).sort());
    // The batch timer was used, and none is left to keep the process alive once the run is done.
    expect(timers.created()).toBeGreaterThan(0);
    expect(timers.pending()).toEqual([]);
    timers.stop();
  });

  it('never overwrites an existing output file without --resume or --force', async () => {
    const out = path('existing.jsonl');
    writeFileSync(out, 'precious data\n');
    const { code, stderr } = await inProcess(['titles', urlFile([web.url('/page/x')]), '--output', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe('precious data\n');
    expect((await inProcess(['titles', urlFile([web.url('/page/x')]), '--output', out, '--force'])).code).toBe(0);
    expect(readJsonl(out).map((r) => r.title)).toEqual([web.titleFor('/page/x')]);
  });

  it('writes CSV (BOM, neutralised cells) to --output by its extension, and a one-line summary', async () => {
    const evil = web.addCase('formula', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<title>=cmd|" /C calc"!A0</title>' });
    const chinese = web.addCase('chinese', { headers: { 'content-type': 'text/html; charset=gbk' }, body: Buffer.from([0xd6, 0xd0, 0xce, 0xc4]) });
    const out = path('out.csv');
    const { code, stderr } = await inProcess(['titles', urlFile([evil, chinese, 'javascript:void(0)']), '-o', out]);
    expect(code).toBe(0);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    const byUrl = new Map(rows.map((row) => [row.url, row]));
    expect(byUrl.get(evil)?.title).toBe('\'=cmd|" /C calc"!A0');
    expect(byUrl.get(chinese)).toMatchObject({ title: '', encoding: 'GBK' });
    expect(byUrl.get('javascript:void(0)')?.errorCode).toBe('INVALID_URL');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^titles: done: 3 records, 1 with errors, 0 duplicate lines in .*event-loop delay p99 [\d.]+ ms/);
  });

  it('--resume fetches only what the output lacks, repairs a torn last line, and writes no duplicates', async () => {
    const urls = Array.from({ length: 6 }, (_, i) => web.url(`/page/resume${i}`));
    const list = urlFile(urls);
    const out = path('resume.jsonl');
    // An earlier run of this list (it leaves its run record beside the output)...
    expect((await inProcess(['titles', list, '--output', out])).code).toBe(0);
    web.resetStats();
    // ...that was killed: records 0 and 3 written, record 4 torn in the middle of its line.
    const earlier = (index: number): string => JSON.stringify({ index, url: urls[index], title: 'from before', error: null });
    writeFileSync(out, `${earlier(0)}\n${earlier(3)}\n${earlier(4).slice(0, 25)}`);
    const { code, stderr } = await inProcess(['titles', list, '--output', out, '--resume']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/2 already in the output/);
    const records = readJsonl(out);
    expect(records.map((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records.filter((r) => r.title === 'from before').map((r) => r.index)).toEqual([0, 3]);
    expect(web.hits('/page/resume0')).toBe(0);
    expect(web.hits('/page/resume3')).toBe(0);
    expect(web.hits('/page/resume4')).toBe(1);
  });

  it('shows a live progress line only when stderr is a terminal, and makes terminal output safe', async () => {
    const urls = Array.from({ length: 4 }, (_, i) => web.url(`/page/slow${i}?delay=200`, 1));
    const hostile = web.addCase('escape', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<title>red \u001b[31m alert \u0007 \u202eevil</title>' });
    for (const tty of [true, false]) {
      const stdout = Object.assign(new PassThrough(), { isTTY: tty });
      const stderr = Object.assign(new PassThrough(), { isTTY: tty });
      let out = '';
      let err = '';
      stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const program = new Command('titlewave').exitOverride();
      registerTitlesCommand(program, { stdin: new PassThrough(), stdout, stderr });
      await program.parseAsync(['titles', urlFile([...urls, hostile]), '--concurrency', '1'], { from: 'user' });
      if (tty) {
        expect(err).toMatch(/\r\u001b\[Ktitles: \d+\/5 \(\d+%\)/);
        // Text format on a terminal: no escape sequence, bell or bidi override from the page gets through.
        expect(out).toContain(`200  ${web.titleFor('/page/slow0', 1)}  ${urls[0]}`);
        expect(out).toContain('red \\x1b[31m alert \\x07 \\u202eevil');
        expect(out).not.toMatch(/[\u001b\u0007\u202e]/);
      } else {
        expect(err).not.toContain('\r');
        expect(readJsonlText(out)).toHaveLength(5);
      }
      expect(err).toMatch(/titles: done: 5 records/);
    }
  });
});

function readJsonlText(text: string): TitleRecord[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TitleRecord);
}

function runCli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('titlewave titles, as a process', () => {
  it('reads stdin, writes JSONL to a pipe, prints only the summary on stderr, and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['titles', '--timeout', '5'], `${web.url('/page/p1')}\n${web.url('/page/p2')}\nnot a url\n${web.url('/page/p1')}\n`);
    expect(code).toBe(0);
    const records = readJsonlText(stdout).sort((a, b) => a.index - b.index);
    expect(records.map((r) => [r.index, r.title, r.error?.code ?? null])).toEqual([
      [0, web.titleFor('/page/p1'), null],
      [1, web.titleFor('/page/p2'), null],
      [2, null, 'INVALID_URL'],
    ]);
    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(/^titles: done: 3 records, 1 with errors, 1 duplicate line in /);
  });

  it('stops quietly with 0 when the reader of its output goes away (| head)', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `not a url ${i}`).join('\n');
    const child = spawn(process.execPath, [cli, 'titles'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    // The child may stop before it has read all of its input (that is the point): our end of stdin then gets EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(lines);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(stderr).toMatch(/^titles: /);
  });

  it('exits 2 for bad usage', async () => {
    const { code, stderr } = await runCli(['titles', '--format', 'yaml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid/);
  });

  it.each(['jsonl', 'csv'] as const)('a run killed with SIGKILL resumes (%s): nothing lost, nothing twice, nothing fetched again', async (format) => {
    web.resetStats();
    const urls = Array.from({ length: 24 }, (_, i) => web.url(`/page/kill-${format}-${i}?delay=80`, i % 2));
    const list = urlFile(urls);
    const out = path(`killed.${format}`);
    const readRecords = (): { index: number; url: string; title: string }[] => {
      const text = readFileSync(out, 'utf8');
      if (format === 'jsonl') return text.split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as TitleRecord) as { index: number; url: string; title: string }[];
      const complete = text.slice(0, text.lastIndexOf('\r\n') + 2);
      return (parse(complete, { bom: true, columns: true }) as Record<string, string>[]).map((row) => ({ index: Number(row.index), url: row.url as string, title: row.title as string }));
    };

    const child = spawn(process.execPath, [cli, 'titles', list, '--output', out, '--concurrency', '2', '--per-host', '1'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(out) && readRecords().length >= 6) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
      child.on('exit', () => reject(new Error('the run ended before it could be killed')));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const before = readRecords();
    expect(before.length).toBeGreaterThanOrEqual(6);
    expect(before.length).toBeLessThan(urls.length);

    const resumed = await runCli(['titles', list, '--output', out, '--resume', '--concurrency', '4']);
    expect(resumed.code).toBe(0);
    const after = readRecords();
    expect(after.map((r) => r.index).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i));
    for (const record of after) expect(record.title).toBe(web.titleFor(new URL(record.url).pathname, record.index % 2));
    for (const record of before) expect(web.hits(new URL(record.url).pathname + new URL(record.url).search, record.index % 2)).toBe(1);
  });
});

/** Issue 11: an attack on the CLI's outputs and inputs. Each test failed on the code before its fix. */
describe('titlewave titles: outputs and inputs (issue 11)', () => {
  const recordFile = (output: string): string => join(dirname(output), `.${basename(output)}.titlewave.json`);
  const formats = ['jsonl', 'csv', 'json'] as const;

  /** A finished run of `urls` into `name`: the output and its run record. */
  async function finishedRun(name: string, urls: string[]): Promise<{ list: string; out: string }> {
    const list = urlFile(urls);
    const out = path(name);
    const { code } = await inProcess(['titles', list, '-o', out]);
    expect(code).toBe(0);
    expect(existsSync(recordFile(out))).toBe(true);
    return { list, out };
  }

  it.each(formats)('--resume refuses a %s file Titlewave did not write, and leaves it byte for byte', async (format) => {
    const out = path(`notes.${format}`);
    writeFileSync(out, 'my notes\n');
    const { code, stderr } = await inProcess(['titles', urlFile(['not a url']), '-o', out, '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not resumed and nothing in it was changed/);
    expect(readFileSync(out, 'utf8')).toBe('my notes\n');
  });

  it.each(formats)('--resume refuses a %s output without its run record (not provably ours), and says how to start afresh', async (format) => {
    const { list, out } = await finishedRun(`unrecorded.${format}`, ['not a url', 'neither is this']);
    const before = readFileSync(out);
    rmSync(recordFile(out));
    const { code, stderr } = await inProcess(['titles', list, '-o', out, '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no Titlewave run record.*--force/s);
    expect(readFileSync(out).equals(before)).toBe(true);
  });

  it.each(formats)('--resume refuses a %s output with the user\'s own lines after the records instead of cutting them', async (format) => {
    const { list, out } = await finishedRun(`added.${format}`, ['not a url', 'neither is this']);
    const added = Buffer.concat([readFileSync(out), Buffer.from('my notes\n')]);
    writeFileSync(out, added);
    const { code, stderr } = await inProcess(['titles', list, '-o', out, '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/nothing in it was changed/);
    expect(readFileSync(out).equals(added)).toBe(true);
  });

  it.each(formats)('--resume of a %s output cuts only a record torn by a kill, and completes the run', async (format) => {
    const urls = ['not a url', 'neither is this', 'nor this'];
    const { list, out } = await finishedRun(`torn.${format}`, urls);
    // As a kill -9 leaves it: the last record half written (and, for JSON, the array not closed).
    const whole = readFileSync(out, 'utf8');
    const cut = format === 'json' ? whole.lastIndexOf(',\n{') + 20 : whole.lastIndexOf('\n', whole.length - 2) + 21;
    writeFileSync(out, whole.slice(0, cut));
    const { code, stderr } = await inProcess(['titles', list, '-o', out, '--resume']);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/1 record.*2 already in the output/);
    const text = readFileSync(out, 'utf8');
    const indexes =
      format === 'json'
        ? (JSON.parse(text) as TitleRecord[]).map((r) => r.index)
        : format === 'jsonl'
          ? readJsonlText(text).map((r) => r.index)
          : (parse(text, { bom: true, columns: true }) as Record<string, string>[]).map((r) => Number(r.index));
    expect(indexes.sort()).toEqual([0, 1, 2]);
  });

  it('--resume with another input list is refused, naming the run the output belongs to', async () => {
    const { out } = await finishedRun('other-list.jsonl', ['not a url', 'neither is this']);
    const before = readFileSync(out);
    const other = urlFile(['something else', 'and more']);
    const { code, stderr } = await inProcess(['titles', other, '-o', out, '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/belongs to the run of \d+-urls\.txt started \d{4}-\d\d-\d\d .*another one/s);
    expect(readFileSync(out).equals(before)).toBe(true);
  });

  it('--resume accepts the same list with other bytes (blank lines, duplicates) once a run has read it whole; a stopped run needs the same bytes', async () => {
    const urls = ['not a url', 'neither is this'];
    const { out } = await finishedRun('same-entries.jsonl', urls);
    const reworded = urlFile(['', ...urls, 'not a url', '']);
    const resumed = await inProcess(['titles', reworded, '-o', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/2 already in the output/);
    expect(readJsonl(out).map((r) => r.index)).toEqual([0, 1]);

    // A run stopped before the end of its list has no entry list recorded: only the very same bytes are accepted.
    const stopped = await finishedRun('stopped.jsonl', urls);
    const record = JSON.parse(readFileSync(recordFile(stopped.out), 'utf8')) as { entries: unknown };
    record.entries = null;
    writeFileSync(recordFile(stopped.out), JSON.stringify(record));
    const refused = await inProcess(['titles', urlFile(['', ...urls]), '-o', stopped.out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/stopped before it had read its whole list/);
    expect((await inProcess(['titles', stopped.list, '-o', stopped.out, '--resume'])).code).toBe(0);
  });

  it.each([['--resume'], ['--force'], []])('an output that is one of the inputs is refused (%j), also through a symlink or a hard link', async (...flags) => {
    const list = urlFile(['not a url']);
    const symlink = path('symlink.txt');
    symlinkSync(list, symlink);
    const hardLink = path('hardlink.txt');
    linkSync(list, hardLink);
    for (const out of [list, symlink, hardLink]) {
      const { code, stderr } = await inProcess(['titles', list, '-o', out, ...flags]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/is an input of this run/);
      expect(readFileSync(list, 'utf8')).toBe('not a url\n');
    }
  });

  it('standard input redirected from the output file is refused too', async () => {
    const list = urlFile(['not a url']);
    const fd = openSync(list, 'r');
    const child = spawn(process.execPath, [cli, 'titles', '-o', list, '--force'], { stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(2);
    expect(stderr).toMatch(/the same file as standard input/);
    expect(readFileSync(list, 'utf8')).toBe('not a url\n');
  });

  it('a second run writing the same output is refused while the first holds it; the lock goes when a run ends', async () => {
    const out = path('locked.jsonl');
    const held = await acquireLock(out, 'a test standing in for another titlewave');
    try {
      const { code, stderr } = await inProcess(['titles', urlFile(['not a url']), '-o', out]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/in use by another Titlewave \(a test standing in for another titlewave, process \d+/);
      expect(existsSync(out)).toBe(false);
    } finally {
      await held.release();
    }
    expect((await inProcess(['titles', urlFile(['not a url']), '-o', out])).code).toBe(0);
    expect(existsSync(lockPathFor(out))).toBe(false);
    // Refused runs let go too (here: the output exists).
    expect((await inProcess(['titles', urlFile(['not a url']), '-o', out])).code).toBe(2);
    expect(existsSync(lockPathFor(out))).toBe(false);
  });

  it('Ctrl+C releases the lock (and the run can be resumed at once)', async () => {
    const list = urlFile(Array.from({ length: 4 }, (_, i) => web.url(`/page/interrupted${i}?delay=10000`)));
    const out = path('interrupted.jsonl');
    const child = spawn(process.execPath, [cli, 'titles', list, '-o', out], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      // A request arrived: the run is under way, its Ctrl+C handler in place (the run record is written a moment before).
      const arrived = (): number => Array.from({ length: 4 }, (_, i) => web.hits(`/page/interrupted${i}?delay=10000`)).reduce((a, b) => a + b, 0);
      await expect.poll(() => existsSync(lockPathFor(out)) && existsSync(recordFile(out)) && arrived() > 0, { timeout: 20_000 }).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    expect(existsSync(lockPathFor(out))).toBe(false);
    expect((await inProcess(['titles', list, '-o', out, '--resume', '--timeout', '0.1', '--retries', '0'])).code).toBe(0);
  });

  it.each([
    ['a folder', (): string => mkdtempSync(join(work, 'folder-')), /is a folder/],
    ['a missing file', (): string => join(work, 'no-such-list.txt'), /cannot read .*no such file/],
  ])('%s as input is a usage error (exit 2), not a cancelled run', async (_name, make, message) => {
    const { code, stderr } = await inProcess(['titles', make()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/EISDIR|cancelled/);
  });

  it.each([
    ['UTF-16LE', Buffer.from([0xff, 0xfe]), 'utf16le'],
    ['UTF-16BE', Buffer.from([0xfe, 0xff]), 'utf16be'],
    ['UTF-8', Buffer.from([0xef, 0xbb, 0xbf]), 'utf8'],
  ] as const)('a %s list with a byte order mark is read as text', async (_name, bom, encoding) => {
    const urls = [web.url('/page/bom1'), web.url('/page/bom2'), 'not a url'];
    const text = `${urls.join('\r\n')}\r\n`;
    const body = encoding === 'utf16be' ? Buffer.from(text, 'utf16le').swap16() : Buffer.from(text, encoding);
    const list = path(`bom-${encoding}.txt`);
    writeFileSync(list, Buffer.concat([bom, body]));
    const out = path(`bom-${encoding}.jsonl`);
    const { code } = await inProcess(['titles', list, '-o', out]);
    expect(code).toBe(0);
    const records = readJsonl(out).sort((a, b) => a.index - b.index);
    expect(records.map((r) => [r.url, r.title, r.error?.code ?? null])).toEqual([
      [urls[0], web.titleFor('/page/bom1'), null],
      [urls[1], web.titleFor('/page/bom2'), null],
      ['not a url', null, 'INVALID_URL'],
    ]);
  });

  it('a UTF-16 list without a byte order mark is refused, naming the encoding; on standard input too', async () => {
    const list = path('no-bom.txt');
    writeFileSync(list, Buffer.from('example.com\nexample.org\n', 'utf16le'));
    const { code, stderr } = await inProcess(['titles', list]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/looks like UTF-16LE text without a byte order mark/);
    const piped = await runCli(['titles'], Buffer.from('example.com\n', 'utf16le').toString('latin1'));
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/standard input looks like UTF-16LE/);
    expect(piped.stdout).toBe('');
  });

  it.each([
    ['-A', 'Agent\r\nX-Injected: 1'],
    ['-A', 'bell\u0007'],
    ['-A', 'next line\u0085'],
    ['-A', '中文 Agent'],
    ['-A', 'x'.repeat(501)],
    ['--user-agent', ''],
    ['-H', 'X-Ok: fine\u0001'],
    ['-H', 'X-Split: a\r\nX-Injected: 1'],
    ['-H', 'Bad Name: x'],
    ['-H', 'Transfer-Encoding: chunked'],
    ['--header', 'Connection: upgrade'],
  ])('%s %j is a usage error naming the flag', async (flag, value) => {
    const { code, stderr } = await inProcess(['titles', urlFile(['not a url']), flag, value]);
    expect(code).toBe(2);
    expect(stderr).toMatch(flag.startsWith('-A') || flag === '--user-agent' ? /option '-A, --user-agent <text>' argument .* is invalid/s : /option '-H, --header <"Name: value">' argument .* is invalid/s);
  });

  it('an empty --output is a usage error', async () => {
    const { code, stderr } = await inProcess(['titles', urlFile(['not a url']), '-o', '']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/needs a file name/);
  });

  it('file names and values echoed on stderr cannot drive the terminal', async () => {
    const hostile = join(work, 'evil\u001b]0;pwned\u0007\u001b[2J.txt');
    const missing = await inProcess(['titles', hostile]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J.txt');
    expect(missing.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const flag = await inProcess(['titles', '--per-host', '\u001b[31m']);
    expect(flag.stderr).not.toMatch(/\u001b/);
  });
});
