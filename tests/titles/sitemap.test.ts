/** Sitemaps as input: urlsets, indexes, .xml.gz, robots.txt, plain text; XML bombs and every cap; streaming. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandSitemaps, type SitemapLimits, type SitemapProblem, type SitemapSource } from '../../src/titles/sitemap.js';

const ns = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const urlset = (urls: string[]): string => `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${ns}">${urls.map((url) => `<url><loc>${url}</loc></url>`).join('')}</urlset>`;
const index = (sitemaps: string[]): string => `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="${ns}">${sitemaps.map((url) => `<sitemap><loc>${url}</loc></sitemap>`).join('')}</sitemapindex>`;

const routes = new Map<string, (response: ServerResponse) => void>();
const hits: string[] = [];
/** The Authorization header of each request, by path. */
const authorizations = new Map<string, string | undefined>();
let server: Server;
let origin = '';
const work = mkdtempSync(join(tmpdir(), 'titlewave-sitemap-'));
const dispatcher = new Agent();

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    authorizations.set(request.url ?? '', request.headers.authorization);
    const route = routes.get(request.url ?? '');
    if (route === undefined) response.writeHead(404).end('missing');
    else route(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher.destroy();
  rmSync(work, { recursive: true, force: true });
});

const serve = (path: string, body: string | Buffer, headers: Record<string, string> = {}): string => {
  routes.set(path, (response) => response.writeHead(200, { 'content-type': 'application/xml', ...headers }).end(body));
  return origin + path;
};

async function expand(sources: SitemapSource[], limits: Partial<SitemapLimits> = {}): Promise<{ urls: string[]; problems: SitemapProblem[] }> {
  const problems: SitemapProblem[] = [];
  const urls: string[] = [];
  for await (const url of expandSitemaps(sources, { dispatcher, headers: { 'user-agent': 'Titlewave-test' }, limits, onProblem: (problem) => problems.push(problem) })) urls.push(url);
  return { urls, problems };
}

