/**
 * A loopback server whose pages fail once, at the connection level, then answer: what "Retry failed" is for. (The
 * shared fixture web's /flaky answers with HTTP statuses, which are records without errors, not failures.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyServer {
  url(name: string): string;
  hits(name: string): number;
  close(): Promise<void>;
}

export async function startFlakyServer(): Promise<FlakyServer> {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    const count = (hits.get(name) ?? 0) + 1;
    hits.set(name, count);
    if (count === 1) {
      request.socket.resetAndDestroy();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html><head><title>Second try ${name}</title></head><body></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (name) => `${origin}/${name}`,
    hits: (name) => hits.get(name) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
