/** A loopback web for the services tests: pages with a title after an optional delay, and pages that fail first. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureWeb {
  origin: string;
  /** Requests per path (query excluded). */
  hits: Map<string, number>;
  /** Paths in the order their requests arrived. */
  log: string[];
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * `/t/<name>?delay=<ms>`: an HTML page titled `Title <name>`.
 * `/flaky/<name>`: the first request's connection is reset; later ones get the page.
 * `/hostile`: a title that is markup.
 */
export async function startFixtureWeb(): Promise<FixtureWeb> {
  const hits = new Map<string, number>();
  const log: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    const count = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, count);
    log.push(url.pathname);
    const [, kind, name] = url.pathname.split('/');
    const page = (title: string) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html><head><title>${title}</title></head><body>${'x'.repeat(200)}</body></html>`);
    };
    if (kind === 'flaky' && count === 1) return void request.socket.destroy();
    if (kind === 'hostile') return page('&lt;img src=x onerror=alert(1)&gt;');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    if (delay > 0) setTimeout(() => page(`Title ${name}`), delay);
    else page(`Title ${name}`);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    hits,
    log,
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