describe('sitemaps', () => {
  it('reads the <loc> of each <url>, decoding entities and CDATA, ignoring extensions such as image:loc', async () => {
    const xml = `<?xml version="1.0"?>
<urlset xmlns="${ns}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc> https://a.example/?x=1&amp;y=2 </loc><lastmod>2024-01-01</lastmod>
    <image:image><image:loc>https://a.example/photo.jpg</image:loc></image:image>
    <xhtml:link rel="alternate" hreflang="de" href="https://a.example/de"/></url>
  <url><loc><![CDATA[https://a.example/中文?q=<b>]]></loc></url>
</urlset>`;
    const { urls, problems } = await expand([{ url: serve('/plain.xml', xml) }]);
    expect(urls).toEqual(['https://a.example/?x=1&y=2', 'https://a.example/中文?q=<b>']);
    expect(problems).toEqual([]);
  });

  it('expands an index into its sitemaps in order: gzip files (.xml.gz), Content-Encoding gzip, relative locations', async () => {
    serve('/one.xml', urlset(['https://b.example/1', 'https://b.example/2']));
    serve('/two.xml.gz', zlib.gzipSync(urlset(['https://b.example/3'])), { 'content-type': 'application/gzip' });
    serve('/three.xml', zlib.gzipSync(urlset(['https://b.example/4'])), { 'content-encoding': 'gzip' });
    const top = serve('/index.xml', index([`${origin}/one.xml`, '/two.xml.gz', 'three.xml', `${origin}/index.xml`]));
    const { urls, problems } = await expand([{ url: top }]);
    expect(urls).toEqual(['https://b.example/1', 'https://b.example/2', 'https://b.example/3', 'https://b.example/4']);
    expect(problems).toEqual([]);
  });

  it('reads local files, gzip included, and uploads (bytes), and robots.txt Sitemap lines', async () => {
    const file = join(work, 'local.xml.gz');
    writeFileSync(file, zlib.gzipSync(urlset(['https://c.example/file'])));
    serve('/from-robots.xml', urlset(['https://c.example/robots']));
    const robots = serve('/robots.txt', `User-agent: *\nDisallow: /private\nSitemap: ${origin}/from-robots.xml\n`, { 'content-type': 'text/plain' });
    const { urls, problems } = await expand([{ path: file }, { name: 'upload.xml', bytes: new TextEncoder().encode(urlset(['https://c.example/upload'])) }, { url: robots }]);
    expect(urls).toEqual(['https://c.example/file', 'https://c.example/upload', 'https://c.example/robots']);
    expect(problems).toEqual([]);
  });

  it('takes the protocol’s plain-text form: one URL per line', async () => {
    const { urls } = await expand([{ name: 'urls.txt', bytes: new TextEncoder().encode('\uFEFFhttps://d.example/1\r\n\r\nhttps://d.example/2\n') }]);
    expect(urls).toEqual(['https://d.example/1', 'https://d.example/2']);
  });

  it('refuses a billion-laughs sitemap at once, as a problem, with no URL from it', async () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<urlset xmlns="${ns}"><url><loc>https://e.example/&lol9;</loc></url><url><loc>https://e.example/fine</loc></url></urlset>`;
    const { urls, problems } = await expand([{ url: serve('/bomb.xml', bomb) }, { url: serve('/after.xml', urlset(['https://e.example/after'])) }]);
    expect(urls).toEqual(['https://e.example/after']);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/DOCTYPE/);
  });

  it('says what is wrong with files that are not sitemaps, and goes on', async () => {
    serve('/html.xml', '<html><body>Not here</body></html>');
    serve('/broken.xml', `<urlset xmlns="${ns}"><url><loc>https://f.example/1</loc></url><url><loc>https://f.example/2`);
    serve('/corrupt.xml.gz', Buffer.concat([zlib.gzipSync(urlset(['https://f.example/x'])).subarray(0, 30), Buffer.from('junkjunk')]));
    const top = serve('/mixed-index.xml', index(['/html.xml', '/missing.xml', '/broken.xml', '/corrupt.xml.gz', 'ftp://f.example/x.xml']));
    const { urls, problems } = await expand([{ url: top }]);
    expect(urls).toEqual(['https://f.example/1']);
    const messages = Object.fromEntries(problems.map((problem) => [problem.sitemap.replace(origin, ''), problem.message]));
    expect(messages['/html.xml']).toMatch(/not a sitemap \(its root element is <html>\)/);
    expect(messages['/missing.xml']).toMatch(/HTTP 404/);
    expect(messages['/broken.xml']).toMatch(/not well-formed XML/);
    expect(messages['/corrupt.xml.gz']).toMatch(/gzip/);
    expect(messages['ftp://f.example/x.xml']).toMatch(/only http and https/);
  });

  it('stops at each cap with a message naming it', async () => {
    serve('/cap-a.xml', urlset(['https://g.example/1', 'https://g.example/2', 'https://g.example/3']));
    serve('/cap-b.xml', urlset(['https://g.example/4']));
    const top = serve('/cap-index.xml', index(['/cap-a.xml', '/cap-b.xml', '/cap-c.xml']));
    const perIndex = await expand([{ url: top }], { maxFilesPerIndex: 2 });
    expect(perIndex.urls).toHaveLength(4);
    expect(perIndex.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/lists 3 sitemaps; only the first 2 are read/)]);

    const capped = await expand([{ url: top }], { maxUrls: 2 });
    expect(capped.urls).toEqual(['https://g.example/1', 'https://g.example/2']);
    expect(capped.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/stopped at 2 URLs/)]);

    serve('/deep-3.xml', urlset(['https://g.example/deep']));
    serve('/deep-2.xml', index(['/deep-3.xml']));
    serve('/deep-1.xml', index(['/deep-2.xml']));
    const deep = await expand([{ url: serve('/deep-0.xml', index(['/deep-1.xml'])) }], { maxDepth: 2 });
    expect(deep.urls).toEqual([]);
    expect(deep.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/nested 3 levels deep \(the cap is 2\)/)]);
  });

  it('stops a gzip bomb at the inflated-bytes cap, and all files at the total cap', async () => {
    // 64 MiB of one URL repeated, gzipped to about 64 KiB.
    const line = '<url><loc>https://h.example/x</loc></url>';
    const body = `<urlset xmlns="${ns}">${line.repeat(Math.ceil((64 * 2 ** 20) / line.length))}</urlset>`;
    const bomb = serve('/bomb.xml.gz', zlib.gzipSync(body, { level: 9 }));
    const { urls, problems } = await expand([{ url: bomb }], { maxFileBytes: 2 ** 20, maxUrls: 10_000_000 });
    expect(urls.length).toBeGreaterThan(1000);
    expect(urls.length).toBeLessThan(2 ** 20 / line.length + 2);
    expect(problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/over 1 MiB once inflated/)]);

    const total = await expand([{ url: bomb }], { maxFileBytes: 2 ** 30, maxTotalBytes: 2 * 2 ** 20 });
    expect(total.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/cap for all sitemaps/)]);
  });

  it('reads nothing ahead: the next sitemap is fetched only when the caller wants more URLs', async () => {
    serve('/lazy-1.xml', urlset(['https://i.example/1']));
    serve('/lazy-2.xml', urlset(['https://i.example/2']));
    const top = serve('/lazy.xml', index(['/lazy-1.xml', '/lazy-2.xml']));
    hits.length = 0;
    const iterator = expandSitemaps([{ url: top }], { dispatcher, headers: {} });
    expect((await iterator.next()).value).toBe('https://i.example/1');
    expect(hits).toEqual(['/lazy.xml', '/lazy-1.xml']);
    await iterator.return(undefined);
    expect(hits).toEqual(['/lazy.xml', '/lazy-1.xml']);
  });
});

describe('credentials', () => {
  it('sends -H credentials to the origin of the sitemap given only: not to another origin an index lists or a redirect leads to', async () => {
    const seen: { path: string; authorization: string | undefined; cookie: string | undefined }[] = [];
    const other = createServer((request, response) => {
      seen.push({ path: request.url ?? '', authorization: request.headers.authorization, cookie: request.headers.cookie });
      response.writeHead(200, { 'content-type': 'application/xml' }).end(urlset([`https://b.example/${request.url?.slice(1) ?? ''}`]));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    routes.set('/creds-own.xml', (response) => response.writeHead(200, { 'content-type': 'application/xml' }).end(urlset(['https://a.example/own'])));
    routes.set('/creds-moved.xml', (response) => response.writeHead(301, { location: `${otherOrigin}/moved` }).end());
    const indexUrl = serve('/creds-index.xml', index([`${origin}/creds-own.xml`, `${otherOrigin}/listed`, `${origin}/creds-moved.xml`]));
    try {
      const urls: string[] = [];
      const headers = { 'user-agent': 'Titlewave-test', authorization: 'Bearer secret', Cookie: 'session=1' };
      for await (const url of expandSitemaps([{ url: indexUrl }], { dispatcher, headers })) urls.push(url);
      expect(urls).toEqual(['https://a.example/own', 'https://b.example/listed', 'https://b.example/moved']);
      expect([authorizations.get('/creds-index.xml'), authorizations.get('/creds-own.xml'), authorizations.get('/creds-moved.xml')]).toEqual(['Bearer secret', 'Bearer secret', 'Bearer secret']);
      expect(seen).toEqual([
        { path: '/listed', authorization: undefined, cookie: undefined },
        { path: '/moved', authorization: undefined, cookie: undefined },
      ]);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
