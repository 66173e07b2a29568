import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { injectBridge, startBrowserServer, type BrowserServer } from '../../src/server/server.js';
import { MessageLog, ScriptedServices, builtBridgeFile, makeRendererDir, openSocket, rawGet } from './helpers.js';

/** A named pipe: opening it for reading would block the server forever if it were served. */
async function mkfifo(path: string): Promise<void> {
  execFileSync('mkfifo', [path]);
}

let server: BrowserServer;
let services: ScriptedServices;
let dataDir: string;
let opened: string[];
let base: string;
let origin: string;

async function connect(): Promise<{ ws: WebSocket; log: MessageLog }> {
  const result = await openSocket(server.port, { Origin: origin }, undefined, `${base}ws`);
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
  base = server.basePath;
  origin = server.origin;
});

afterAll(async () => {
  await server.close();
});

describe('the access token', () => {
  it('is 256 random bits in the path of the printed URL, on 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{43}\/$/);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
    expect(new URL(server.url).port).toBe(String(server.port));
    expect(new URL(server.url).pathname).toBe(base);
    expect(base).toBe(`/t/${server.token}/`);
  });

  it('is required for every path: page, assets, bridge, previews, anything; the refusal says what to do', async () => {
    await writeFile(join(dataDir, 'x.png'), 'png');
    services.addPreview('known-token', join(dataDir, 'x.png'));
    for (const path of ['/', '/index.html', '/bridge.js', '/assets/index-abc.js', '/preview/known-token', '/nope', '/ws', '/t/', '/t//', '/t//bridge.js']) {
      const response = await rawGet(server.port, path);
      expect(response.status, path).toBe(401);
      const body = response.body.toString();
      expect(body).not.toContain('window.api');
      expect(body).toContain('Open the address <code>titlewave serve</code> printed');
      expect(body).toContain('titlewave serve');
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(response.headers['content-security-policy'])).toMatch(/^default-src 'none'; style-src 'sha256-/);
    }
  });

  it('refuses a wrong token with 403 and a page saying Titlewave was restarted with a new address', async () => {
    const wrong = 'A'.repeat(server.token.length);
    for (const path of [`/t/${wrong}/`, `/t/${wrong}/bridge.js`, `/t/${wrong}/assets/index-abc.js`, `/t/${wrong}`, `/t/${server.token.slice(1)}/`, `/t/${server.token}x/`]) {
      const response = await rawGet(server.port, path);
      expect(response.status, path).toBe(403);
      const body = response.body.toString();
      expect(body).toContain('Titlewave was restarted with a new address: open the address <code>titlewave serve</code> printed.');
      expect(body).toContain('Titlewave 已使用新地址重新启动');
      expect(body).not.toContain(server.token);
    }
    // The token in a query or a cookie is no token: only the path counts.
    expect((await rawGet(server.port, `/?token=${server.token}`)).status).toBe(401);
    expect((await rawGet(server.port, '/', { Cookie: `titlewave_${server.port}=${server.token}` })).status).toBe(401);
  });

  it('never sets a cookie, and adds the slash the page needs after the token', async () => {
    for (const path of [base, `${base}bridge.js`, `/t/${server.token}`, '/', `/t/${'B'.repeat(43)}/`]) {
      expect((await rawGet(server.port, path)).headers['set-cookie'], path).toBeUndefined();
    }
    const bare = await rawGet(server.port, `/t/${server.token}?v=2`);
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe(`${base}?v=2`);
  });

  it('serves the page below the prefix, the bridge injected before the module script, and a strict CSP', async () => {
    const response = await rawGet(server.port, base);
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
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await rawGet(server.port, `${base}index.html`)).body.toString()).toBe(html);

    const bridge = await rawGet(server.port, `${base}bridge.js`);
    expect(bridge.status).toBe(200);
    expect(bridge.headers['content-type']).toMatch(/^text\/javascript/);
    expect(bridge.body.toString()).toContain('dialog.openTextFiles');
    const asset = await rawGet(server.port, `${base}assets/index-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.body.toString()).toContain('window.api');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await rawGet(server.port, `${base}assets/index-abc.js`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const post = await rawGet(server.port, base, {}, 'POST');
    expect(post.status).toBe(405);
  });

  it('never serves files outside the renderer build, nor dotfiles', async () => {
    for (const rest of ['../package.json', '%2e%2e/package.json', 'assets/..%2f..%2fpackage.json', '.secret', '%2esecret', 'assets/%00x', '%E0%A4%A', 'assets']) {
      const response = await rawGet(server.port, `${base}${rest}`);
      expect([400, 403, 404], rest).toContain(response.status);
      expect(response.body.toString()).not.toContain('dotfiles are never served');
      expect(response.body.toString()).not.toContain('"name"');
    }
  });
});

describe('the Host header (DNS rebinding)', () => {
  it('must name this server: 127.0.0.1:<port> or localhost:<port>', async () => {
    const good = await rawGet(server.port, base, { Host: `localhost:${server.port}` });
    expect(good.status).toBe(200);
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `localhost.evil.example:${server.port}`]) {
      const response = await rawGet(server.port, base, { Host: host });
      expect(response.status, host).toBe(403);
      expect(response.body.toString()).not.toContain('window.api');
    }
  });
});

describe('the WebSocket', () => {
  it('needs the token in its path, this server as Origin, and this server as Host', async () => {
    const ws = `${base}ws`;
    expect(await openSocket(server.port, { Origin: origin })).toEqual({ status: 401 });
    expect(await openSocket(server.port, { Origin: origin }, undefined, `/t/${'A'.repeat(43)}/ws`)).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Origin: origin }, undefined, `${base}nope`)).toEqual({ status: 404 });
    expect(await openSocket(server.port, { Origin: origin, Cookie: `titlewave_${server.port}=${server.token}` })).toEqual({ status: 401 });
    expect(await openSocket(server.port, {}, undefined, ws)).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Origin: 'http://evil.example' }, undefined, ws)).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Origin: `http://127.0.0.1:${server.port + 1}` }, undefined, ws)).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Origin: 'null' }, undefined, ws)).toEqual({ status: 403 });
    expect(await openSocket(server.port, { Origin: origin }, `evil.example:${server.port}`, ws)).toEqual({ status: 403 });
    const ok = await openSocket(server.port, { Origin: `http://localhost:${server.port}` }, `localhost:${server.port}`, ws);
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
    services.addPreview('tok-png', png);
    services.addPreview('tok-text', text);
    services.addPreview('tok-missing', join(dataDir, 'gone.png'));

    const response = await rawGet(server.port, `${base}preview/tok-png`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body.subarray(0, 4).toString('hex')).toBe('89504e47');
    for (const token of ['tok-text', 'tok-missing', 'unknown', `..%2fthumb_32.png`]) {
      expect((await rawGet(server.port, `${base}preview/${token}`)).status, token).toBe(404);
    }
  });
});

