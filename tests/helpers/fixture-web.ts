/**
 * A fixture web on loopback for tests and benchmarks: several ports standing for several hosts, each counting its
 * concurrent requests, with pages of any size, delay and title, redirects, flaky pages, raw byte-exact cases, and
 * the hostile behaviours a crawler meets (never answers, drips, resets, loops, bombs, binaries, huge headers).
 *
 * Routes (on every host; `?query` parameters are optional):
 *   /page/<anything>?delay=MS&size=BYTES&status=N&title=T&titleAt=head|body|none&gzip=1|br=1|deflate=1|deflate=raw
 *                    &type=MIME|none&fill=text|run|comment|attr|nest|tags&script=1
 *                                  an HTML page (UTF-8) whose title is `fixture.titleFor(path, host)` unless `title=`;
 *                                  `fill` is what fills its body: paragraphs of text (the default), one run of CJK
 *                                  text with no space or tag, one comment, one attribute value, <div>s nested
 *                                  without end, or small elements (<div><span>x</span></div> again and again);
 *                                  `script=1` puts a <script defer src> in its head, as an app's page has
 *   /status/<code>                 an HTML error page with that status, titled "Error <code>"
 *   /redirect/<n>/<rest>           302 to /redirect/<n-1>/<rest>, and at 0 to /page/<rest>
 *   /redirect-host/<host>/<rest>   301 to /page/<rest> on fixture host number <host>
 *   /loop/a, /loop/b               redirect to each other forever
 *   /flaky/<key>?fail=N&status=S&retryAfter=SEC&failType=MIME
 *                                  the first N requests (per key) answer S (503), as HTML or with a body of type
 *                                  `failType`, then a page
 *   /case/<id>                     a case registered with addCase: status, headers and body bytes exactly
 *   /hostile/never                 accepts the request and never answers
 *   /hostile/drip                  sends "<title>Drip" and then one byte every `dripMs` forever
 *   /hostile/drip-after-title      sends a whole <title>, then one byte every `dripMs` forever
 *   /hostile/drip-headers          sends the status line, then one header byte every `dripMs` forever
 *   /hostile/reset                 sends the start of a page, then resets the connection (TCP RST)
 *   /hostile/reset-after-title     sends a page's head up to its </title>, then resets the connection
 *   /hostile/gzip-bomb             ~1 MiB of gzip that inflates to 1 GiB of HTML with no title
 *   /hostile/deflate-bomb?raw=1    deflate (zlib-wrapped, or raw with raw=1) that inflates to 32 MiB of HTML with no title
 *   /hostile/brotli-bomb           the same as br
 *   /hostile/empty-blocks          gzip that never ends and inflates to nothing (empty stored blocks, forever)
 *   /hostile/many-codings          "Content-Encoding: gzip, gzip, ..." 1000 times
 *   /hostile/binary                512 MiB of random bytes as application/octet-stream (`?type=none`: no type)
 *   /hostile/json                  a JSON document
 *   /hostile/bad-charset           bogus charset labels in the header and in <meta>
 *   /hostile/huge-headers          a 1 MiB response header
 *   /hostile/xss-title             a title made of markup, which must stay text
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

export interface FixtureWebOptions {
  /** Ports to open, each standing for one host (default 1). */
  hosts?: number;
  /** Delay before a /page answers, in ms (default 0; `?delay=` overrides). */
  delayMs?: number;
  /** Size of a /page in bytes (default 2048; `?size=` overrides). */
  pageBytes?: number;
  /** Interval between the bytes of /hostile/drip (default 500 ms). */
  dripMs?: number;
  /** Count requests per path for `hits()` (default true; benchmarks with huge runs may turn it off). */
  trackHits?: boolean;
}

export interface PortStats {
  host: number;
  port: number;
  requests: number;
  /** TCP connections accepted (fewer than requests when clients reuse connections). */
  connections: number;
  /** Requests being answered right now. */
  active: number;
  /** Most requests answered at the same time since start (or `resetStats`). */
  maxActive: number;
  /** When the first request since start (or `resetStats`) arrived, and when the last answer was sent: ms, epoch. */
  firstRequestAt: number | null;
  lastAnswerAt: number | null;
}

