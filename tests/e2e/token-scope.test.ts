/**
 * Browser mode's access token reaches no other origin (issue 11, item 1). Cookies are shared by every port of a
 * host and SameSite does not separate ports (one site), so a cookie would go to any server another local process
 * runs on 127.0.0.1. Here, after the app is open in Chromium, a recording server on another loopback port is
 * visited directly, by a link, through a redirect and by script (from the app's own page and from its own), and
 * must never see the token: not in a URL, a Cookie, a Referer, nor any other header. And a request forged outside
 * the browser without the token is refused.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, rawGet } from '../server/helpers.js';
import { launchChromium, makeTempDir, openApp, poll, removeDir, startServe, type AppPage, type ServeProcess } from './helpers.js';

interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A loopback server that records every request and answers pages that make the browser ask for more. */
async function startRecorder(): Promise<{ origin: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    const path = new URL(request.url ?? '/', 'http://recorder').pathname;
    if (path === '/redirect') {
      response.writeHead(302, { Location: '/redirected' });
      return void response.end();
    }
    if (path === '/scripted') {
      // Its own script navigates on (a script navigation, as a hostile page would make one).
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return void response.end('<!doctype html><title>scripted</title><script>location.href = "/after-script?n=1";</script>');
    }
    if (path.endsWith('.js')) {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      return void response.end('window.loaded = true;');
    }
    if (path.endsWith('.png') || path.endsWith('.ico')) {
      response.writeHead(404);
      return void response.end();
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html><head><title>recorder ${path}</title><link rel="icon" href="/icon.png"><script src="/sub.js"></script></head>` +
        `<body><img src="/img.png"><a id="next" href="/linked-from-recorder">next</a></body></html>`,
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let serve: ServeProcess;
let browser: Browser;
let dataDir: string;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let token: string;

beforeAll(async () => {
  dataDir = await makeTempDir();
  [serve, browser, recorder] = await Promise.all([startServe(dataDir), launchChromium(), startRecorder()]);
  // 256 bits, base64url: the only 43-character run of such characters in the printed address.
  token = /[A-Za-z0-9_-]{43}/.exec(serve.url)?.[0] ?? '';
  expect(token).toHaveLength(43);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await recorder?.close();
  await removeDir(dataDir);
});

/** The app, open and working (its WebSocket answered), in a fresh context. */
async function openWorkingApp(): Promise<AppPage> {
  const app = await openApp(browser, serve.url);
  await poll(() => app.page.evaluate(() => (globalThis as unknown as { api: { invoke(c: string): Promise<unknown> } }).api.invoke('history.list').then(() => 'ok'))).toBe('ok');
  return app;
}

describe('the browser-mode token', () => {
  it('reaches no server on another loopback port: direct visits, links, redirects, script navigations', async () => {
    const app = await openWorkingApp();
    const { context, page } = app;

    // Directly, in another tab of the same browser.
    const direct = await context.newPage();
    await direct.goto(`${recorder.origin}/direct`);
    await direct.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true);
    // By a link on that page, and through a redirect.
    await Promise.all([direct.waitForURL(`${recorder.origin}/linked-from-recorder`), direct.click('#next')]);
    await direct.goto(`${recorder.origin}/redirect`);
    expect(direct.url()).toBe(`${recorder.origin}/redirected`);
    // A page whose own script navigates on.
    await direct.goto(`${recorder.origin}/scripted`);
    await direct.waitForURL(`${recorder.origin}/after-script?n=1`);

    // From the app's own page: a new tab by script, a link, a redirect, and a script navigation of the page itself.
    const [popup] = await Promise.all([context.waitForEvent('page'), page.evaluate(`void window.open(${JSON.stringify(`${recorder.origin}/opened-by-app`)})`)]);
    await popup.waitForLoadState();
    const appUrl = page.url();
    await Promise.all([
      page.waitForURL(`${recorder.origin}/link-from-app`),
      page.evaluate(`{
        const link = document.createElement('a');
        link.href = ${JSON.stringify(`${recorder.origin}/link-from-app`)};
        link.textContent = 'away';
        document.body.append(link);
        link.click();
      }`),
    ]);
    await page.goto(appUrl);
    await page.getByRole('tablist').waitFor();
    await Promise.all([page.waitForURL(`${recorder.origin}/redirected`), page.evaluate(`location.assign(${JSON.stringify(`${recorder.origin}/redirect?from=app`)})`)]);

    const paths = recorder.requests.map((request) => request.url);
    for (const expected of ['/direct', '/sub.js', '/linked-from-recorder', '/redirect', '/redirected', '/scripted', '/after-script?n=1', '/opened-by-app', '/link-from-app', '/redirect?from=app']) {
      expect(paths, expected).toContain(expected);
    }
    for (const request of recorder.requests) {
      expect(JSON.stringify(request), request.url).not.toContain(token);
      expect(request.headers.cookie, request.url).toBeUndefined();
      // The recorder's own pages may name themselves as Referer; the app's page never names itself.
      expect(request.headers.referer ?? '', request.url).not.toContain(serve.origin);
    }
    for (const fromApp of ['/opened-by-app', '/link-from-app', '/redirect?from=app']) {
      expect(recorder.requests.find((request) => request.url === fromApp)?.headers.referer, fromApp).toBeUndefined();
    }
    await context.close();
  });

  it('is needed by every request: one forged outside the browser without it is refused', async () => {
    const port = Number(new URL(serve.url).port);
    const origin = new URL(serve.url).origin;
    for (const path of ['/', '/index.html', '/bridge.js', '/ws', '/assets/', '/t/', `/t/${'A'.repeat(43)}/`, `/t/${'A'.repeat(43)}/bridge.js`]) {
      const response = await rawGet(port, path, { Origin: origin });
      expect([401, 403], path).toContain(response.status);
      expect(response.body.toString(), path).not.toContain('window.api');
      expect(response.headers['set-cookie'], path).toBeUndefined();
    }
    // The WebSocket, with this server's Host and a forged Origin of it, but no token: refused.
    for (const path of ['/ws', '/t/ws', `/t/${'A'.repeat(43)}/ws`]) {
      const refused = await openSocket(port, { Origin: origin }, undefined, path);
      expect(refused, path).toEqual({ status: expect.any(Number) });
      expect([401, 403], path).toContain((refused as { status: number }).status);
    }
  });
});
