/**
 * Loopback proxies for tests: an HTTP proxy (absolute-form requests forwarded, CONNECT tunnels) and a SOCKS5 proxy
 * (no auth or user/password, RFC 1928/1929), each optionally wanting credentials, each counting what it carried.
 * Every host name a request names is reached at 127.0.0.1 (`hostMap` can point names at ports), so tests can use
 * names that resolve nowhere else, the way a real proxy resolves them for its clients.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

export interface TestProxy {
  readonly url: string;
  readonly port: number;
  /** Requests or tunnels carried, by target "host:port". */
  readonly carried: string[];
  /** Connections refused for bad or missing credentials. */
  readonly refusedAuth: number;
  close(): Promise<void>;
}

interface ProxyOptions {
  /** "user:password" the proxy wants; none when omitted. */
  credentials?: string;
  /** Map a target host name to a loopback port (default: the port the request names). */
  hostMap?: Record<string, number>;
}

function targetPort(host: string, port: number, options: ProxyOptions): number {
  return options.hostMap?.[host] ?? port;
}

function track(server: Server | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: Server | TcpServer, sockets: Set<Socket>): () => Promise<void> {
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

export async function startHttpProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const carried: string[] = [];
  let refusedAuth = 0;
  const expected = options.credentials === undefined ? null : `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const authorised = (request: IncomingMessage): boolean => expected === null || request.headers['proxy-authorization'] === expected;

  const server = createServer((request, response) => {
    // Absolute-form: GET http://host:port/path HTTP/1.1
    if (!authorised(request)) {
      refusedAuth += 1;
      response.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': '0' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end();
      return;
    }
    const port = targetPort(target.hostname, Number(target.port || 80), options);
    carried.push(`${target.hostname}:${target.port || 80}`);
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest({ host: '127.0.0.1', port, path: `${target.pathname}${target.search}`, method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-length': '0' });
      response.end();
    });
    request.pipe(upstream);
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    if (!authorised(request)) {
      refusedAuth += 1;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host = '', portText = '443'] = (request.url ?? '').split(/:(?=\d+$)/);
    carried.push(`${host}:${portText}`);
    const upstream = connect(targetPort(host, Number(portText), options), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  const sockets = track(server);
  const port = await listen(server);
  return {
    url: `http://${options.credentials !== undefined ? `${options.credentials}@` : ''}127.0.0.1:${port}`,
    port,
    carried,
    get refusedAuth() {
      return refusedAuth;
    },
    close: closer(server, sockets),
  };
}

export async function startSocksProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const carried: string[] = [];
  let refusedAuth = 0;
  const server = createTcpServer((client) => {
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'piped' = 'greeting';
    client.on('error', () => undefined);
    const take = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (stage === 'greeting') {
          if (buffer.length < 2 || buffer.length < 2 + (buffer[1] as number)) return;
          const methods = [...buffer.subarray(2, 2 + (buffer[1] as number))];
          buffer = buffer.subarray(2 + (buffer[1] as number));
          const wanted = options.credentials === undefined ? 0x00 : 0x02;
          if (!methods.includes(wanted)) {
            refusedAuth += 1;
            client.end(Buffer.from([0x05, 0xff]));
            return;
          }
          client.write(Buffer.from([0x05, wanted]));
          stage = wanted === 0x02 ? 'auth' : 'request';
        } else if (stage === 'auth') {
          if (buffer.length < 2) return;
          const userLength = buffer[1] as number;
          if (buffer.length < 3 + userLength) return;
          const passLength = buffer[2 + userLength] as number;
          if (buffer.length < 3 + userLength + passLength) return;
          const user = buffer.subarray(2, 2 + userLength).toString();
          const pass = buffer.subarray(3 + userLength, 3 + userLength + passLength).toString();
          buffer = buffer.subarray(3 + userLength + passLength);
          if (`${user}:${pass}` !== options.credentials) {
            refusedAuth += 1;
            client.end(Buffer.from([0x01, 0x01]));
            return;
          }
          client.write(Buffer.from([0x01, 0x00]));
          stage = 'request';
        } else if (stage === 'request') {
          if (buffer.length < 5) return;
          const type = buffer[3];
          let host: string;
          let end: number;
          if (type === 0x01) {
            end = 10;
            if (buffer.length < end) return;
            host = [...buffer.subarray(4, 8)].join('.');
          } else if (type === 0x03) {
            end = 5 + (buffer[4] as number) + 2;
            if (buffer.length < end) return;
            host = buffer.subarray(5, 5 + (buffer[4] as number)).toString();
          } else {
            client.end(Buffer.from([0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
            return;
          }
          const port = buffer.readUInt16BE(end - 2);
          const rest = buffer.subarray(end);
          buffer = Buffer.alloc(0);
          stage = 'piped';
          carried.push(`${host}:${port}`);
          const upstream = connect(targetPort(host, port, options), '127.0.0.1', () => {
            client.write(Buffer.from([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0, 0]));
            if (rest.length > 0) upstream.write(rest);
            upstream.pipe(client);
            client.pipe(upstream);
          });
          upstream.on('error', () => {
            // Reply 5: connection refused.
            if (!client.destroyed) client.end(Buffer.from([0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
          });
          client.off('data', take);
          return;
        } else {
          return;
        }
      }
    };
    client.on('data', take);
  });
  const sockets = track(server);
  const port = await listen(server);
  return {
    url: `socks5://${options.credentials !== undefined ? `${options.credentials}@` : ''}127.0.0.1:${port}`,
    port,
    carried,
    get refusedAuth() {
      return refusedAuth;
    },
    close: closer(server, sockets),
  };
}
