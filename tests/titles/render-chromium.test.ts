/**
 * Render mode for real: the titles engine with the playwright-core renderer driving Debian's Chromium, against
 * loopback pages whose titles are set by scripts. Each rendered title is compared with what Chromium's
 * `document.title` shows for the same page, loaded on its own and read once its network has been idle for 500 ms
 * (Playwright's `networkidle`, the settle rule's request half).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTitlesJob } from '../../src/titles/engine.js';
import { chromiumArgs, createPlaywrightRenderer } from '../../src/titles/render/playwright.js';
import type { TitleRecord, TitlesOptions } from '../../src/titles/types.js';

const chromiumPath = '/usr/bin/chromium';
const html = (head: string, body = ''): string => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

const pages: Record<string, string> = {
  '/after-load': html('<title></title>', `<div id="root"></div><script>addEventListener('load', () => { document.title = 'Set after load'; });</script>`),
  '/after-json': html('<title>React App</title>', `<div id="root"></div><script>fetch('/api/title').then((r) => r.json()).then((d) => { document.title = d.title; });</script>`),
  '/timer': html('<title>Loading…</title>', `<script>setTimeout(() => { document.title = 'Six seconds later'; }, 6000);</script>`),
  '/push-state': html('', `<div id="app"></div><script>fetch('/api/title').then(() => { history.pushState({}, '', '/push-state/inbox'); document.title = 'Inbox (3)'; });</script>`),
  // Both keep a request in flight that never ends, and /forever changes its title every 20 ms, so they never settle
  // however slowly a busy machine runs them.
  '/forever': html('<title> </title>', `<script>fetch('/hang'); let n = 0; setInterval(() => { document.title = 'tick ' + (n += 1); }, 20);</script>`),
  '/alert': html('<title></title>', `<script>alert('hello'); confirm('sure?'); document.title = 'After the alert';</script>`),
  '/gallery': html(
    '<title>Vite + React + TS</title><style>@font-face { font-family: F; src: url(/font/f.woff2); } body { font-family: F; }</style>',
    `<div id="root"></div><script>for (let i = 0; i < 20; i += 1) { const img = document.createElement('img'); img.src = '/img/' + i + '.png'; document.body.append(img); } const v = document.createElement('video'); v.src = '/media/v.mp4'; v.autoplay = true; document.body.append(v); document.title = 'Gallery of 20';</script>`,
  ),
  '/navigates': html('<title></title>', `<script>fetch('/hang'); document.title = 'hop ' + location.search; setTimeout(() => { location.href = '/navigates?' + Date.now(); }, 50);</script>`),
  '/popup': html('<title></title>', `<script>window.open('/popup-target'); document.title = 'Opened a popup';</script>`),
  '/file': html('<title></title>', `<script>document.title = 'Before file'; location.href = 'file:///etc/hostname';</script>`),
  '/real': html('<title>Acme — Home</title>', `<script>document.title = 'Changed by script';</script>`),
  // No HTML <title> before or after scripts (an SVG one is not the document's): null, as for a static page; an empty
  // one stays ''.
  '/no-title': html('', `<svg><title>An icon</title></svg><script>document.body.dataset.ran = '1';</script>`),
  '/empty-title': html('<title></title>', `<script>document.body.dataset.ran = '1';</script>`),
  // Real-looking static titles, with a script in the head: the body decides (render/body-signals.ts).
  '/shell-mount': html('<title>Acme Shop</title><script defer src="/shell.js"></script>', '<div id="root"></div>'),
  '/shell-noscript': html('<title>我的商店</title><script defer src="/shell.js"></script>', '<noscript>您需要启用 JavaScript 才能运行此应用。</noscript><main></main>'),
  '/shell-content': html('<title>Acme Blog</title><script defer src="/shell.js"></script>', '<div id="root"><h1>Posts</h1><p>First post.</p></div><noscript><img src="/pixel.gif?noscript=1" alt=""></noscript>'),
  '/shell-far': html('<title>Acme Docs</title><script defer src="/shell.js"></script>', `${'<p>A long page of documentation, paragraph after paragraph.</p>\n'.repeat(1200)}<div id="app"></div>`),
};
/** The app of the /shell-* pages: it names the view it shows once it has started. */
const shellScript = `document.title = document.title + ' — Dashboard';`;

let server: Server;
let base: string;
const hits = new Map<string, number>();
const hit = (key: string): void => void hits.set(key, (hits.get(key) ?? 0) + 1);

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string;
    if (path.startsWith('/img/') || path.startsWith('/font/') || path.startsWith('/media/')) {
      hit('blocked-kinds');
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end('x');
      return;
    }
    if (path === '/popup-target') hit('popup');
    if (path === '/hang') return;
    if (path === '/shell.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(shellScript);
      return;
    }
    if (path === '/api/title') {
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ title: 'From JSON: 京东 & <b>' })), 200);
      return;
    }
    const page = pages[path] ?? pages[path.replace(/\/inbox$/, '')];
    if (page === undefined) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title>');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function run(paths: string[], options: Partial<TitlesOptions>): Promise<Map<string, TitleRecord>> {
  const records = new Map<string, TitleRecord>();
  const job = startTitlesJob({
    lines: paths.map((path) => base + path),
    options: { renderTimeoutMs: 15_000, ...options },
    onRecord: (record) => records.set(new URL(record.url).pathname, record),
    renderer: async () => createPlaywrightRenderer({ executablePath: chromiumPath }),
  });
  await job.done;
  return records;
}

