/**
 * The engine against the loopback fixture web: limits, fairness, retries, redirects, decoding, control, records.
 * Where order or pausing matters, pages answer only when the test releases them (gated-web.ts): no delays, no clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTitlesJob, type TitlesJobInit } from '../../src/titles/engine.js';
import type { TitleRecord, TitlesSummary } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startGatedWeb } from '../helpers/gated-web.js';

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb({ hosts: 4 });
});
afterAll(async () => {
  await web.close();
});

/** Wait (polling) until a condition holds; the machine may be busy, so no fixed sleeps. */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function runJob(lines: TitlesJobInit['lines'], init: Partial<TitlesJobInit> = {}): Promise<{ records: TitleRecord[]; summary: TitlesSummary }> {
  const records: TitleRecord[] = [];
  const job = startTitlesJob({ lines, onRecord: (record) => records.push(record), ...init, options: { retryBaseMs: 20, timeoutMs: 5000, ...init.options } });
  const summary = await job.done;
  return { records: records.sort((a, b) => a.index - b.index), summary };
}

describe('records', () => {
  it('gives one record per distinct entry, indexes in input order, duplicates counted once', async () => {
    web.resetStats();
    const lines = [web.url('/page/one'), '', web.url('/page/two#frag'), web.url('/page/one'), 'not a url', web.url('/page/two'), 'not a url', '  '];
    const { records, summary } = await runJob(lines);
    expect(records.map((r) => [r.index, r.url, r.title, r.error?.code ?? null])).toEqual([
      [0, web.url('/page/one'), web.titleFor('/page/one'), null],
      [1, web.url('/page/two#frag'), web.titleFor('/page/two'), null],
      [2, 'not a url', null, 'INVALID_URL'],
    ]);
    expect(summary).toMatchObject({ total: 3, done: 3, failed: 1, duplicates: 3, inputDone: true, cancelled: false, inFlight: 0 });
    expect(summary.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
    expect(web.hits('/page/one')).toBe(1);
    expect(web.hits('/page/two')).toBe(1);
  });

  it('fills every field of a record', async () => {
    const page = web.url('/page/fields?size=5000');
    const { records } = await runJob([page]);
    const record = records[0] as TitleRecord;
    expect(record).toEqual({
      index: 0,
      url: page,
      finalUrl: page,
      status: 200,
      title: web.titleFor('/page/fields'),
      ogTitle: null,
      description: 'A fixture page',
      canonical: null,
      lang: 'en',
      contentType: 'text/html; charset=utf-8',
      encoding: 'UTF-8',
      encodingSource: 'http',
      redirects: [],
      bytes: 5000,
      durationMs: expect.any(Number) as number,
      attempts: 1,
      error: null,
      staticTitle: web.titleFor('/page/fields'),
      rendered: false,
      renderMs: null,
      warning: null,
    });
  });

  it('reads og:title, description, canonical (against <base>) and <html lang>', async () => {
    const url = web.addCase('meta', {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<!doctype html><html lang="zh-CN"><head><base href="/docs/"><title>T</title><meta property="og:title" content="  OG \n title "><meta name="Description" content="What it is"><link rel="alternate canonical" href="page?x=1"></head><body><meta name="description" content="too late"></body></html>',
    });
    const { records } = await runJob([url]);
    expect(records[0]).toMatchObject({ title: 'T', ogTitle: 'OG title', description: 'What it is', canonical: `${web.origins[0]}/docs/page?x=1`, lang: 'zh-CN' });
  });

  it('reports an HTTP error page with its status and its title', async () => {
    const { records } = await runJob([web.url('/status/404'), web.url('/status/500')]);
    expect(records.map((r) => [r.status, r.title, r.error])).toEqual([
      [404, 'Error 404', null],
      [500, 'Error 500', null],
    ]);
  });

  it('decodes deflate without its zlib wrapper (raw), as browsers do', async () => {
    const { records } = await runJob([web.url('/page/raw?deflate=raw&size=20000'), web.url('/page/wrapped?deflate=1&size=20000')]);
    expect(records.map((r) => [r.title, r.error])).toEqual([
      [web.titleFor('/page/raw'), null],
      [web.titleFor('/page/wrapped'), null],
    ]);
  });

  it('decodes raw deflate whose first byte arrives alone', async () => {
    const { createServer } = await import('node:http');
    const { deflateRawSync } = await import('node:zlib');
    const body = deflateRawSync('<!doctype html><title>One byte first</title>');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' });
      res.write(body.subarray(0, 1), () => setTimeout(() => res.end(body.subarray(1)), 20));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { records } = await runJob([`http://127.0.0.1:${port}/`]);
    server.close();
    expect(records[0]).toMatchObject({ title: 'One byte first', error: null });
  });

  it('decodes gzip, deflate and brotli bodies and counts the bytes as they came over the wire', async () => {
    const { records } = await runJob([web.url('/page/g?gzip=1&size=20000'), web.url('/page/b?br=1&size=20000'), web.url('/page/d?deflate=1&size=20000')]);
    expect(records.map((r) => r.title)).toEqual([web.titleFor('/page/g'), web.titleFor('/page/b'), web.titleFor('/page/d')]);
    for (const record of records) expect(record.bytes).toBeLessThan(5000);
  });

  it('reads a small fraction of big pages with the title at the top', async () => {
    const { records } = await runJob([web.url('/page/big?size=8388608')]);
    expect(records[0]?.title).toBe(web.titleFor('/page/big'));
    expect(records[0]?.bytes).toBeLessThan(512 * 1024);
  });

  it('keeps reading for a title in the body, and reports a page without one as having no title', async () => {
    const { records } = await runJob([web.url('/page/late?titleAt=body&size=200000'), web.url('/page/none?titleAt=none&size=200000')]);
    expect(records.map((r) => [r.title, r.error])).toEqual([
      [web.titleFor('/page/late'), null],
      [null, null],
    ]);
  });
});

describe('fetching', () => {
  it('never exceeds the per-host limit, reuses connections, and serves a small host queued behind a big one at once', async () => {
    const gated = await startGatedWeb(2);
    try {
      const big = Array.from({ length: 60 }, (_, i) => gated.url(`/big${i}`, 0));
      const small = Array.from({ length: 6 }, (_, i) => gated.url(`/small${i}`, 1));
      const job = startTitlesJob({ lines: [...big, ...small], options: { concurrency: 6, perHost: 3, timeoutMs: 60_000 }, onRecord: () => undefined });
      // Nothing is answered yet: the big host gets its 3 slots, and the small one, 60 pages further down, the other 3.
      await gated.arrived(6);
      expect(gated.held(0)).toHaveLength(3);
      expect(gated.held(1).map((r) => r.path).sort()).toEqual(['/small0', '/small1', '/small2']);
      // Slots the small host frees go to its next pages: the big host is at its limit.
      gated.release((r) => r.host === 1);
      await gated.arrived(9);
      expect(gated.held(1).map((r) => r.path).sort()).toEqual(['/small3', '/small4', '/small5']);
      expect(gated.held(0)).toHaveLength(3);
      gated.open();
      const summary = await job.done;
      expect(summary).toMatchObject({ done: 66, failed: 0 });
      const [bigStats, smallStats] = gated.stats();
      expect(bigStats?.maxActive).toBe(3);
      expect(smallStats?.maxActive).toBe(3);
      expect(bigStats?.connections).toBeLessThanOrEqual(3);
    } finally {
      await gated.close();
    }
  });

  it('reads further ahead while free slots wait on a busy host, so hosts later in a long list are not starved', async () => {
    const gated = await startGatedWeb(2);
    try {
      const busy = Array.from({ length: 60 }, (_, i) => gated.url(`/busy${i}`, 0));
      const later = Array.from({ length: 6 }, (_, i) => gated.url(`/later${i}`, 1));
      const job = startTitlesJob({ lines: [...busy, ...later], lookahead: 10, options: { concurrency: 6, perHost: 2, timeoutMs: 60_000 }, onRecord: () => undefined });
      // With only 10 entries read ahead, the 'later' host would wait behind 50 pages of the busy one, none of which
      // is answered: its pages go out while the busy host's first two are still held.
      await gated.arrived(4);
      expect(gated.held(0)).toHaveLength(2);
      expect(gated.held(1)).toHaveLength(2);
      gated.open();
      expect((await job.done).done).toBe(66);
    } finally {
      await gated.close();
    }
  });

  it('follows redirects, records the chain, and moves across hosts', async () => {
    const { records } = await runJob([web.url('/redirect/2/x'), web.url('/redirect-host/2/y', 1)]);
    expect(records[0]).toMatchObject({
      finalUrl: web.url('/page/x'),
      title: web.titleFor('/page/x'),
      redirects: [
        { url: web.url('/redirect/2/x'), status: 302 },
        { url: web.url('/redirect/1/x'), status: 302 },
        { url: web.url('/redirect/0/x'), status: 302 },
      ],
    });
    expect(records[1]).toMatchObject({ finalUrl: web.url('/page/y', 2), title: web.titleFor('/page/y', 2), redirects: [{ url: web.url('/redirect-host/2/y', 1), status: 301 }] });
  });

  it('stops at 10 redirects and reports loops', async () => {
    // /redirect/N/... answers N + 1 redirects (N, N-1, ..., 0) before the page.
    const { records } = await runJob([web.url('/redirect/9/ok'), web.url('/redirect/10/no'), web.url('/loop/a')]);
    expect(records.map((r) => [r.error?.code ?? null, r.redirects.length])).toEqual([
      [null, 10],
      ['TOO_MANY_REDIRECTS', 11],
      ['REDIRECT_LOOP', 2],
    ]);
    expect(records[0]?.title).toBe(web.titleFor('/page/ok'));
  });

  it('retries 503 with backoff, and honours Retry-After', async () => {
    web.resetStats();
    const { records } = await runJob([web.url('/flaky/a?fail=2'), web.url('/flaky/b?fail=1&retryAfter=1')], { options: { retries: 2 } });
    expect(records.map((r) => [r.attempts, r.status, r.title])).toEqual([
      [3, 200, web.titleFor('/flaky/a')],
      [2, 200, web.titleFor('/flaky/b')],
    ]);
    expect(records[1]?.durationMs).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 503 or 429 whatever its content type, and a 500 too: the status decides before the type', async () => {
    web.resetStats();
    const { records } = await runJob([web.url('/flaky/plain?fail=1&failType=text/plain'), web.url('/flaky/json?fail=1&status=429&failType=application/json'), web.url('/flaky/500?fail=1&status=500')], {
      options: { retries: 2 },
    });
    expect(records.map((r) => [r.attempts, r.status, r.title, r.error])).toEqual([
      [2, 200, web.titleFor('/flaky/plain'), null],
      [2, 200, web.titleFor('/flaky/json'), null],
      [2, 200, web.titleFor('/flaky/500'), null],
    ]);
  });

  it('after the last retry, reports a 503 that is not a page as NOT_HTML with its status', async () => {
    const { records } = await runJob([web.url('/flaky/never?fail=9&failType=text/plain')], { options: { retries: 1 } });
    expect(records[0]).toMatchObject({ attempts: 2, status: 503, title: null, contentType: 'text/plain', error: { code: 'NOT_HTML' } });
  });

  it('caps Retry-After, and after the last retry reports the error page as it is', async () => {
    const { records } = await runJob([web.url('/flaky/c?fail=5&status=429&retryAfter=3600')], { options: { retries: 1, maxRetryDelayMs: 50 } });
    expect(records[0]).toMatchObject({ attempts: 2, status: 429, title: 'Try again (429)', error: null });
    expect(records[0]?.durationMs).toBeLessThan(30_000);
  });

  it('sends the user agent and extra headers', async () => {
    const url = web.addCase('echo', { headers: { 'content-type': 'text/html' }, body: '<title>ok</title>' });
    const seen: Record<string, string | string[] | undefined>[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'text/html');
      res.end('<title>headers</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { records } = await runJob([`http://127.0.0.1:${port}/`, url], { options: { userAgent: 'TestAgent/1', headers: { 'X-Extra': 'yes', Accept: 'text/html' } } });
    server.close();
    expect(records[0]?.title).toBe('headers');
    expect(seen[0]).toMatchObject({ 'user-agent': 'TestAgent/1', 'x-extra': 'yes', accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' });
  });
});

describe('credentials and redirects', () => {
  /** Two loopback servers (two ports: two origins) that record the headers of every request by path. */
  async function twoOrigins(): Promise<{ a: string; b: string; seen: Map<string, Record<string, string | string[] | undefined>>; close: () => void }> {
    const { createServer } = await import('node:http');
    const seen = new Map<string, Record<string, string | string[] | undefined>>();
    const origins: string[] = [];
    const servers = [0, 1].map((n) =>
      createServer((req, res) => {
        const path = req.url ?? '/';
        seen.set(`${n === 0 ? 'a' : 'b'}${path}`, req.headers);
        const to = (origin: number, target: string): void => {
          res.writeHead(302, { location: `${origins[origin]}${target}`, 'content-length': 0 });
          res.end();
        };
        if (path === '/cross') return to(1, '/landing');
        if (path === '/same') return to(0, '/landing');
        if (path === '/bounce') return to(1, '/back');
        if (path === '/back') return to(0, '/final');
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<title>${path}</title>`);
      }),
    );
    for (const server of servers) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origins.push(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    }
    return { a: origins[0] as string, b: origins[1] as string, seen, close: () => servers.forEach((server) => server.close()) };
  }
  const credentials = { Authorization: 'Bearer X', COOKIE: 'sid=Y', 'Proxy-Authorization': 'Basic Wg==', 'X-Extra': 'kept' };

  it('sends Authorization, Cookie and Proxy-Authorization on to the same origin only, and never again once dropped', async () => {
    const web2 = await twoOrigins();
    const { records } = await runJob([`${web2.a}/cross`, `${web2.a}/same`, `${web2.a}/bounce`], { options: { headers: credentials, userAgent: 'TestAgent/2' } });
    web2.close();
    expect(records.map((r) => [r.title, r.error])).toEqual([
      ['/landing', null],
      ['/landing', null],
      ['/final', null],
    ]);
    const withCredentials = { authorization: 'Bearer X', cookie: 'sid=Y', 'proxy-authorization': 'Basic Wg==', 'x-extra': 'kept', 'user-agent': 'TestAgent/2' };
    // The first request and a redirect to the same origin (scheme, host and port) carry them.
    expect(web2.seen.get('a/cross')).toMatchObject(withCredentials);
    expect(web2.seen.get('a/landing')).toMatchObject(withCredentials);
    // Another port is another origin: the credentials stay behind, the other headers go on.
    for (const key of ['b/landing', 'b/back', 'a/final']) {
      const headers = web2.seen.get(key);
      expect({ key, authorization: headers?.authorization, cookie: headers?.cookie, proxy: headers?.['proxy-authorization'] }).toEqual({ key, authorization: undefined, cookie: undefined, proxy: undefined });
      expect(headers).toMatchObject({ 'x-extra': 'kept', 'user-agent': 'TestAgent/2' });
    }
  });
});

describe('control', () => {
  it('pause starts no new requests; resume finishes the run', async () => {
    const gated = await startGatedWeb();
    try {
      const urls = Array.from({ length: 12 }, (_, i) => gated.url(`/p${i}`));
      const records: TitleRecord[] = [];
      const job = startTitlesJob({ lines: urls, options: { concurrency: 2, perHost: 2, timeoutMs: 60_000 }, onRecord: (r) => records.push(r) });
      await gated.arrived(2);
      job.pause();
      expect(job.progress().paused).toBe(true);
      // The requests in flight finish; then nothing new starts.
      gated.release();
      await until(() => records.length === 2 && job.progress().inFlight === 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(gated.arrivals).toHaveLength(2);
      expect(records).toHaveLength(2);
      gated.open();
      job.resume();
      const summary = await job.done;
      expect(summary.done).toBe(12);
      expect(records.map((r) => r.title).sort()).toEqual(urls.map((url) => gated.titleFor(new URL(url).pathname)).sort());
    } finally {
      await gated.close();
    }
  });

  it('cancel aborts in-flight requests, starts no more, and emits nothing after done', async () => {
    const urls = [web.url('/page/fast'), ...Array.from({ length: 20 }, (_, i) => web.url(`/hostile/never?n=${i}`, 2))];
    const controller = new AbortController();
    const records: TitleRecord[] = [];
    const job = startTitlesJob({ lines: urls, signal: controller.signal, options: { concurrency: 4, timeoutMs: 60_000 }, onRecord: (r) => records.push(r) });
    await until(() => records.length === 1 && job.progress().inFlight > 0);
    controller.abort();
    const summary = await job.done;
    expect(summary.cancelled).toBe(true);
    expect(summary.inFlight).toBe(0);
    const count = records.length;
    expect(records.map((r) => r.url)).toEqual([web.url('/page/fast')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(records.length).toBe(count);
  });

  it('skip (resume) leaves entries unfetched and without records, but counts them done', async () => {
    web.resetStats();
    const urls = ['bad line', web.url('/page/s0'), web.url('/page/s1'), web.url('/page/s2')];
    const seen: [number, string][] = [];
    const { records, summary } = await runJob(urls, {
      skip: (index, url) => {
        seen.push([index, url]);
        return index === 0 || index === 2;
      },
    });
    expect(seen).toEqual(urls.map((url, i) => [i, url]));
    expect(records.map((r) => r.index)).toEqual([1, 3]);
    expect(summary).toMatchObject({ total: 4, done: 4, failed: 0 });
    expect(web.hits('/page/s1')).toBe(0);
  });

  it('reads input lazily from an async source and reports progress as it goes', async () => {
    const snapshots: { total: number; inputDone: boolean; done: number }[] = [];
    let recordSeen: (() => void) | null = null;
    // The next line only once the page of the last one is done: the first records certainly come before the end of
    // the input.
    async function* linesOneByOne(): AsyncGenerator<string> {
      for (let i = 0; i < 5; i += 1) {
        const seen = new Promise<void>((resolve) => (recordSeen = resolve));
        yield web.url(`/page/lazy${i}`);
        await seen;
      }
    }
    let job: ReturnType<typeof startTitlesJob> | null = null;
    job = startTitlesJob({
      lines: linesOneByOne(),
      onRecord: () => {
        snapshots.push(job?.progress() ?? { total: 0, inputDone: false, done: 0 });
        recordSeen?.();
      },
    });
    const summary = await job.done;
    expect(summary).toMatchObject({ total: 5, done: 5, inputDone: true, etaMs: 0 });
    expect(snapshots.map((s) => [s.total, s.inputDone])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(summary.rate).toBeGreaterThan(0);
  });

  it('rejects impossible options', () => {
    expect(() => startTitlesJob({ lines: [], options: { concurrency: 0 }, onRecord: () => undefined })).toThrow(/concurrency/);
    expect(() => startTitlesJob({ lines: [], options: { retries: -1 }, onRecord: () => undefined })).toThrow(/retries/);
  });
});
