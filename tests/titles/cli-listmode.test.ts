/** `titlewave titles` list mode (issue 13): --sitemap (and its --resume), --proxy, --robots, --rate, xlsx outputs. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { refusedUrl, startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startHttpProxy } from '../helpers/proxies.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'titlewave.cjs'); // the installed command
const work = mkdtempSync(join(tmpdir(), 'titlewave-listmode-'));
let web: FixtureWeb;
let counter = 0;
const path = (name: string): string => join(work, `${(counter += 1)}-${name}`);

/** Sitemaps served from memory: change one between runs to stand for a live site. */
const sitemapBodies = new Map<string, string>();
let sitemapServer: Server;
let sitemapOrigin = '';
const ns = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const urlset = (urls: string[]): string => `<?xml version="1.0"?><urlset xmlns="${ns}">${urls.map((url) => `<url><loc>${url}</loc></url>`).join('')}</urlset>`;
const serveSitemap = (name: string, body: string): string => {
  sitemapBodies.set(`/${name}`, body);
  return `${sitemapOrigin}/${name}`;
};

beforeAll(async () => {
  web = await startFixtureWeb({ hosts: 2 });
  sitemapServer = createServer((request, response) => {
    const body = sitemapBodies.get(request.url ?? '');
    if (body === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  });
  await new Promise<void>((resolve) => sitemapServer.listen(0, '127.0.0.1', resolve));
  sitemapOrigin = `http://127.0.0.1:${(sitemapServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await web.close();
  sitemapServer.closeAllConnections();
  await new Promise<void>((resolve) => sitemapServer.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1')), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  process.exitCode = undefined;
  const code = await main(argv);
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('');
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

const readJsonl = (file: string): TitleRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as TitleRecord);
const beside = (output: string, suffix: string): string => join(dirname(output), `.${basename(output)}${suffix}`);

describe('--sitemap', () => {
  it('reads the URLs of sitemaps after the files, keeps their list beside the output, and records the sitemaps', async () => {
    const list = path('urls.txt');
    writeFileSync(list, `${web.url('/page/file')}\n`);
    const sitemap = serveSitemap('s1.xml', urlset([web.url('/page/s1'), web.url('/page/s2', 1), web.url('/page/file')]));
    const out = path('sitemap.jsonl');
    const { code, stderr } = await inProcess(['titles', list, '--sitemap', sitemap, '-o', out]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/done: 3 records, 0 with errors, 1 duplicate line/);
    const records = readJsonl(out).sort((a, b) => a.index - b.index);
    expect(records.map((record) => [record.index, record.url, record.title])).toEqual([
      [0, web.url('/page/file'), web.titleFor('/page/file')],
      [1, web.url('/page/s1'), web.titleFor('/page/s1')],
      [2, web.url('/page/s2', 1), web.titleFor('/page/s2', 1)],
    ]);
    expect(readFileSync(beside(out, '.titlewave-sitemap.txt'), 'utf8')).toBe(`${web.url('/page/s1')}\n${web.url('/page/s2', 1)}\n${web.url('/page/file')}\n`);
    const record = JSON.parse(readFileSync(beside(out, '.titlewave.json'), 'utf8')) as { sitemaps: unknown; entries: { count: number } };
    expect(record.sitemaps).toEqual({ names: [sitemap], complete: true });
    expect(record.entries.count).toBe(3);
  });

  it('reports a sitemap that cannot be read and goes on; exits 1 when no URL came from any', async () => {
    const good = serveSitemap('good.xml', urlset([web.url('/page/g')]));
    const out = path('partial.jsonl');
    const partial = await inProcess(['titles', '--sitemap', `${sitemapOrigin}/missing.xml`, '--sitemap', good, '-o', out]);
    expect(partial.code).toBe(0);
    expect(partial.stderr).toMatch(/titles: sitemap .*missing\.xml: could not be fetched: HTTP 404/);
    expect(partial.stderr).toMatch(/1 sitemap problem/);
    expect(readJsonl(out).map((record) => record.url)).toEqual([web.url('/page/g')]);
    const none = await inProcess(['titles', '--sitemap', `${sitemapOrigin}/missing.xml`, '-o', path('none.jsonl')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no URL came from the sitemaps/);
    const bad = await inProcess(['titles', '--sitemap', 'ftp://example.com/sitemap.xml']);
    expect(bad.code).toBe(2);
    const missingFile = await inProcess(['titles', '--sitemap', join(work, 'nope.xml')]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/no such file/);
  });

  it('a killed sitemap run resumes from the list it read, not from the live sitemap (which may have changed)', async () => {
    const urls = Array.from({ length: 16 }, (_, i) => web.url(`/page/sm-kill-${i}?delay=150`, i % 2));
    const sitemap = serveSitemap('kill.xml', urlset(urls));
    const out = path('killed.jsonl');
    const child = spawn(process.execPath, [cli, 'titles', '--sitemap', sitemap, '--output', out, '--concurrency', '2', '--per-host', '1'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(out) && readJsonl(out).length >= 4) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
      child.on('exit', () => reject(new Error('the run ended before it could be killed')));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const before = readJsonl(out);
    expect(before.length).toBeLessThan(urls.length);
    // The site changes its sitemap meanwhile: the run had read all of it, so it goes on with the list it read.
    serveSitemap('kill.xml', urlset([web.url('/page/sm-new'), ...urls.slice(1)]));
    const resumed = await runCli(['titles', '--sitemap', sitemap, '--output', out, '--resume', '--concurrency', '4']);
    expect(resumed.code).toBe(0);
    const after = readJsonl(out);
    // Nothing twice, nothing lost.
    expect(after.map((record) => record.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    for (const record of after) expect(record.url).toBe(urls[record.index]);
    for (const record of before) expect(after.find((other) => other.index === record.index)).toEqual(record);
  });

  it('a run stopped before it had read its sitemaps to the end keeps its list’s indices and reads the live sitemap for the rest', async () => {
    const urls = Array.from({ length: 8 }, (_, i) => web.url(`/page/sm-part-${i}`));
    const sitemap = serveSitemap('part.xml', urlset(urls));
    const out = path('part.jsonl');
    expect((await inProcess(['titles', '--sitemap', sitemap, '-o', out])).code).toBe(0);
    // As a kill while the sitemaps were still being read leaves it: the first 3 URLs listed and fetched, the rest not.
    const list = beside(out, '.titlewave-sitemap.txt');
    writeFileSync(list, `${urls.slice(0, 3).join('\n')}\n${urls[3]?.slice(0, 10)}`);
    const kept = readJsonl(out).filter((record) => record.index < 3);
    writeFileSync(out, kept.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const runRecord = beside(out, '.titlewave.json');
    writeFileSync(runRecord, JSON.stringify({ ...JSON.parse(readFileSync(runRecord, 'utf8')), entries: null, sitemaps: { names: [sitemap], complete: false } }));
    // Meanwhile the site put a new URL first.
    const added = web.url('/page/sm-part-new');
    serveSitemap('part.xml', urlset([added, ...urls]));
    const resumed = await inProcess(['titles', '--sitemap', sitemap, '-o', out, '--resume']);
    expect(resumed.code).toBe(0);
    const after = readJsonl(out).sort((a, b) => a.index - b.index);
    expect(after.map((record) => record.url)).toEqual([...urls.slice(0, 3), added, ...urls.slice(3)]);
    expect(after.map((record) => record.index)).toEqual(Array.from({ length: 9 }, (_, i) => i));
    expect(after.slice(0, 3)).toEqual(kept);
    const record = JSON.parse(readFileSync(runRecord, 'utf8')) as { sitemaps: { complete: boolean }; entries: { count: number } };
    expect(record.sitemaps.complete).toBe(true);
    expect(record.entries.count).toBe(9);
  });

  it('refuses --resume with other sitemaps than the run read', async () => {
    const one = serveSitemap('r1.xml', urlset([web.url('/page/r1')]));
    const two = serveSitemap('r2.xml', urlset([web.url('/page/r2')]));
    const out = path('other.jsonl');
    expect((await inProcess(['titles', '--sitemap', one, '-o', out])).code).toBe(0);
    const bytes = readFileSync(out);
    const refused = await inProcess(['titles', '--sitemap', two, '-o', out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/resume it with the same sitemaps/);
    expect(readFileSync(out)).toEqual(bytes);
    const again = await inProcess(['titles', '--sitemap', one, '-o', out, '--resume']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/1 already in the output/);
  });
});

describe('--proxy, --robots, --rate', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'http_proxy', 'https_proxy']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it.each([
    [['--rate', '0']],
    [['--rate', '1.5']],
    [['--rate', 'fast']],
    [['--robots', 'sometimes']],
    [['--proxy', 'ftp://user:s3cret@proxy.example']],
    [['--proxy', 'http://user:s3cret@proxy.example/path']],
  ])('bad value %j exits 2 without repeating a password', async (flags) => {
    const { code, stderr } = await inProcess(['titles', ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/);
    expect(stderr).not.toContain('s3cret');
  });

  it('refuses an unusable proxy in the environment, naming the variable, unless --no-proxy', async () => {
    process.env.HTTPS_PROXY = 'gopher://user:s3cret@proxy.example';
    const refused = await inProcess(['titles', '--sitemap', serveSitemap('env.xml', urlset([web.url('/page/env')]))]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/HTTPS_PROXY/);
    expect(refused.stderr).not.toContain('s3cret');
    const out = path('noproxy.jsonl');
    expect((await inProcess(['titles', '--sitemap', `${sitemapOrigin}/env.xml`, '--no-proxy', '-o', out])).code).toBe(0);
    expect(readJsonl(out)[0]?.title).toBe(web.titleFor('/page/env'));
  });

  it('sends requests and sitemap fetches through --proxy; its credentials appear nowhere', async () => {
    const proxy = await startHttpProxy({ credentials: 'dave:s3cret', hostMap: { 'pages.test': web.ports[0] as number, 'maps.test': Number(new URL(sitemapOrigin).port) } });
    try {
      serveSitemap('proxied.xml', urlset([`http://pages.test:${web.ports[0]}/page/proxied`]));
      const out = path('proxied.jsonl');
      const { code, stderr } = await inProcess(['titles', '--sitemap', `http://maps.test:${new URL(sitemapOrigin).port}/proxied.xml`, '--proxy', proxy.url, '-o', out]);
      expect(code).toBe(0);
      expect(readJsonl(out)[0]).toMatchObject({ title: web.titleFor('/page/proxied'), error: null });
      expect(proxy.carried).toHaveLength(2);
      const closed = new URL(await refusedUrl());
      const failing = path('failing.jsonl');
      const list = path('one.txt');
      writeFileSync(list, 'http://pages.test/page/x\n');
      const run = await inProcess(['titles', list, '--proxy', `http://dave:s3cret@127.0.0.1:${closed.port}`, '--retries', '0', '-o', failing]);
      expect(run.code).toBe(0);
      expect(readJsonl(failing)[0]?.error?.code).toBe('PROXY');
      for (const text of [stderr, run.stderr, readFileSync(failing, 'utf8'), readFileSync(beside(failing, '.titlewave.json'), 'utf8')]) expect(text).not.toContain('s3cret');
    } finally {
      await proxy.close();
    }
  });

  it('--robots respect gives disallowed URLs a ROBOTS record', async () => {
    const robots = web.addCase('robots-not-used', { body: '' });
    expect(robots).toContain('/case/');
    const server = createServer((request, response) => {
      if (request.url === '/robots.txt') response.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /secret\n');
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<title>open</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const list = path('robots.txt');
      writeFileSync(list, `${origin}/open\n${origin}/secret/page\n`);
      const out = path('robots.jsonl');
      expect((await inProcess(['titles', list, '--robots', 'respect', '--rate', '5', '-o', out])).code).toBe(0);
      const records = readJsonl(out).sort((a, b) => a.index - b.index);
      expect(records.map((record) => record.error?.code ?? record.title)).toEqual(['open', 'ROBOTS']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('xlsx outputs', () => {
  async function rowsOf(file: string | Buffer): Promise<unknown[][]> {
    const workbook = new ExcelJS.Workbook();
    if (typeof file === 'string') await workbook.xlsx.readFile(file);
    else await workbook.xlsx.load(file as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    workbook.getWorksheet('Titles')?.eachRow((row) => rows.push((row.values as unknown[]).slice(1, 6).map((value) => (value !== null && typeof value === 'object' && 'richText' in value ? (value as { richText: { text: string }[] }).richText.map((part) => part.text).join('') : value !== null && typeof value === 'object' && 'text' in value ? (value as { text: string }).text : value))));
    return rows;
  }

  it('-o FILE.xlsx writes a workbook from a journal beside it; --resume continues the journal and writes it again', async () => {
    const urls = [web.url('/page/x1'), web.url('/page/x2', 1)];
    const list = path('xlsx.txt');
    writeFileSync(list, `${urls.join('\n')}\n`);
    const out = path('titles.xlsx');
    expect((await inProcess(['titles', list, '-o', out, '--concurrency', '1'])).code).toBe(0);
    expect(await rowsOf(out)).toEqual([
      ['index', 'url', 'finalUrl', 'status', 'title'],
      [0, urls[0], urls[0], 200, web.titleFor('/page/x1')],
      [1, urls[1], urls[1], 200, web.titleFor('/page/x2', 1)],
    ]);
    const journal = beside(out, '.titlewave-records.jsonl');
    expect(readJsonl(journal)).toHaveLength(2);
    // Without --resume or --force an existing workbook is never touched.
    const bytes = readFileSync(out);
    expect((await inProcess(['titles', list, '-o', out])).code).toBe(2);
    expect(readFileSync(out)).toEqual(bytes);
    // As a kill leaves it: one record in the journal, the workbook not written again yet.
    writeFileSync(journal, `${readFileSync(journal, 'utf8').split('\n')[0]}\n`);
    const resumed = await inProcess(['titles', list, '-o', out, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/1 already in the output/);
    const rows = await rowsOf(out);
    expect(rows.slice(1).map((row) => row[1])).toEqual(urls);
    // A journal gone: the workbook cannot be continued, and is left as it is.
    rmSync(journal);
    const orphan = readFileSync(out);
    const refused = await inProcess(['titles', list, '-o', out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/journal of its records/);
    expect(readFileSync(out)).toEqual(orphan);
  });

  it('--format xlsx to a pipe writes the workbook there; to a terminal it is refused', async () => {
    const list = path('pipe.txt');
    writeFileSync(list, `${web.url('/page/piped')}\n`);
    const { code, stdout } = await runCli(['titles', list, '--format', 'xlsx']);
    expect(code).toBe(0);
    expect(stdout.subarray(0, 2).toString()).toBe('PK');
    expect((await rowsOf(stdout))[1]?.[4]).toBe(web.titleFor('/page/piped'));
    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      const refused = await inProcess(['titles', list, '--format', 'xlsx']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/writes a workbook, not text/);
    } finally {
      if (tty === undefined) delete (process.stdout as { isTTY?: boolean }).isTTY;
      else Object.defineProperty(process.stdout, 'isTTY', tty);
    }
  });
});
