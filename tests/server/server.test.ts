import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { injectBridge, startBrowserServer, type BrowserServer } from '../../src/server/server.js';
import { MessageLog, ScriptedServices, builtBridgeFile, makeRendererDir, openSocket, rawGet } from './helpers.js';

let server: BrowserServer;
let services: ScriptedServices;
let dataDir: string;
let opened: string[];
let cookie: string;
let origin: string;

async function connect(): Promise<{ ws: WebSocket; log: MessageLog }> {
  const result = await openSocket(server.port, { Cookie: cookie, Origin: origin });
  if (!('ws' in result)) throw new Error(`refused: ${result.status}`);
  return result;
}

let nextId = 1;
async function call(ws: WebSocket, log: MessageLog, command: string, args: unknown[]): Promise<Record<string, unknown>> {
  const id = nextId++;
  ws.send(JSON.stringify({ type: 'invoke', id, command, args }));
  return log.next((m) => m.type === 'result' && m.id === id);
}

beforeAll(async () => {
  services = new ScriptedServices();
  dataDir = await mkdtemp(join(tmpdir(), 'titlewave-data-'));
  opened = [];
  server = await startBrowserServer({
    services,
    dataDir,
    port: 0,
    rendererDir: await makeRendererDir(),
    bridgeFile: builtBridgeFile,
    openFolder: async (path) => {
      opened.push(path);
    },
  });
  cookie = `${server.cookieName}=${server.token}`;
  origin = server.origin;
});

afterAll(async () => {
  await server.close();
});

