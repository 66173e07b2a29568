/**
 * The bridge script itself (the built IIFE), run in a VM context that plays the page: `window`, `location`,
 * `navigator`, and a WebSocket that talks to a real server over loopback.
 */
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Api } from '../../src/contract.js';
import { startBrowserServer, type BrowserServer } from '../../src/server/server.js';
import { ScriptedServices, builtBridgeFile, makeRendererDir } from './helpers.js';

let bridgeSource: string;
let rendererDir: string;
const servers: BrowserServer[] = [];

beforeAll(async () => {
  bridgeSource = await readFile(builtBridgeFile, 'utf8');
  rendererDir = await makeRendererDir();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Page {
  api: Api;
  window: Record<string, unknown>;
  opened: unknown[][];
  timers: (() => void)[];
  /** The heartbeat's interval timers that are set (held, not run: the test runs them). */
  intervals: Map<number, () => void>;
  /** The page's clock (performance.now), moved by the test. */
  clock: { now: number };
  /** Every socket the page opened, oldest first. */
  sockets: WebSocket[];
  /** Heartbeat pings sent by the page, and whether they reach the server (false plays a stopped server). */
  pings: { sent: number; delivered: boolean };
}

async function startServer(services: ScriptedServices, options: { port?: number; token?: string } = {}): Promise<BrowserServer> {
  const server = await startBrowserServer({ services, dataDir: await mkdtemp(join(tmpdir(), 'titlewave-data-')), port: options.port ?? 0, rendererDir, bridgeFile: join(rendererDir, 'none.js'), ...(options.token ? { token: options.token } : {}) });
  servers.push(server);
  return server;
}

/** Load the bridge as the page at the server's address would, its WebSocket carrying the Origin a browser sends. */
function loadPage(server: BrowserServer, languages: string[] = ['en-US']): Page {
  const sockets: WebSocket[] = [];
  const pings = { sent: 0, delivered: true };
  class PageWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Origin: server.origin } });
      sockets.push(this);
      // As in a browser, a failed connection is an 'error' then a 'close', never an exception.
      this.on('error', () => undefined);
    }
    override send(data: string): void {
      if (JSON.parse(data).type === 'ping') {
        pings.sent++;
        if (!pings.delivered) return;
      }
      super.send(data);
    }
  }
  const intervals = new Map<number, () => void>();
  let nextInterval = 1;
  const clock = { now: 0 };
  const opened: unknown[][] = [];
  const timers: (() => void)[] = [];
  const window: Record<string, unknown> = {
    location: { protocol: 'http:', host: `127.0.0.1:${server.port}`, href: server.url },
    navigator: { languages, language: languages[0] },
    WebSocket: PageWebSocket,
    URL,
    console,
    JSON,
    // The bridge asks the server for the page's own address when a reconnection is refused.
    fetch,
    queueMicrotask,
    // Reconnect timers are held, not run: the test decides when the page reconnects.
    setTimeout: (callback: () => void) => {
      timers.push(callback);
      return 0;
    },
    setInterval: (callback: () => void) => {
      intervals.set(nextInterval, callback);
      return nextInterval++;
    },
    clearInterval: (id: number) => intervals.delete(id),
    performance: { now: () => clock.now },
    open: (...args: unknown[]) => {
      opened.push(args);
      return null;
    },
  };
  window.window = window;
  createContext(window);
  runInContext(bridgeSource, window);
  return { api: window.api as Api, window, opened, timers, intervals, clock, sockets, pings };
}

