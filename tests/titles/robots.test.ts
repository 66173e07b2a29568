/** robots.txt respected: disallowed URLs get ROBOTS and are never requested; missing, broken and unreachable files; redirects; Crawl-delay. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startTitlesJob } from '../../src/titles/engine.js';
import { robotsToken } from '../../src/titles/robots.js';
import type { TitleRecord, TitlesOptions } from '../../src/titles/types.js';

interface Site {
  origin: string;
  /** Requests by path, in order. */
  requests: string[];
  close(): Promise<void>;
}

const sites: Site[] = [];
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => site.close()));
});

/** A loopback site whose /robots.txt is answered by `robots`, with pages everywhere else and /go?to=URL redirects. */
async function startSite(robots: (response: import('node:http').ServerResponse) => void): Promise<Site> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push(url);
    if (url === '/robots.txt') return robots(response);
    const to = new URL(url, 'http://x').searchParams.get('to');
    if (url.startsWith('/go?') && to !== null) {
      response.writeHead(302, { location: to, 'content-length': '0' }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<title>page ${url}</title>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const site: Site = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on('connection', (socket) => server.once('close', () => socket.destroy()));
  sites.push(site);
  return site;
}

const text = (body: string | Buffer, headers: Record<string, string> = {}) => (response: import('node:http').ServerResponse) => {
  response.writeHead(200, { 'content-type': 'text/plain', ...headers }).end(body);
};

async function titles(urls: string[], options: Partial<TitlesOptions> = {}): Promise<TitleRecord[]> {
  const records: TitleRecord[] = [];
  const job = startTitlesJob({ lines: urls, onRecord: (record) => records.push(record), options: { retries: 0, timeoutMs: 5000, proxy: 'direct', robots: 'respect', ...options } });
  await job.done;
  return records.sort((a, b) => a.index - b.index);
}

describe('robots.txt', () => {
  it('takes the product token from the user agent', () => {
    expect(robotsToken('Mozilla/5.0 (compatible; Titlewave)')).toBe('titlewave');
    expect(robotsToken('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')).toBe('googlebot');
    expect(robotsToken('MyChecker/1.2 (+https://example.com)')).toBe('mychecker');
  });

  it('gives a disallowed URL a ROBOTS record and never requests it; robots.txt is fetched once per origin', async () => {
    const site = await startSite(text('User-agent: *\nDisallow: /\n\nUser-agent: Titlewave\nDisallow: /private\nAllow: /private/ok\n'));
    const urls = ['/public/1', '/private/secret', '/public/2', '/private/ok/x', '/private?q=1'].map((path) => site.origin + path);
    const records = await titles(urls);
    expect(records.map((record) => [record.url.slice(site.origin.length), record.error?.code ?? null])).toEqual([
      ['/public/1', null],
      ['/private/secret', 'ROBOTS'],
      ['/public/2', null],
      ['/private/ok/x', null],
      ['/private?q=1', 'ROBOTS'],
    ]);
    expect(records[1]).toMatchObject({ status: null, finalUrl: null, attempts: 0, title: null });
    expect(records[1]?.error?.message).toMatch(/robots\.txt disallows it for titlewave \(line 5\)/);
    expect(site.requests.filter((path) => path === '/robots.txt')).toHaveLength(1);
    expect(site.requests.some((path) => path.startsWith('/private/secret') || path.startsWith('/private?'))).toBe(false);
  });

  it('is not requested at all when ignored (the default)', async () => {
    const site = await startSite(text('User-agent: *\nDisallow: /\n'));
    const records = await titles([`${site.origin}/a`], { robots: 'ignore' });
    expect(records[0]?.error).toBeNull();
    expect(site.requests).toEqual(['/a']);
  });

  it('allows everything when robots.txt is missing, broken, or past 500 KiB', async () => {
    const missing = await startSite((response) => response.writeHead(404).end('no'));
    const forbidden = await startSite((response) => response.writeHead(403).end('no'));
    const garbage = await startSite(text(Buffer.from([0, 1, 2, 255, 254, 10, 60, 104, 116, 109, 108, 62])));
    const huge = await startSite(text(`${'# filler\n'.repeat(60_000)}User-agent: *\nDisallow: /\n`));
    const records = await titles([missing, forbidden, garbage, huge].map((site) => `${site.origin}/page`));
    expect(records.map((record) => record.error)).toEqual([null, null, null, null]);
  });

  it('reads a gzip-encoded robots.txt', async () => {
    const site = await startSite(text(zlib.gzipSync('User-agent: *\nDisallow: /no\n'), { 'content-encoding': 'gzip' }));
    const records = await titles([`${site.origin}/no`, `${site.origin}/yes`]);
    expect(records.map((record) => record.error?.code ?? null)).toEqual(['ROBOTS', null]);
  });

  it('reads the first 500 KiB of a brotli or gzip robots.txt that inflates past them, a bomb too, and nothing more', async () => {
    // Rules first, then filler: over the cap once inflated. The bomb inflates to 256 MiB from a few hundred KiB.
    const rules = 'User-agent: *\nDisallow: /no\n';
    const br = await startSite(text(zlib.brotliCompressSync(`${rules}${'# filler\n'.repeat(120_000)}`), { 'content-encoding': 'br' }));
    const bomb = await startSite(text(zlib.gzipSync(Buffer.concat([Buffer.from(rules), Buffer.alloc(256 * 2 ** 20, '#')]), { level: 9 }), { 'content-encoding': 'gzip' }));
    const records = await titles([`${br.origin}/no`, `${br.origin}/yes`, `${bomb.origin}/no`, `${bomb.origin}/yes`]);
    expect(records.map((record) => record.error?.code ?? null)).toEqual(['ROBOTS', null, 'ROBOTS', null]);
  });

  it('disallows everything when robots.txt is unreachable (5xx, or no answer in time), as RFC 9309 says', async () => {
    const failing = await startSite((response) => response.writeHead(503).end('busy'));
    const silent = await startSite(() => undefined);
    const records = await titles([`${failing.origin}/a`, `${silent.origin}/b`], { timeoutMs: 1000 });
    expect(records.map((record) => record.error?.code)).toEqual(['ROBOTS', 'ROBOTS']);
    expect(records[0]?.error?.message).toMatch(/answered 503/);
    expect(records[1]?.error?.message).toMatch(/could not be fetched/);
    expect(failing.requests).toEqual(['/robots.txt']);
  });

  it('checks a redirect’s target against its own robots.txt', async () => {
    const target = await startSite(text('User-agent: *\nDisallow: /closed\n'));
    const start = await startSite((response) => response.writeHead(404).end());
    const records = await titles([`${start.origin}/go?to=${encodeURIComponent(`${target.origin}/closed`)}`, `${start.origin}/go?to=${encodeURIComponent(`${target.origin}/open`)}`], { concurrency: 1 });
    expect(records[0]).toMatchObject({ finalUrl: `${target.origin}/closed`, error: { code: 'ROBOTS' } });
    expect(records[0]?.redirects).toHaveLength(1);
    expect(records[1]).toMatchObject({ finalUrl: `${target.origin}/open`, error: null, title: 'page /open' });
    expect(target.requests).toEqual(['/robots.txt', '/open']);
  });
});

describe('Crawl-delay', () => {
  let server: ChildProcess | null = null;
  afterEach(() => {
    server?.kill();
    server = null;
  });

  // Tried again when it fails: on a machine too busy to schedule the process that stamps arrivals, requests wait in
  // its socket and are stamped together when it runs (a burst never sent). A pacing bug fails every try.
  it('spaces a host’s requests by its Crawl-delay for our user agent', { timeout: 20_000, retry: 2 }, async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'helpers', 'arrival-server.mjs'), '1'], {
      env: { ...process.env, ROBOTS_TXT: 'User-agent: titlewave\nCrawl-delay: 0.4\n\nUser-agent: *\nCrawl-delay: 30\n' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    server = child;
    const line = await new Promise<string>((resolve) => {
      let received = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('\n')) resolve(received.split('\n')[0] as string);
      });
    });
    const { ports, control } = JSON.parse(line) as { ports: number[]; control: number };
    const urls = Array.from({ length: 5 }, (_, i) => `http://127.0.0.1:${ports[0]}/page/${i}`);
    const records = await titles(urls, { perHost: 5 });
    expect(records.every((record) => record.error === null)).toBe(true);
    const [log] = (await (await fetch(`http://127.0.0.1:${control}/arrivals`)).json()) as { at: number; path: string }[][];
    expect(log?.map((arrival) => arrival.path)[0]).toBe('/robots.txt');
    const pages = (log ?? []).filter((arrival) => arrival.path !== '/robots.txt').map((arrival) => arrival.at);
    expect(pages).toHaveLength(5);
    for (let i = 1; i < pages.length; i += 1) expect((pages[i] as number) - (pages[i - 1] as number)).toBeGreaterThanOrEqual(400);
  });
});