describe('the access token', () => {
  it('is at least 128 random bits in the printed URL, on 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/);
    expect(Buffer.from(server.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(new URL(server.url).port).toBe(String(server.port));
  });

  it('is required for every path: page, assets, bridge, previews, anything', async () => {
    services.previews.set('known-token', join(dataDir, 'x.png'));
    for (const path of ['/', '/index.html', '/bridge.js', '/assets/index-abc.js', '/preview/known-token', '/nope', '/ws']) {
      const response = await rawGet(server.port, path);
      expect(response.status, path).toBe(401);
      expect(response.body.toString()).not.toContain('window.api');
    }
  });

  it('refuses a wrong token or a wrong cookie with 403/401 and sets no cookie', async () => {
    const wrong = await rawGet(server.port, `/?token=${'A'.repeat(server.token.length)}`);
    expect(wrong.status).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const badCookie = await rawGet(server.port, '/', { Cookie: `${server.cookieName}=${'B'.repeat(43)}` });
    expect(badCookie.status).toBe(401);
    // The cookie of a server on another port is not this server's.
    const otherPort = await rawGet(server.port, '/', { Cookie: `titlewave_1=${server.token}` });
    expect(otherPort.status).toBe(401);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie and takes it out of the address bar', async () => {
    const response = await rawGet(server.port, `/?token=${server.token}`);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toContain(`${server.cookieName}=${server.token}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    // Other query parameters survive the redirect; only the token goes.
    const deep = await rawGet(server.port, `/assets/index-abc.js?v=2&token=${server.token}`);
    expect(deep.headers.location).toBe('/assets/index-abc.js?v=2');
  });

  it('serves the page with the cookie, the bridge injected before the module script, and a strict CSP', async () => {
    const response = await rawGet(server.port, '/', { Cookie: cookie });
    expect(response.status).toBe(200);
    const html = response.body.toString();
    const bridgeAt = html.indexOf('<script src="./bridge.js"></script>');
    const moduleAt = html.indexOf('<script type="module"');
    expect(bridgeAt).toBeGreaterThan(0);
    expect(bridgeAt).toBeLessThan(moduleAt);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');

    const bridge = await rawGet(server.port, '/bridge.js', { Cookie: cookie });
    expect(bridge.status).toBe(200);
    expect(bridge.headers['content-type']).toMatch(/^text\/javascript/);
    expect(bridge.body.toString()).toContain('dialog.openTextFiles');
    const asset = await rawGet(server.port, '/assets/index-abc.js', { Cookie: cookie });
    expect(asset.status).toBe(200);
    expect(asset.body.toString()).toContain('window.api');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await rawGet(server.port, '/assets/index-abc.js', { Cookie: cookie }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const post = await rawGet(server.port, '/', { Cookie: cookie }, 'POST');
    expect(post.status).toBe(405);
  });

  it('never serves files outside the renderer build, nor dotfiles', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/.secret', '/%2esecret', '/assets/%00x', '/%E0%A4%A']) {
      const response = await rawGet(server.port, path, { Cookie: cookie });
      expect([400, 404], path).toContain(response.status);
      expect(response.body.toString()).not.toContain('dotfiles are never served');
      expect(response.body.toString()).not.toContain('"name"');
    }
  });
});

describe('the Host header (DNS rebinding)', () => {
  it('must name this server: 127.0.0.1:<port> or localhost:<port>', async () => {
    const good = await rawGet(server.port, '/', { Cookie: cookie, Host: `localhost:${server.port}` });
    expect(good.status).toBe(200);
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `localhost.evil.example:${server.port}`]) {
      const response = await rawGet(server.port, '/', { Cookie: cookie, Host: host });
      expect(response.status, host).toBe(403);
    }
    // Even the right token is refused under a foreign name, and no cookie is handed out.
    const rebound = await rawGet(server.port, `/?token=${server.token}`, { Host: `attacker.example:${server.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.headers['set-cookie']).toBeUndefined();
  });
});

describe('the WebSocket', () => {
  it('needs the cookie, this server as Origin, and this server as Host', async () => {
    expect(await openSocket(server.port, { Origin: origin })).toEqual({ status: 401 });
    expect(await openSocket(server.port, { Cookie: cookie })).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Cookie: cookie, Origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Cookie: cookie, Origin: `http://127.0.0.1:${server.port + 1}` })).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Cookie: cookie, Origin: 'null' })).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Cookie: cookie, Origin: origin }, `evil.example:${server.port}`)).toEqual({ status: 403 });
    const ok = await openSocket(server.port, { Cookie: cookie, Origin: `http://localhost:${server.port}` }, `localhost:${server.port}`);
    expect('ws' in ok).toBe(true);
    if ('ws' in ok) ok.ws.close();
  });

  it('says hello, runs service commands, and returns their errors as messages', async () => {
    const { ws, log } = await connect();
    expect(await log.next((m) => m.type === 'hello')).toMatchObject({ type: 'hello', language: null });

    services.handlers['history.list'] = () => [];
    expect(await call(ws, log, 'history.list', [])).toMatchObject({ ok: true, value: [] });

    services.handlers['history.delete'] = () => {
      throw new Error('No run named r1');
    };
    expect(await call(ws, log, 'history.delete', ['r1'])).toMatchObject({ ok: false, error: 'No run named r1' });
    expect(services.calls.at(-1)).toEqual({ command: 'history.delete', args: ['r1'] });

    // Arguments are validated against the contract before any service sees them.
    const before = services.calls.length;
    const invalid = await call(ws, log, 'history.delete', ['../../etc']);
    expect(invalid.ok).toBe(false);
    expect(String(invalid.error)).toMatch(/Invalid arguments for history\.delete/);
    expect((await call(ws, log, 'titles.start', [{ text: 'x' }])).ok).toBe(false);
    expect(await call(ws, log, 'no.such', [])).toMatchObject({ ok: false, error: 'Unknown command: no.such' });
    expect(await call(ws, log, 'dialog.openTextFiles', [])).toMatchObject({ ok: false });
    expect(services.calls.length).toBe(before);
    ws.close();
  });

  it('sends hello before any result, even to a page that asks at once', async () => {
    for (let i = 0; i < 5; i++) {
      const { ws, log } = await connect();
      ws.send(JSON.stringify({ type: 'invoke', id: 9000 + i, command: 'app.info', args: [] }));
      await log.next((m) => m.id === 9000 + i);
      expect(log.messages[0]?.type).toBe('hello');
      ws.close();
    }
  });

  it('answers the host commands: app.info, app.setLanguage (saved and broadcast), shell.openFolder', async () => {
    const first = await connect();
    const second = await connect();
    const info = await call(first.ws, first.log, 'app.info', []);
    expect(info).toMatchObject({ ok: true, value: { nativeDialogs: false, platform: process.platform } });
    expect((info.value as { cpus: number }).cpus).toBeGreaterThan(0);

    expect(await call(first.ws, first.log, 'app.setLanguage', ['zh-CN'])).toMatchObject({ ok: true });
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ language: 'zh-CN' });
    expect(await second.log.next((m) => m.type === 'event' && m.event === 'app.languageChanged')).toMatchObject({ payload: { language: 'zh-CN' } });
    expect((await call(first.ws, first.log, 'app.info', [])).value).toMatchObject({ language: 'zh-CN' });
    expect((await call(first.ws, first.log, 'app.setLanguage', ['fr'])).ok).toBe(false);
    // A new page learns the saved choice in its hello.
    const third = await connect();
    expect(await third.log.next((m) => m.type === 'hello')).toMatchObject({ language: 'zh-CN' });

    const file = join(dataDir, 'settings.json');
    expect(await call(first.ws, first.log, 'shell.openFolder', [file])).toMatchObject({ ok: false, error: `Not an existing folder: ${file}` });
    expect(await call(first.ws, first.log, 'shell.openFolder', [join(dataDir, 'missing')])).toMatchObject({ ok: false });
    expect(opened).toEqual([]);
    expect(await call(first.ws, first.log, 'shell.openFolder', [dataDir])).toMatchObject({ ok: true });
    expect(opened).toEqual([dataDir]);
    for (const { ws } of [first, second, third]) ws.close();
  });

  it('broadcasts service events to every page', async () => {
    const a = await connect();
    const b = await connect();
    const payload = { runs: [] };
    services.emit('history.changed', payload);
    for (const { log } of [a, b]) expect(await log.next((m) => m.type === 'event' && m.event === 'history.changed')).toEqual({ type: 'event', event: 'history.changed', payload });
    a.ws.close();
    b.ws.close();
  });

  it('closes on a message that is not an invoke', async () => {
    const { ws } = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"evil"}');
    expect(await closed).toBe(1008);
  });
});

describe('thumbnail previews', () => {
  it('serves only files behind tokens the services issued, with their image type and nosniff', async () => {
    const png = join(dataDir, 'thumb_32.png');
    await writeFile(png, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const text = join(dataDir, 'notes.txt');
    await writeFile(text, 'not an image');
    services.previews.set('tok-png', png);
    services.previews.set('tok-text', text);
    services.previews.set('tok-missing', join(dataDir, 'gone.png'));

    const response = await rawGet(server.port, '/preview/tok-png', { Cookie: cookie });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body.subarray(0, 4).toString('hex')).toBe('89504e47');
    for (const token of ['tok-text', 'tok-missing', 'unknown', `..%2fthumb_32.png`]) {
      expect((await rawGet(server.port, `/preview/${token}`, { Cookie: cookie })).status, token).toBe(404);
    }
  });
});

describe('injectBridge', () => {
  it('falls back to the end of <head> when there is no module script', () => {
    expect(injectBridge('<html><head><title>x</title></head><body></body></html>')).toBe('<html><head><title>x</title><script src="./bridge.js"></script>\n</head><body></body></html>');
  });
});
