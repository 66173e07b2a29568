/** `titlewave titles`: in-process through main(argv) and the command itself, and as a real process (exit codes, SIGKILL). */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { registerTitlesCommand, titlesMain } from '../../src/cli/titles.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
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
    web.resetStats();
    const urls = Array.from({ length: 6 }, (_, i) => web.url(`/page/resume${i}`));
    const out = path('resume.jsonl');
    // An earlier run that was killed: records 0 and 3 written, record 4 torn in the middle of its line.
    const earlier = (index: number): string => JSON.stringify({ index, url: urls[index], title: 'from before', error: null });
    writeFileSync(out, `${earlier(0)}\n${earlier(3)}\n${earlier(4).slice(0, 25)}`);
    const { code, stderr } = await inProcess(['titles', urlFile(urls), '--output', out, '--resume']);
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
        expect(out).toContain('red \uFFFD[31m alert \uFFFD \uFFFDevil');
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
