/**
 * Hostile input on loopback servers: each case gives a record with a clear error code, the run goes on around it,
 * and memory stays bounded.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContentType } from '../../src/titles/charset.js';
import { startTitlesJob } from '../../src/titles/engine.js';
import { PageReader } from '../../src/titles/page.js';
import type { TitleRecord, TitlesSummary } from '../../src/titles/types.js';
import { refusedUrl, startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb({ hosts: 2 });
});
afterAll(async () => {
  await web.close();
});

function heapMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function run(lines: string[], options = {}): Promise<{ byUrl: Map<string, TitleRecord>; summary: TitlesSummary }> {
  const byUrl = new Map<string, TitleRecord>();
  const job = startTitlesJob({ lines, options: { timeoutMs: 1000, retries: 0, ...options }, onRecord: (record) => byUrl.set(record.url, record) });
  return { byUrl, summary: await job.done };
}

describe('hostile input', () => {
  it('each hostile server gives a clear error, the run goes on, and memory stays bounded', async () => {
    const refused = await refusedUrl('/nothing-here');
    // Only these two need the deadline to end; the others end on their own, so they get a deadline no busy machine
    // reaches (eleven redirects in a row must not depend on how loaded the machine is).
    const endedByTheDeadline: [string, string | null][] = [
      [web.url('/hostile/never'), 'TIMEOUT'],
      [web.url('/hostile/drip'), 'TIMEOUT'],
    ];
    const endingOnTheirOwn: [string, string | null][] = [
      [web.url('/hostile/reset'), 'RESET'],
      [web.url('/loop/a'), 'REDIRECT_LOOP'],
      [web.url('/redirect/15/far'), 'TOO_MANY_REDIRECTS'],
      [web.url('/hostile/binary'), 'NOT_HTML'],
      [web.url('/hostile/binary?type=none'), 'NOT_HTML'],
      [web.url('/hostile/json'), 'NOT_HTML'],
      [web.url('/hostile/huge-headers'), 'TOO_LARGE'],
      [refused, 'CONNECT'],
      // Bad charset labels are ignored as browsers ignore them: the page still has its title.
      [web.url('/hostile/bad-charset'), null],
    ];
    const cases = [...endedByTheDeadline, ...endingOnTheirOwn];
    const fine = [web.url('/page/before', 1), web.url('/page/after', 1)];
    const heapBefore = heapMiB();
    const rssBefore = process.memoryUsage().rss;
    const [quick, slow] = await Promise.all([
      run(endedByTheDeadline.map(([url]) => url), { timeoutMs: 1000 }),
      run([fine[0] as string, ...endingOnTheirOwn.map(([url]) => url), fine[1] as string], { timeoutMs: 60_000 }),
    ]);
    const byUrl = new Map([...quick.byUrl, ...slow.byUrl]);
    const heapAfter = heapMiB();

    for (const [url, code] of cases) {
      const record = byUrl.get(url);
      expect({ url, code: record?.error?.code ?? null }).toEqual({ url, code });
      if (code !== null) expect(record?.error?.message.length).toBeGreaterThan(5);
    }
    expect(byUrl.get(web.url('/hostile/bad-charset'))).toMatchObject({ title: 'Café', encoding: 'windows-1252', encodingSource: 'default' });
    for (const url of fine) expect(byUrl.get(url)?.title).toBe(web.titleFor(new URL(url).pathname, 1));
    expect(quick.summary).toMatchObject({ done: endedByTheDeadline.length, failed: endedByTheDeadline.length, cancelled: false });
    expect(slow.summary).toMatchObject({ done: endingOnTheirOwn.length + 2, failed: endingOnTheirOwn.length - 1, cancelled: false });

    // The bodies were not read: a few chunks at most, not the 512 MiB or the 1 GiB.
    expect(byUrl.get(web.url('/hostile/binary'))?.bytes).toBeLessThan(256 * 1024);
    expect(byUrl.get(web.url('/hostile/binary?type=none'))?.bytes).toBeLessThan(256 * 1024);
    expect(heapAfter - heapBefore).toBeLessThan(32);
    expect((process.memoryUsage().rss - rssBefore) / 1024 / 1024).toBeLessThan(400);
  });

  it('many gzip bombs and binaries at once stay within a bounded amount of memory', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? web.url(`/hostile/gzip-bomb?n=${i}`) : web.url(`/hostile/binary?type=none&n=${i}`)));
    const heapBefore = heapMiB();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
    const rssBefore = process.memoryUsage().rss;
    const { byUrl } = await run(lines, { timeoutMs: 60_000 });
    clearInterval(sampler);
    expect([...byUrl.values()].map((r) => r.error?.code).sort()).toEqual([...Array(6).fill('NOT_HTML'), ...Array(6).fill('TOO_LARGE')]);
    // Each bomb: a few hundred KiB of gzip read, not the whole megabyte (nor the gibibyte it inflates to).
    for (const record of byUrl.values()) if (record.error?.code === 'TOO_LARGE') expect(record.bytes).toBeLessThan(2 * 1024 * 1024);
    expect(heapMiB() - heapBefore).toBeLessThan(32);
    expect((peakRss - rssBefore) / 1024 / 1024).toBeLessThan(400);
  });

  it('retries a reset connection and a timeout, then reports them', async () => {
    web.resetStats();
    const { byUrl } = await run([web.url('/hostile/reset?r=1'), web.url('/hostile/never?r=1')], { retries: 2, retryBaseMs: 10, timeoutMs: 300 });
    expect(byUrl.get(web.url('/hostile/reset?r=1'))).toMatchObject({ attempts: 3, error: { code: 'RESET' } });
    expect(byUrl.get(web.url('/hostile/never?r=1'))).toMatchObject({ attempts: 3, error: { code: 'TIMEOUT' } });
    expect(web.hits('/hostile/reset?r=1')).toBe(3);
  });

  it('a certificate nobody vouches for is a TLS error, and the run goes on', async () => {
    const server = createHttpsServer({ key: selfSignedKey, cert: selfSignedCert }, (_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<title>should not be read</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { byUrl } = await run([url, web.url('/page/after-tls')]);
    server.close();
    expect(byUrl.get(url)).toMatchObject({ title: null, error: { code: 'TLS' } });
    expect(byUrl.get(web.url('/page/after-tls'))?.title).toBe(web.titleFor('/page/after-tls'));
  });

  it('every invalid line kind gives INVALID_URL without a request', async () => {
    const lines = ['javascript:alert(document.cookie)', 'file:///etc/passwd', 'ftp://example.com/', 'data:text/html,<title>x</title>', 'http://', 'https:///', 'free text here', 'mailto:a@b.example'];
    const { byUrl, summary } = await run(lines);
    for (const line of lines) expect({ line, code: byUrl.get(line)?.error?.code }).toEqual({ line, code: 'INVALID_URL' });
    for (const record of byUrl.values()) expect(record).toMatchObject({ status: null, finalUrl: null, attempts: 0, bytes: 0 });
    expect(summary.failed).toBe(lines.length);
  });
});

describe('bodies with no title', () => {
  const mebibytes = (n: number): number => n * 1024 * 1024;

  it('are read up to the cap whatever fills them, and markup nested too deep ends the read too', async () => {
    const fills = ['text', 'run', 'comment', 'attr', 'tags'];
    const urls = fills.map((fill) => web.url(`/page/none-${fill}?titleAt=none&fill=${fill}&size=${mebibytes(10)}`));
    const nested = web.url(`/page/nested?titleAt=none&fill=nest&size=${mebibytes(10)}`);
    const { byUrl } = await run([...urls, nested], { timeoutMs: 60_000 });
    for (const url of urls) {
      const record = byUrl.get(url);
      expect({ url, code: record?.error?.code, title: record?.title }).toEqual({ url, code: 'TOO_LARGE', title: null });
      expect(record?.error?.message).toMatch(/first 4096 KiB/);
      // The 4 MiB read, and what was on its way when the reader stopped; not the 10 MiB.
      expect(record?.bytes).toBeLessThan(mebibytes(6));
    }
    const deep = byUrl.get(nested);
    expect(deep).toMatchObject({ title: null, error: { code: 'TOO_LARGE' } });
    expect(deep?.error?.message).toMatch(/nested more than \d+ elements deep/);
    expect(deep?.bytes).toBeLessThan(mebibytes(1));
  }, 120_000);

  it('are parsed in memory proportional to a small window, not to the page', () => {
    const size = mebibytes(4);
    const fill = (unit: string, prefix = ''): string => prefix + unit.repeat(Math.ceil(size / Buffer.byteLength(unit)));
    const head = '<!doctype html><html><head><meta charset="utf-8">';
    const bodies: Record<string, string> = {
      'text with no space or tag': fill('没有空格也没有标签的长文本', `${head}<body><p>`),
      whitespace: fill(' \n', `${head}<body><p>x`),
      'one comment': fill('a comment that never ends ', `${head}<body><!--`),
      'one attribute': fill('QUJDREVGR0hJSktMTU5PUA', `${head}<body><img src="data:image/png;base64,`),
      'one bogus comment': fill('never closed ', `${head}<body><!x `),
      'void elements': fill('<br><img alt=x>', `${head}<body>`),
      'elements closed in turn': fill('<div><span>x</span></div>', `${head}<body>`),
      'elements fostered out of a table': fill('<div></div>', `${head}<body><table>`),
      'titles in table cells': fill('<td><title>In a cell</title></td>', `${head}<body><table><tr>`),
      'titles in templates': fill('<template><title>In a template</title></template>', `${head}<body>`),
      'a script in the head': fill('var a = "<\u00e9>"; ', `${head}<script>`),
    };
    for (const [kind, text] of Object.entries(bodies)) {
      const bytes = Buffer.from(text);
      const reader = new PageReader('http://example.test/', parseContentType('text/html; charset=utf-8'), size);
      const before = heapMiB();
      let grew = 0;
      for (let offset = 0, piece = 0; offset < bytes.length && reader.wantsMore; offset += 16 * 1024, piece += 1) {
        reader.push(bytes.subarray(offset, offset + 16 * 1024));
        if (piece % 64 === 63) grew = Math.max(grew, heapMiB() - before);
      }
      const page = reader.end();
      // What is kept while parsing (what the garbage collector cannot free), at a few points on the way.
      expect({ kind, grewUnder16MiB: grew < 16, cappedBy: page.cappedBy }).toEqual({ kind, grewUnder16MiB: true, cappedBy: 'bytes' });
    }
  });

  it('inflates a deflate (zlib or raw) or brotli bomb no further than the cap, and stops reading gzip that inflates to nothing', async () => {
    const bombs = [web.url('/hostile/deflate-bomb'), web.url('/hostile/deflate-bomb?raw=1'), web.url('/hostile/brotli-bomb')];
    const empty = web.url('/hostile/empty-blocks');
    const { byUrl } = await run([...bombs, empty], { timeoutMs: 60_000 });
    for (const url of bombs) {
      const record = byUrl.get(url);
      expect({ url, code: record?.error?.code }).toEqual({ url, code: 'TOO_LARGE' });
      expect(record?.bytes).toBeLessThan(mebibytes(1));
    }
    // Empty stored blocks, forever: the cap on bytes read from the network ends it, not the deadline.
    expect(byUrl.get(empty)).toMatchObject({ title: null, error: { code: 'TOO_LARGE' } });
    expect(byUrl.get(empty)?.bytes).toBeLessThan(mebibytes(6));
  }, 120_000);

  it('refuses a pile of content codings without decoding any', async () => {
    const url = web.url('/hostile/many-codings');
    const { byUrl } = await run([url]);
    expect(byUrl.get(url)).toMatchObject({ title: null, error: { code: 'PROTOCOL' } });
    expect(byUrl.get(url)?.error?.message).toMatch(/1000 content codings/);
  });
});

describe('answers cut short', () => {
  it('headers that drip end with TIMEOUT', async () => {
    const url = web.url('/hostile/drip-headers');
    const { byUrl } = await run([url], { timeoutMs: 300 });
    expect(byUrl.get(url)).toMatchObject({ status: null, title: null, error: { code: 'TIMEOUT' } });
  });

  it('a body reset after its </title> keeps the title read, records RESET, and is not tried again', async () => {
    web.resetStats();
    const url = web.url('/hostile/reset-after-title');
    const { byUrl } = await run([url], { retries: 2, retryBaseMs: 10, timeoutMs: 30_000 });
    expect(byUrl.get(url)).toMatchObject({
      status: 200,
      title: 'Cut short after the title',
      description: 'Read before the cut',
      lang: 'en',
      attempts: 1,
      error: { code: 'RESET' },
    });
    expect(web.hits('/hostile/reset-after-title')).toBe(1);
  });

  it('a body that drips after its </title> keeps the title read and records TIMEOUT', async () => {
    const url = web.url('/hostile/drip-after-title');
    // Long enough for the title to arrive on a busy machine; only the deadline ends the drip.
    const { byUrl } = await run([url], { timeoutMs: 2000 });
    expect(byUrl.get(url)).toMatchObject({ title: 'Dripping after the title', error: { code: 'TIMEOUT' } });
  });

  it('a body reset inside its <title> gives no title: the title read is incomplete', async () => {
    const url = web.url('/hostile/reset?r=title');
    const { byUrl } = await run([url], { timeoutMs: 30_000 });
    expect(byUrl.get(url)).toMatchObject({ title: null, error: { code: 'RESET' } });
  });
});

// A self-signed test certificate (EC P-256, valid until 2126) made with openssl for this test only.
const selfSignedKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQga+iCTSDWDS93hPda
QnTR5JUcUQ1raUjzO1ARZ1qvT/qhRANCAAQUtEUVSoqnzMGeOzTOjcp1FSdICZdO
x/Bjg/vUf4LGl1n6GNIb4wAoJkUGTANdMadzkiJd28JQO7LD3IsPAd4h
-----END PRIVATE KEY-----`;
const selfSignedCert = `-----BEGIN CERTIFICATE-----
MIIBijCCAS+gAwIBAgIUR9KXX/Wz1Q2pK2bExO/hk7FrX2kwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOdGl0bGV3YXZlLnRlc3QwIBcNMjYxMTI3MDQwMzUwWhgPMjEy
NjExMDMwNDAzNTBaMBkxFzAVBgNVBAMMDnRpdGxld2F2ZS50ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEFLRFFUqKp8zBnjs0zo3KdRUnSAmXTsfwY4P71H+C
xpdZ+hjSG+MAKCZFBkwDXTGnc5IiXdvCUDuyw9yLDwHeIaNTMFEwHQYDVR0OBBYE
FImMJ6y1HgWSqnUm0w8byc4RERoQMB8GA1UdIwQYMBaAFImMJ6y1HgWSqnUm0w8b
yc4RERoQMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAKOOyZxR
NqSWbR7cg/5hLI9HisaSWVouUeaezGUOgY2AAiEA7ZjtqXdlrn+Q7D7XWuZv/h33
W1pLEHheiPxKnSzr5o8=
-----END CERTIFICATE-----`;