describe('the bridge (window.api over the WebSocket)', () => {
  it('is read-only, invokes with request ids, and propagates results and errors', async () => {
    const services = new ScriptedServices();
    services.handlers['history.list'] = () => [{ id: 'r1' }];
    services.handlers['titles.start'] = (args) => ({ runId: `run-for-${(args[0] as { name: string }).name}` });
    services.handlers['history.delete'] = () => {
      throw new Error('That run is still going');
    };
    const server = await startServer(services);
    const page = loadPage(server);
    const { api } = page;

    expect(Object.getOwnPropertyDescriptor(page.window, 'api')).toMatchObject({ writable: false, configurable: false });
    expect(Object.isFrozen(api)).toBe(true);

    // Calls made while the socket is still connecting are sent once it opens, and answered in any order.
    const settings = { concurrency: 8, perHost: 2, timeoutMs: 5000, retries: 1, userAgent: '', proxy: 'direct', robots: 'ignore' as const, rate: null, render: 'never' as const, renderers: 2, renderTimeoutMs: 10_000 };
    const [list, started, failed] = await Promise.allSettled([
      api.invoke('history.list'),
      api.invoke('titles.start', { text: 'a.example', settings, name: 'n1' }),
      api.invoke('history.delete', 'r1'),
    ]);
    expect(list).toEqual({ status: 'fulfilled', value: [{ id: 'r1' }] });
    expect(started).toEqual({ status: 'fulfilled', value: { runId: 'run-for-n1' } });
    expect(failed.status).toBe('rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(runInContext('Error', page.window));
    expect((failed as PromiseRejectedResult).reason.message).toBe('That run is still going');

    await expect(api.invoke('history.load', '../x')).rejects.toThrow(/Invalid arguments for history\.load/);
    expect(api.pathForFile({ name: 'a.txt' })).toBeNull();
  });

  it('delivers events to every listener until it unsubscribes, even when one throws', async () => {
    const services = new ScriptedServices();
    services.handlers['history.list'] = () => [];
    const server = await startServer(services);
    const { api } = loadPage(server);
    await api.invoke('history.list'); // connected

    const seen: unknown[] = [];
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      api.on('history.changed', () => {
        throw new Error('a broken listener');
      });
      const off = api.on('history.changed', (payload) => seen.push(payload));
      services.emit('history.changed', { runs: [] });
      await api.invoke('history.list'); // the event was sent before this answer
      expect(seen).toEqual([{ runs: [] }]);
      off();
      services.emit('history.changed', { runs: [] });
      await api.invoke('history.list');
      expect(seen).toHaveLength(1);
      expect(errors).toHaveLength(2);
    } finally {
      console.error = originalError;
    }
  });

  it('answers app.info with the browser language until the user picks one, then with the choice', async () => {
    const services = new ScriptedServices();
    const server = await startServer(services);
    const { api } = loadPage(server, ['zh-TW', 'en']);
    const info = await api.invoke('app.info');
    expect(info).toMatchObject({ language: 'zh-CN', nativeDialogs: false });
    const changed = new Promise((resolve) => api.on('app.languageChanged', resolve));
    await api.invoke('app.setLanguage', 'en');
    expect(await changed).toEqual({ language: 'en' });
    expect((await api.invoke('app.info')).language).toBe('en');

    const other = loadPage(server, ['de-DE']);
    expect((await other.api.invoke('app.info')).language).toBe('en');
  });

  it('resolves native pickers to null and opens only http(s) links, with noopener', async () => {
    const server = await startServer(new ScriptedServices());
    const { api, opened } = loadPage(server);
    expect(await api.invoke('dialog.choosePaths', { folders: true })).toBeNull();
    expect(await api.invoke('dialog.chooseFolder')).toBeNull();
    expect(await api.invoke('dialog.chooseSaveFile', { suggestedName: 'primes.txt' })).toBeNull();
    await api.invoke('shell.openExternal', 'https://example.com/a?b=1');
    expect(opened).toEqual([['https://example.com/a?b=1', '_blank', 'noopener,noreferrer']]);
    await expect(api.invoke('shell.openExternal', 'javascript:alert(1)')).rejects.toThrow(/Only http and https/);
    await expect(api.invoke('shell.openExternal', 'file:///etc/passwd')).rejects.toThrow(/Only http and https/);
    expect(opened).toHaveLength(1);
  });

  it('reconnects after a dropped connection and works again, events included', async () => {
    const services = new ScriptedServices();
    services.handlers['history.list'] = () => ['again'];
    const server = await startServer(services);
    const page = loadPage(server);
    await page.api.invoke('history.list');
    const seen: unknown[] = [];
    page.api.on('history.changed', (payload) => seen.push(payload));

    const dropped = new Promise((resolve) => page.sockets[0]?.once('close', resolve));
    page.sockets[0]?.terminate();
    await dropped;
    expect(page.timers).toHaveLength(1);
    page.timers.shift()?.();
    expect(page.sockets).toHaveLength(2);
    // Calls made while the new socket connects wait for it.
    expect(await page.api.invoke('history.list')).toEqual(['again']);
    services.emit('history.changed', { runs: [] });
    await expect.poll(() => seen).toEqual([{ runs: [] }]);
  });

  it('rejects calls in flight when the connection drops, and reconnects', async () => {
    const services = new ScriptedServices();
    let release: (() => void) | null = null;
    services.handlers['titles.pause'] = () => new Promise<void>((resolve) => (release = resolve));
    services.handlers['history.list'] = () => [];
    const server = await startServer(services);
    const page = loadPage(server);
    await page.api.invoke('history.list');

    const inFlight = page.api.invoke('titles.pause', 'r1');
    await expect.poll(() => services.calls.some((c) => c.command === 'titles.pause')).toBe(true);
    const rejected = expect(inFlight).rejects.toThrow(/connection to Titlewave was lost/);
    await server.close();
    await rejected;
    (release as (() => void) | null)?.();
    // While disconnected, calls fail at once instead of hanging.
    await expect(page.api.invoke('history.list')).rejects.toThrow(/connection to Titlewave was lost/);
    expect(page.timers).toHaveLength(1);
  });
});