describe('links never widen what is served (issue 11, item 3)', () => {
  it('serves no symlink that leads out of the renderer build, and only regular files', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'titlewave-outside-'));
    await writeFile(join(outside, 'secret.js'), 'the secret outside the build');
    await mkdir(join(outside, 'dir'));
    await writeFile(join(outside, 'dir', 'inner.js'), 'the secret in a folder outside');
    const renderer = await makeRendererDir();
    await symlink('/etc/passwd', join(renderer, 'assets', 'passwd.js'));
    await symlink(join(outside, 'secret.js'), join(renderer, 'assets', 'secret.js'));
    await symlink(join(outside, 'dir'), join(renderer, 'assets', 'linked-dir'));
    await symlink(join(renderer, 'assets', 'index-abc.js'), join(renderer, 'assets', 'alias.js'));
    await mkfifo(join(renderer, 'assets', 'pipe.js'));
    const linked = await startBrowserServer({ services: new ScriptedServices(), dataDir, port: 0, rendererDir: renderer, bridgeFile: builtBridgeFile });
    try {
      const get = (rest: string) => rawGet(linked.port, `${linked.basePath}${rest}`);
      for (const rest of ['assets/passwd.js', 'assets/secret.js', 'assets/linked-dir/inner.js', 'assets/pipe.js']) {
        const response = await get(rest);
        expect(response.status, rest).toBe(404);
        expect(response.body.toString(), rest).not.toMatch(/root:|secret/);
      }
      // A link that stays inside the build is an ordinary file of it.
      const alias = await get('assets/alias.js');
      expect(alias.status).toBe(200);
      expect(alias.body.toString()).toContain('window.api');
    } finally {
      await linked.close();
    }

    // index.html itself a link out of the build: not served either.
    const other = await makeRendererDir();
    await rm(join(other, 'index.html'));
    await symlink(join(outside, 'secret.js'), join(other, 'index.html'));
    const linkedIndex = await startBrowserServer({ services: new ScriptedServices(), dataDir, port: 0, rendererDir: other, bridgeFile: builtBridgeFile });
    try {
      const response = await rawGet(linkedIndex.port, linkedIndex.basePath);
      expect(response.body.toString()).not.toContain('secret');
      expect(response.status).toBe(503);
    } finally {
      await linkedIndex.close();
    }
  });

  it('serves a preview only while its path names the very file the services wrote', async () => {
    const thumbs = await mkdtemp(join(tmpdir(), 'titlewave-thumbs-'));
    const secret = join(thumbs, 'secret.png');
    await writeFile(secret, 'a file the services did not write');
    const paths = ['swapped-symlink.png', 'swapped-hardlink.png', 'swapped-copy.png'].map((name) => join(thumbs, name));
    for (const [i, path] of paths.entries()) {
      await writeFile(path, Buffer.from('89504e470d0a1a0a', 'hex'));
      services.addPreview(`tok-swap-${i}`, path);
      expect((await rawGet(server.port, `${base}preview/tok-swap-${i}`)).status).toBe(200);
    }
    // The outputs are replaced after they were issued: by a symlink, a hard link, a new file of the same name.
    await rm(paths[0]!);
    await symlink(secret, paths[0]!);
    await rm(paths[1]!);
    await link(secret, paths[1]!);
    await rm(paths[2]!);
    await writeFile(paths[2]!, 'another file under the same name');
    for (const i of [0, 1, 2]) {
      const response = await rawGet(server.port, `${base}preview/tok-swap-${i}`);
      expect(response.status, String(i)).toBe(404);
      expect(response.body.toString()).not.toMatch(/services did not write|another file/);
    }
    // A symlink issued as a preview is never served either (the real registry does not even issue one).
    services.addPreview('tok-link', paths[0]!);
    expect((await rawGet(server.port, `${base}preview/tok-link`)).status).toBe(404);
  });
});

describe('injectBridge', () => {
  it('falls back to the end of <head> when there is no module script', () => {
    expect(injectBridge('<html><head><title>x</title></head><body></body></html>')).toBe('<html><head><title>x</title><script src="./bridge.js"></script>\n</head><body></body></html>');
  });
});