/** What Chromium's tab shows for the page once its network has been idle for 500 ms. */
async function chromiumTitles(paths: string[]): Promise<Map<string, string>> {
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs() });
  try {
    const titles = new Map<string, string>();
    for (const path of paths) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.dismiss());
      await page.goto(base + path, { waitUntil: 'networkidle' });
      titles.set(path, await page.title());
      await context.close();
    }
    return titles;
  } finally {
    await browser.close();
  }
}

describe('render mode in Chromium', () => {
  const settling = ['/after-load', '/after-json', '/timer', '/push-state', '/alert', '/gallery'];

  it('auto renders the pages whose static title is empty or a placeholder, and their titles are what Chromium shows', async () => {
    hits.clear();
    const records = await run([...settling, '/real'], { render: 'auto' });
    // Images, fonts and media were never requested (counted before the oracle, which loads them).
    expect(hits.get('blocked-kinds') ?? 0).toBe(0);
    const oracle = await chromiumTitles(settling);
    for (const path of settling) {
      const record = records.get(path) as TitleRecord;
      expect({ path, title: record.title, rendered: record.rendered, warning: record.warning }).toEqual({ path, title: oracle.get(path), rendered: true, warning: null });
      expect(record.renderMs).toBeGreaterThan(0);
    }
    expect(records.get('/after-load')?.title).toBe('Set after load');
    expect(records.get('/after-json')).toMatchObject({ staticTitle: 'React App', title: 'From JSON: 京东 & <b>' });
    expect(records.get('/push-state')).toMatchObject({ staticTitle: null, title: 'Inbox (3)' });
    expect(records.get('/alert')?.title).toBe('After the alert');
    expect(records.get('/gallery')).toMatchObject({ staticTitle: 'Vite + React + TS', title: 'Gallery of 20' });
    // The settle rule reads the tab 500 ms after the page went quiet: a title set by a later timer is not seen.
    expect(records.get('/timer')).toMatchObject({ staticTitle: 'Loading…', title: 'Loading…' });
    // A page with a real static title is never rendered in auto.
    expect(records.get('/real')).toMatchObject({ title: 'Acme — Home', staticTitle: 'Acme — Home', rendered: false, renderMs: null, warning: null });
    // The oracle's own load did request them: the fixture counts what arrives.
    expect(hits.get('blocked-kinds') ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('auto renders a page with a real static title when its body is an app shell, and only then', async () => {
    const shells = ['/shell-mount', '/shell-noscript'];
    const records = await run([...shells, '/shell-content', '/shell-far'], { render: 'auto' });
    const oracle = await chromiumTitles(shells);
    for (const path of shells) {
      const record = records.get(path) as TitleRecord;
      expect({ path, title: record.title, rendered: record.rendered, warning: record.warning }).toEqual({ path, title: oracle.get(path), rendered: true, warning: null });
    }
    expect(records.get('/shell-mount')).toMatchObject({ staticTitle: 'Acme Shop', title: 'Acme Shop — Dashboard' });
    expect(records.get('/shell-noscript')).toMatchObject({ staticTitle: '我的商店', title: '我的商店 — Dashboard' });
    // Content in #root and a tracking pixel in <noscript>; a mount point beyond the bytes looked at: not rendered.
    expect(records.get('/shell-content')).toMatchObject({ title: 'Acme Blog', rendered: false, renderMs: null, warning: null });
    expect(records.get('/shell-far')).toMatchObject({ title: 'Acme Docs', rendered: false, renderMs: null, warning: null });
  }, 120_000);

  it('always renders pages with a real static title too; never renders none', async () => {
    const always = await run(['/real', '/after-load'], { render: 'always' });
    expect(always.get('/real')).toMatchObject({ title: 'Changed by script', staticTitle: 'Acme — Home', rendered: true });
    const none = await run(['/no-title', '/empty-title'], { render: 'always' });
    expect(none.get('/no-title')).toMatchObject({ title: null, staticTitle: null, rendered: true, warning: null });
    expect(none.get('/empty-title')).toMatchObject({ title: '', staticTitle: '', rendered: true, warning: null });
    const never = await run(['/real', '/after-load'], { render: 'never' });
    expect(never.get('/after-load')).toMatchObject({ title: '', staticTitle: '', rendered: false, warning: null });
  }, 120_000);

  it('ends a page that never settles at the deadline, with the title at that moment and a warning', async () => {
    const records = await run(['/forever', '/navigates'], { render: 'auto', renderTimeoutMs: 8_000 });
    const forever = records.get('/forever') as TitleRecord;
    expect(forever).toMatchObject({ rendered: true, warning: { code: 'RENDER_UNSETTLED' } });
    expect(forever.title).toMatch(/^tick \d+$/);
    const navigates = records.get('/navigates') as TitleRecord;
    expect(navigates).toMatchObject({ rendered: true, warning: { code: 'RENDER_UNSETTLED' } });
    // Mid-navigation the new document may have no title yet: the title at that moment is '' then.
    expect(navigates.title ?? '').toMatch(/^(hop .*)?$/);
  }, 120_000);

  it('gives a page no popup and no file:// navigation', async () => {
    hits.clear();
    const records = await run(['/popup', '/file'], { render: 'auto' });
    expect(records.get('/popup')).toMatchObject({ rendered: true, title: 'Opened a popup' });
    expect(records.get('/file')).toMatchObject({ rendered: true, title: 'Before file' });
    expect(hits.get('popup') ?? 0).toBe(0);
  }, 120_000);
});