describe('the connection state (app.connection)', () => {
  function statesOf(page: Page): { state: string }[] {
    const seen: { state: string }[] = [];
    page.api.on('app.connection', (payload) => seen.push(payload));
    return seen;
  }

  it('says at once when the connection is lost, and when it is back', async () => {
    const services = new ScriptedServices();
    services.handlers['history.list'] = () => [];
    const server = await startServer(services);
    const page = loadPage(server);
    const seen = statesOf(page);
    await page.api.invoke('history.list');
    expect(seen).toEqual([]); // the first connection is no news

    page.sockets[0]?.terminate();
    await expect.poll(() => seen).toEqual([{ state: 'lost' }]);
    page.timers.shift()?.();
    await expect.poll(() => seen).toEqual([{ state: 'lost' }, { state: 'connected' }]);
    expect(await page.api.invoke('history.list')).toEqual([]);
  });

  it('keeps trying while the server is down, says when it came back with another address, and reconnects when the address is right again', async () => {
    const first = await startServer(new ScriptedServices());
    const { port, token } = first;
    const page = loadPage(first);
    await page.api.invoke('app.info');
    const seen = statesOf(page);
    await first.close();
    await expect.poll(() => seen).toEqual([{ state: 'lost' }]);

    // Down: the attempt fails, the probe gets no answer, still lost.
    page.timers.shift()?.();
    await expect.poll(() => page.timers.length).toBe(1);
    expect(seen).toEqual([{ state: 'lost' }]);

    // Back on the same port with another token (another data folder): refused, and the page is told why.
    const other = await startServer(new ScriptedServices(), { port });
    expect(other.token).not.toBe(token);
    page.timers.shift()?.();
    await expect.poll(() => seen).toEqual([{ state: 'lost' }, { state: 'replaced' }]);
    // A listener that subscribes now learns it at once.
    const late: unknown[] = [];
    page.api.on('app.connection', (payload) => late.push(payload));
    await expect.poll(() => late).toEqual([{ state: 'replaced' }]);

    // The server of this address again: connected.
    await other.close();
    await startServer(new ScriptedServices(), { port, token });
    await expect.poll(() => page.timers.length).toBeGreaterThanOrEqual(1);
    page.timers.splice(0).forEach((timer) => timer());
    await expect.poll(() => seen.at(-1)).toEqual({ state: 'connected' });
    expect(late.at(-1)).toEqual({ state: 'connected' });
  });

  it('says the connection is lost when a server that keeps its socket open stops answering, and when it answers again', async () => {
    const services = new ScriptedServices();
    services.handlers['history.list'] = () => [];
    const server = await startServer(services);
    const page = loadPage(server);
    const seen = statesOf(page);
    await page.api.invoke('history.list');
    expect(page.intervals.size).toBe(1);
    const beat = () => [...page.intervals.values()].forEach((callback) => callback());
    const received = () => new Promise((resolve) => page.sockets.at(-1)?.once('message', resolve));

    // A server that answers: a ping, its pong, and however late the next beat comes, nothing is lost.
    let answered = received();
    beat();
    await answered;
    page.clock.now += 60_000;
    answered = received();
    beat();
    await answered;
    expect(page.pings.sent).toBe(2);
    expect(seen).toEqual([]);

    // A server that stops answering (stopped, hung): its socket stays open, yet the page says it is lost.
    page.pings.delivered = false;
    page.clock.now += 1000;
    beat();
    expect(page.pings.sent).toBe(3);
    page.clock.now += 3999;
    beat();
    expect(seen).toEqual([]);
    page.clock.now += 1;
    const inFlight = page.api.invoke('titles.pause', 'r1');
    beat();
    expect(seen).toEqual([{ state: 'lost' }]);
    await expect(inFlight).rejects.toThrow(/connection to Titlewave was lost/);
    expect(page.intervals.size).toBe(0);
    // It answers again: the page reconnects by itself.
    page.pings.delivered = true;
    expect(page.timers).toHaveLength(1);
    page.timers.shift()?.();
    await expect.poll(() => seen).toEqual([{ state: 'lost' }, { state: 'connected' }]);
    expect(await page.api.invoke('history.list')).toEqual([]);
    expect(page.intervals.size).toBe(1);
  });
});
