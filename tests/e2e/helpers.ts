/**
 * End-to-end helpers: browser mode (`titlewave serve` from dist/, as users run it), Debian's Chromium through
 * playwright-core, and a loopback server of custom routes for behaviours the shared fixture web
 * (tests/helpers/fixture-web.ts) does not have, such as failing once and then answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliMain = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export async function makeTempDir(prefix = 'titlewave-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface ServeProcess {
  /** The address with its token, as printed on the first stdout line. */
  url: string;
  origin: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr: () => string;
  /** SIGTERM and wait for a clean exit. */
  stop: () => Promise<void>;
  /** SIGKILL, as a crash would: no shutdown code runs. */
  kill: () => Promise<void>;
}

/**
 * Start `titlewave serve --port 0 --data-dir <dataDir>` and read its URL from the first line of stdout. `env`: more
 * environment for it (HOME, say: the home folder the Thumbnails tab browses).
 */
export async function startServe(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliMain, 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BROWSER: 'none', ...env },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 20 s; stderr:\n${stderr}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL; stderr:\n${stderr}`));
    });
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    child,
    stderr: () => stderr,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged (a hostile title must add none). */
  errors: string[];
}

/** A fresh browser context on the app, loaded and showing its tabs. */
export async function openApp(
  browser: Browser,
  url: string,
  options: { locale?: string; colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<AppPage> {
  const context = await browser.newContext({
    acceptDownloads: true,
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  await page.getByRole('tablist').waitFor();
  return { context, page, errors };
}

/** The progress bar's numbers. */
export async function progressOf(page: Page): Promise<{ now: number; max: number }> {
  const bar = page.getByRole('progressbar');
  const [now, max] = await Promise.all([bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-valuemax')]);
  return { now: Number(now), max: Number(max) };
}

/** Wait until the run on screen has every row (aria-valuenow reaches aria-valuemax = expected). */
export async function waitForRunEnd(page: Page, expectedTotal: number, timeoutMs = 30_000): Promise<void> {
  const bar = page.getByRole('progressbar');
  await bar.waitFor();
  await page.waitForFunction(
    (total) => {
      const doc = (globalThis as unknown as { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } }).document;
      const element = doc.querySelector('[role="progressbar"]');
      return element?.getAttribute('aria-valuemax') === String(total) && element.getAttribute('aria-valuenow') === String(total);
    },
    expectedTotal,
    { timeout: timeoutMs },
  );
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

export interface Routes {
  origin: string;
  /** Requests per path (query included). */
  hits: Map<string, number>;
  totalHits: () => number;
  close: () => Promise<void>;
}

/**
 * A loopback web server: `routes` maps a path prefix to a handler, which gets the 1-based hit number of that exact
 * path. Unknown paths answer 404 with a title.
 */
export async function startRoutes(routes: Record<string, RouteHandler>): Promise<Routes> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const prefix = Object.keys(routes)
      .filter((candidate) => path.startsWith(candidate))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Not here</title>');
      return;
    }
    routes[prefix]!(request, response, hit);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    totalHits: () => [...hits.values()].reduce((sum, n) => sum + n, 0),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTML page with the given (already escaped or deliberately raw) title markup. */
export function htmlPage(titleMarkup: string, body = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${titleMarkup}</title></head><body>${body}</body></html>`;
}

export function sendHtml(response: ServerResponse, html: string, status = 200, delayMs = 0): void {
  const send = () => {
    if (response.destroyed) return;
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  };
  if (delayMs > 0) setTimeout(send, delayMs);
  else send();
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * `expect.poll` with a patient default: other suites share the machine's two cores, and a page that is slow to
 * repaint under load is not a failure (the default second is).
 */
export function poll<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 15_000, interval: 50, ...options });
}
