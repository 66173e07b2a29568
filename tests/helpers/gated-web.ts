/**
 * A loopback web whose pages answer only when the test lets them: every request is held on arrival until
 * `release` (or `open`), so a test decides what a crawler can have finished at each step, from events rather than
 * from delays and a clock. Several ports stand for several hosts. Each page is `<title><host>:<path></title>`.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedRequest {
  host: number;
  /** Path and query as requested. */
  path: string;
  userAgent: string | undefined;
}

export interface GatedWeb {
  url(path: string, host?: number): string;
  titleFor(path: string, host?: number): string;
  /** Every request in the order it arrived (answered or not). */
  readonly arrivals: readonly GatedRequest[];
  /** Requests held now, oldest first. */
  held(host?: number): GatedRequest[];
  /** Resolves once `count` requests in all have arrived. */
  arrived(count: number): Promise<void>;
  /** Answer the held requests `which` picks (default: all of them); returns how many were answered. */
  release(which?: (request: GatedRequest) => boolean): number;
  /** Answer every request at once from now on (those held too). */
  open(): void;
  /** Stop the servers (requests still held are dropped). */
  close(): Promise<void>;
  /** Per host: TCP connections accepted, and the most requests held or answering at the same time. */
  stats(): { connections: number; maxActive: number }[];
}

export async function startGatedWeb(hosts = 1): Promise<GatedWeb> {
  const servers: Server[] = [];
  const origins: string[] = [];
  const arrivals: GatedRequest[] = [];
  const held: { request: GatedRequest; response: ServerResponse }[] = [];
  const stats = Array.from({ length: hosts }, () => ({ connections: 0, active: 0, maxActive: 0 }));
  const waiters: { count: number; resolve: () => void }[] = [];
  let isOpen = false;

  const titleFor = (path: string, host = 0) => `${host}:${path}`;
  const answer = (request: GatedRequest, response: ServerResponse) => {
    const body = `<!doctype html><html><head><meta charset="utf-8"><title>${titleFor(request.path, request.host)}</title></head><body></body></html>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  for (let host = 0; host < hosts; host++) {
    const server = createServer((req, res) => {
      const request = { host, path: req.url ?? '/', userAgent: req.headers['user-agent'] };
      const counts = stats[host] as (typeof stats)[number];
      counts.active++;
      counts.maxActive = Math.max(counts.maxActive, counts.active);
      res.once('close', () => counts.active--);
      arrivals.push(request);
      for (const waiter of waiters.splice(0)) {
        if (arrivals.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
      if (isOpen) answer(request, res);
      else held.push({ request, response: res });
    });
    server.on('connection', () => (stats[host] as (typeof stats)[number]).connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    origins.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  const release = (which: (request: GatedRequest) => boolean = () => true): number => {
    let answered = 0;
    for (let i = 0; i < held.length; ) {
      const entry = held[i] as (typeof held)[number];
      if (which(entry.request)) {
        held.splice(i, 1);
        answer(entry.request, entry.response);
        answered++;
      } else i++;
    }
    return answered;
  };

  return {
    url: (path, host = 0) => `${origins[host]}${path}`,
    titleFor,
    arrivals,
    held: (host) => held.map((entry) => entry.request).filter((request) => host === undefined || request.host === host),
    arrived: (count) =>
      arrivals.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
    release,
    open: () => {
      isOpen = true;
      release();
    },
    stats: () => stats.map(({ connections, maxActive }) => ({ connections, maxActive })),
    close: async () => {
      for (const { response } of held.splice(0)) response.destroy();
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