export interface FixtureCase {
  status?: number;
  headers?: Record<string, string>;
  body: Uint8Array | string;
}

export interface FixtureWeb {
  /** Base URLs, one per host: http://127.0.0.1:<port>. */
  readonly origins: readonly string[];
  readonly ports: readonly number[];
  /** Absolute URL of `path` on host number `host` (default 0). */
  url(path: string, host?: number): string;
  /** The title /page/<...> pages get by default. */
  titleFor(path: string, host?: number): string;
  stats(): PortStats[];
  /** Requests for `path` (pathname and query as requested) on one host, or on all hosts when `host` is omitted. */
  hits(path: string, host?: number): number;
  resetStats(): void;
  /** Serve exactly these bytes at /case/<id>. */
  addCase(id: string, fixtureCase: FixtureCase): string;
  close(): Promise<void>;
}

/** A loopback URL on a port nothing listens on (connections are refused). */
export async function refusedUrl(path = '/'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

const filler = Buffer.from(
  '<p>Titlewave fixture text: the quick brown fox jumps over the lazy dog, and again, and again, filling the page.</p>\n'.repeat(64),
);

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `size` bytes of page body filler (repeats of a paragraph, cut to size). */
function fillerOf(size: number): Buffer[] {
  const parts: Buffer[] = [];
  let left = size;
  while (left > 0) {
    const part = filler.subarray(0, Math.min(left, filler.length));
    parts.push(part);
    left -= part.length;
  }
  return parts;
}

/** `size` bytes of one kind of title-less body (see `fill=` in the route list above). */
function bodyFill(kind: string, size: number): Buffer[] {
  const repeatTo = (unit: string, prefix = '', suffix = ''): Buffer[] => {
    const unitBytes = Buffer.from(unit);
    const count = Math.max(0, Math.floor((size - Buffer.byteLength(prefix) - Buffer.byteLength(suffix)) / unitBytes.length));
    const block = Buffer.from(unit.repeat(Math.max(1, Math.floor(65536 / unitBytes.length))));
    const parts: Buffer[] = [Buffer.from(prefix)];
    let left = count * unitBytes.length;
    while (left > 0) {
      const part = block.subarray(0, Math.min(left, block.length));
      parts.push(part);
      left -= part.length;
    }
    parts.push(Buffer.from(suffix));
    return parts;
  };
  switch (kind) {
    case 'run':
      return repeatTo('没有空格也没有标签的长文本');
    case 'comment':
      return repeatTo('a comment that never ends ', '<!--', '-->');
    case 'attr':
      return repeatTo('QUJDREVGR0hJSktMTU5PUA', '<img src="data:image/png;base64,', '">');
    case 'nest':
      return repeatTo('<div>');
    case 'tags':
      return repeatTo('<div><span>x</span></div>\n');
    default:
      return fillerOf(size);
  }
}

/** A gzip member header: what follows is its deflate data. */
const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
/** A deflate stored block that is not the last and holds nothing (BFINAL 0, BTYPE 00, LEN 0, NLEN 0xFFFF). */
const emptyStoredBlocks = Buffer.concat(Array.from({ length: 13107 }, () => Buffer.from([0, 0, 0, 0xff, 0xff])));

let gzipBomb: Buffer | null = null;
/** Gzip members concatenated (a valid gzip stream): a page start, then 1024 members of 1 MiB of "a" each. */
function gzipBombBytes(): Buffer {
  if (gzipBomb === null) {
    const start = zlib.gzipSync('<!doctype html><html><head><script>');
    const mebibyte = zlib.gzipSync(Buffer.alloc(1024 * 1024, 'a'), { level: 9 });
    gzipBomb = Buffer.concat([start, ...Array.from({ length: 1024 }, () => mebibyte)]);
  }
  return gzipBomb;
}

const otherBombs = new Map<string, Buffer>();
/** A page start, then 32 MiB of "a" with no title (8 times the cap on inflated bytes): as zlib-wrapped deflate, raw deflate or brotli. */
function bombBytes(coding: 'deflate' | 'deflate-raw' | 'br'): Buffer {
  let bomb = otherBombs.get(coding);
  if (bomb === undefined) {
    const whole = Buffer.concat([Buffer.from('<!doctype html><html><head><script>'), Buffer.alloc(32 * 1024 * 1024, 'a')]);
    bomb = coding === 'br' ? zlib.brotliCompressSync(whole, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }) : coding === 'deflate' ? zlib.deflateSync(whole, { level: 9 }) : zlib.deflateRawSync(whole, { level: 9 });
    otherBombs.set(coding, bomb);
  }
  return bomb;
}

export async function startFixtureWeb(options: FixtureWebOptions = {}): Promise<FixtureWeb> {
  const hostCount = options.hosts ?? 1;
  const defaultDelay = options.delayMs ?? 0;
  const defaultSize = options.pageBytes ?? 2048;
  const dripMs = options.dripMs ?? 500;
  const trackHits = options.trackHits ?? true;
  const servers: Server[] = [];
  const ports: number[] = [];
  const stats: PortStats[] = [];
  const hitCounts: Map<string, number>[] = [];
  const cases = new Map<string, FixtureCase>();
  const flakyCounts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const titleFor = (path: string, host = 0): string => `Fixture ${path} on host ${host}`;

  const later = (ms: number, res: ServerResponse, action: () => void): void => {
    if (ms <= 0) return action();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) action();
    }, ms);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const sendPage = (res: ServerResponse, url: URL, host: number): void => {
    const query = url.searchParams;
    const status = Number(query.get('status') ?? 200);
    const size = Number(query.get('size') ?? defaultSize);
    const title = query.get('title') ?? titleFor(url.pathname, host);
    const titleAt = query.get('titleAt') ?? 'head';
    const titleTag = titleAt === 'none' ? '' : `<title>${escapeHtml(title)}</title>`;
    const head = Buffer.from(
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">${titleAt === 'head' ? titleTag : ''}<meta name="description" content="A fixture page">${query.get('script') === '1' ? '<script defer src="/static/app.js"></script>' : ''}</head><body>\n`,
    );
    const tail = Buffer.from(`${titleAt === 'body' ? titleTag : ''}</body></html>\n`);
    const fill = bodyFill(query.get('fill') ?? 'text', Math.max(0, size - head.length - tail.length));
    const type = query.get('type') ?? 'text/html; charset=utf-8';
    if (type !== 'none') res.setHeader('content-type', type);
    const deflate = query.get('deflate');
    const coding = query.get('gzip') === '1' ? 'gzip' : query.get('br') === '1' ? 'br' : deflate === '1' || deflate === 'raw' ? 'deflate' : null;
    if (coding !== null) {
      const whole = Buffer.concat([head, ...fill, tail]);
      const packed =
        coding === 'gzip' ? zlib.gzipSync(whole) : coding === 'br' ? zlib.brotliCompressSync(whole) : deflate === 'raw' ? zlib.deflateRawSync(whole) : zlib.deflateSync(whole);
      res.writeHead(status, { 'content-encoding': coding, 'content-length': packed.length });
      res.end(packed);
      return;
    }
    res.writeHead(status, { 'content-length': head.length + tail.length + fill.reduce((sum, part) => sum + part.length, 0) });
    res.cork();
    res.write(head);
    for (const part of fill) res.write(part);
    res.end(tail);
    res.uncork();
  };

  const sendHtml = (res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void => {
    const body = Buffer.from(html);
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...headers });
    res.end(body);
  };

  /** Stream `total` bytes of `chunk` repeats, with backpressure, until done or the client goes away. */
  const streamRepeated = (res: ServerResponse, chunk: Buffer, total: number): void => {
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (sent >= total) {
          res.end(part);
          return;
        }
        if (!res.write(part)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, host: number): void => {
    const url = new URL(req.url ?? '/', 'http://fixture.invalid');
    const path = url.pathname;
    const parts = path.split('/').filter((part) => part !== '');

    if (parts[0] === 'page') {
      later(Number(url.searchParams.get('delay') ?? defaultDelay), res, () => sendPage(res, url, host));
      return;
    }
    if (parts[0] === 'status') {
      const code = Number(parts[1] ?? 500);
      sendHtml(res, code, `<!doctype html><html><head><title>Error ${code}</title></head><body><h1>Error ${code}</h1></body></html>`);
      return;
    }
    if (parts[0] === 'redirect') {
      const left = Number(parts[1] ?? 0);
      const rest = parts.slice(2).join('/');
      const location = left <= 0 ? `/page/${rest}` : `/redirect/${left - 1}/${rest}`;
      res.writeHead(302, { location, 'content-length': 0 });
      res.end();
      return;
    }
    if (parts[0] === 'redirect-host') {
      const target = Number(parts[1] ?? 0);
      res.writeHead(301, { location: `http://127.0.0.1:${ports[target]}/page/${parts.slice(2).join('/')}`, 'content-length': 0 });
      res.end();
      return;
    }
    if (parts[0] === 'loop') {
      res.writeHead(302, { location: parts[1] === 'a' ? '/loop/b' : '/loop/a', 'content-length': 0 });
      res.end();
      return;
    }
    if (parts[0] === 'flaky') {
      const key = `${host}/${parts.slice(1).join('/')}`;
      const count = (flakyCounts.get(key) ?? 0) + 1;
      flakyCounts.set(key, count);
      if (count <= Number(url.searchParams.get('fail') ?? 1)) {
        const code = Number(url.searchParams.get('status') ?? 503);
        const retryAfter = url.searchParams.get('retryAfter');
        const failType = url.searchParams.get('failType');
        const headers: Record<string, string> = retryAfter === null ? {} : { 'retry-after': retryAfter };
        if (failType === null) sendHtml(res, code, `<!doctype html><title>Try again (${code})</title>`, headers);
        else {
          const body = Buffer.from(`Try again (${code})\n`);
          res.writeHead(code, { 'content-type': failType, 'content-length': body.length, ...headers });
          res.end(body);
        }
        return;
      }
      // `status` is the failures' status: the page after them is a 200.
      url.searchParams.delete('status');
      sendPage(res, url, host);
      return;
    }
    if (parts[0] === 'case') {
      const fixtureCase = cases.get(decodeURIComponent(parts.slice(1).join('/')));
      if (fixtureCase === undefined) {
        sendHtml(res, 404, '<!doctype html><title>No such case</title>');
        return;
      }
      const body = typeof fixtureCase.body === 'string' ? Buffer.from(fixtureCase.body) : Buffer.from(fixtureCase.body);
      res.writeHead(fixtureCase.status ?? 200, { 'content-length': body.length, ...fixtureCase.headers });
      res.end(body);
      return;
    }
    if (parts[0] === 'hostile') {
      switch (parts[1]) {
        case 'never':
          // Hold the request open; closing the fixture destroys the socket.
          return;
        case 'drip': {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.write('<!doctype html><html><head><title>Drip');
          const timer = setInterval(() => res.write('.'), dripMs);
          timers.add(timer);
          res.on('close', () => {
            clearInterval(timer);
            timers.delete(timer);
          });
          return;
        }
        case 'drip-after-title': {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.write('<!doctype html><html><head><title>Dripping after the title</title>');
          const timer = setInterval(() => res.write(' '), dripMs);
          timers.add(timer);
          res.on('close', () => {
            clearInterval(timer);
            timers.delete(timer);
          });
          return;
        }
        case 'drip-headers': {
          // Straight on the socket: Node's response object sends its headers in one piece.
          const socket = res.socket as Socket;
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ');
          const timer = setInterval(() => socket.write('a'), dripMs);
          timers.add(timer);
          socket.on('close', () => {
            clearInterval(timer);
            timers.delete(timer);
          });
          return;
        }
        case 'reset':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': 100_000 });
          res.write('<!doctype html><html><head><title>Reset mid-bo', () => {
            setImmediate(() => (res.socket as Socket | null)?.resetAndDestroy());
          });
          return;
        case 'reset-after-title':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': 100_000 });
          res.write('<!doctype html><html lang="en"><head><title>Cut short after the title</title><meta name="description" content="Read before the cut">', () => {
            setImmediate(() => (res.socket as Socket | null)?.resetAndDestroy());
          });
          return;
        case 'gzip-bomb': {
          const bomb = gzipBombBytes();
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'content-length': bomb.length });
          res.end(bomb);
          return;
        }
        case 'deflate-bomb':
        case 'brotli-bomb': {
          const coding = parts[1] === 'brotli-bomb' ? 'br' : url.searchParams.get('raw') === '1' ? 'deflate-raw' : 'deflate';
          const bomb = bombBytes(coding);
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': coding === 'br' ? 'br' : 'deflate', 'content-length': bomb.length });
          res.end(bomb);
          return;
        }
        case 'empty-blocks': {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' });
          res.write(gzipHeader);
          streamRepeated(res, emptyStoredBlocks, Number.MAX_SAFE_INTEGER);
          return;
        }
        case 'many-codings':
          sendHtml(res, 200, '<!doctype html><title>Never decoded</title>', { 'content-encoding': Array.from({ length: 1000 }, () => 'gzip').join(', ') });
          return;
        case 'binary': {
          const total = 512 * 1024 * 1024;
          const headers: Record<string, string | number> = { 'content-length': total };
          if (url.searchParams.get('type') !== 'none') headers['content-type'] = 'application/octet-stream';
          res.writeHead(200, headers);
          streamRepeated(res, randomBytes(64 * 1024), total);
          return;
        }
        case 'json': {
          const body = JSON.stringify({ title: '<title>Not a page</title>', items: [1, 2, 3] });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
          return;
        }
        case 'bad-charset': {
          // "Café" in windows-1252; both labels name no encoding, so a browser falls back to its default.
          const body = Buffer.concat([Buffer.from('<!doctype html><html><head><meta charset="x-no-such-charset"><title>Caf'), Buffer.from([0xe9]), Buffer.from('</title></head><body></body></html>')]);
          res.writeHead(200, { 'content-type': 'text/html; charset=bogus-label-42', 'content-length': body.length });
          res.end(body);
          return;
        }
        case 'huge-headers':
          res.setHeader('x-filler', 'a'.repeat(1024 * 1024));
          sendHtml(res, 200, '<!doctype html><title>Huge headers</title>');
          return;
        case 'xss-title':
          sendHtml(res, 200, '<!doctype html><html><head><title>&lt;img src=x onerror="window.__xss=1"&gt;<script>window.__xss=2</script> &amp; <b>bold</b></title></head><body></body></html>');
          return;
        default:
          break;
      }
    }
    sendHtml(res, 404, '<!doctype html><html><head><title>Not Found</title></head><body>Not found</body></html>');
  };

  for (let host = 0; host < hostCount; host += 1) {
    const portStats: PortStats = { host, port: 0, requests: 0, connections: 0, active: 0, maxActive: 0, firstRequestAt: null, lastAnswerAt: null };
    const hits = new Map<string, number>();
    const server = createServer((req, res) => {
      portStats.requests += 1;
      portStats.active += 1;
      portStats.firstRequestAt ??= performance.timeOrigin + performance.now();
      if (portStats.active > portStats.maxActive) portStats.maxActive = portStats.active;
      res.on('finish', () => {
        portStats.lastAnswerAt = performance.timeOrigin + performance.now();
      });
      res.on('close', () => {
        portStats.active -= 1;
      });
      if (trackHits) hits.set(req.url ?? '/', (hits.get(req.url ?? '/') ?? 0) + 1);
      handle(req, res, host);
    });
    server.on('connection', () => {
      portStats.connections += 1;
    });
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    portStats.port = (server.address() as AddressInfo).port;
    servers.push(server);
    ports.push(portStats.port);
    stats.push(portStats);
    hitCounts.push(hits);
  }

  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  return {
    origins,
    ports,
    url: (path, host = 0) => `${origins[host]}${path.startsWith('/') ? path : `/${path}`}`,
    titleFor,
    stats: () => stats.map((s) => ({ ...s })),
    hits: (path, host) => {
      if (host !== undefined) return hitCounts[host]?.get(path) ?? 0;
      return hitCounts.reduce((sum, hits) => sum + (hits.get(path) ?? 0), 0);
    },
    resetStats: () => {
      for (const s of stats) {
        s.requests = 0;
        s.connections = 0;
        s.maxActive = s.active;
        s.firstRequestAt = null;
        s.lastAnswerAt = null;
      }
      for (const hits of hitCounts) hits.clear();
      flakyCounts.clear();
    },
    addCase: (id, fixtureCase) => {
      cases.set(id, fixtureCase);
      return `${origins[0]}/case/${encodeURIComponent(id)}`;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
