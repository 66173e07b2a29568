/**
 * Render mode in the engine, with a renderer the test drives (no browser): which pages are rendered, what their
 * records say, and how renders share the run's limits, pause and cancel. Renders end only when the test lets them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxiedRenderMessage, startTitlesJob, type TitlesJob } from '../../src/titles/engine.js';
import { isPlaceholderTitle, renderReason } from '../../src/titles/render/auto.js';
import type { PageRenderer, RenderRequest, RenderResult } from '../../src/titles/render/renderer.js';
import type { TitleRecord, TitlesOptions } from '../../src/titles/types.js';
import { startHttpProxy } from '../helpers/proxies.js';

const pages: Record<string, { status?: number; type?: string; body: string }> = {
  '/empty': { body: '<title></title><div id="root"></div>' },
  '/blank': { body: '<title> \n </title>' },
  '/none': { body: '<div id="app"></div>' },
  '/react': { body: '<title>React App</title>' },
  '/loading': { body: '<title>Loading…</title>' },
  '/real': { body: '<title>Acme shop</title>' },
  '/missing': { status: 404, body: '<title></title>' },
  '/text': { type: 'text/plain', body: 'hello' },
};

/** Real-looking static titles and a script in the head: the body decides in `auto` (render/body-signals.ts). */
const head = (title: string): string => `<!doctype html><html><head><title>${title}</title><script defer src="/static/js/main.js"></script></head>`;
const craNoscript = '<noscript>You need to enable JavaScript to run this app.</noscript>';
const shellPages: Record<string, { status?: number; type?: string; body: string }> = {
  '/shell-mount': { body: `${head('Acme Shop')}<body><div id="root"></div></body></html>` },
  '/shell-cra': { body: `${head('Acme Shop')}<body>${craNoscript}<div id="root"></div></body></html>` },
  '/shell-noscript': { body: `${head('我的商店')}<body><noscript>您需要启用 JavaScript 才能运行此应用。</noscript><main></main></body></html>` },
  '/shell-gzip': { body: `${head('Acme Shop')}<body><div id="__next"></div></body></html>` },
  '/shell-content': { body: `${head('Acme Blog')}<body><div id="root"><h1>Posts</h1><p>First post.</p></div></body></html>` },
  '/shell-pixel': { body: `${head('Acme Blog')}<body><noscript><img height="1" width="1" src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/></noscript><p>Posts</p></body></html>` },
  '/shell-far': { body: `${head('Acme Docs')}<body>${'<p>A long page of documentation, paragraph after paragraph.</p>\n'.repeat(1200)}<div id="app"></div></body></html>` },
  '/shell-late-script': { body: `<!doctype html><html><head><title>Acme Shop</title></head><body><div id="root"></div><script src="/static/js/main.js"></script></body></html>` },
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string;
    const page = pages[path] ?? shellPages[path] ?? { status: 404, body: '' };
    if (path === '/shell-stall' || path === '/shell-stall-content') {
      // The head and the start of the body, then nothing more, ever (a stalled or slowly streamed body).
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.write(`${head('Acme Stream')}<body>${path === '/shell-stall' ? '<div id="root"></div>' : '<p>Posts</p>'}`);
      return;
    }
    if (path === '/shell-gzip') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' }).end(gzipSync(page.body));
      return;
    }
    response.writeHead(page.status ?? 200, { 'content-type': page.type ?? 'text/html; charset=utf-8' }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A renderer whose renders wait until the test answers them. */
class HeldRenderer implements PageRenderer {
  readonly pending: { request: RenderRequest; answer: (result: Partial<RenderResult>) => void; fail: (error: Error) => void }[] = [];
  started = 0;
  inFlight = 0;
  maxInFlight = 0;
  aborted = 0;
  closed = 0;
  render(request: RenderRequest): Promise<RenderResult> {
    this.started += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<RenderResult>((resolve, reject) => {
      const end = (): void => {
        this.inFlight -= 1;
        const at = this.pending.indexOf(entry);
        if (at !== -1) this.pending.splice(at, 1);
      };
      const entry = {
        request,
        answer: (result: Partial<RenderResult>) => {
          end();
          resolve({ title: `Rendered ${new URL(request.url).pathname}`, settled: true, ms: 123, finalUrl: request.url, ...result });
        },
        fail: (error: Error) => {
          end();
          reject(error);
        },
      };
      request.signal.addEventListener('abort', () => {
        this.aborted += 1;
        entry.fail(new Error('aborted'));
      }, { once: true });
      this.pending.push(entry);
    });
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function start(paths: string[], renderer: PageRenderer | null, options: Partial<TitlesOptions> = {}, signal?: AbortSignal, bodySignals?: boolean): { job: TitlesJob; records: Map<string, TitleRecord> } {
  const records = new Map<string, TitleRecord>();
  const job = startTitlesJob({
    lines: paths.map((path) => base + path),
    options,
    ...(signal ? { signal } : {}),
    ...(bodySignals !== undefined ? { bodySignals } : {}),
    onRecord: (record) => records.set(new URL(record.url).pathname + new URL(record.url).search, record),
    renderer: async () => renderer,
  });
  return { job, records };
}

describe('the auto rule', () => {
  it('takes empty, missing and placeholder titles of 2xx HTML pages, and nothing else', () => {
    const ok = { status: 200, html: true, failed: false };
    expect(renderReason('auto', { ...ok, title: null })).toBe('no-title');
    expect(renderReason('auto', { ...ok, title: ' \t' })).toBe('empty-title');
    for (const title of ['React App', 'Vite + React + TS', 'Loading…', 'loading...', ' LOADING ', 'Vue App']) expect(renderReason('auto', { ...ok, title })).toBe('placeholder');
    for (const title of ['Acme shop', 'React App Tutorial', 'Loading docks of Rotterdam', '京东']) expect(renderReason('auto', { ...ok, title })).toBeNull();
    expect(renderReason('auto', { ...ok, status: 404, title: '' })).toBeNull();
    expect(renderReason('auto', { ...ok, status: 301, title: '' })).toBeNull();
    expect(renderReason('auto', { ...ok, html: false, title: null })).toBeNull();
    expect(renderReason('auto', { ...ok, failed: true, title: null })).toBeNull();
    expect(renderReason('always', { ...ok, title: 'Acme shop' })).toBe('always');
    expect(renderReason('always', { ...ok, status: 500, title: 'Acme shop' })).toBeNull();
    expect(renderReason('never', { ...ok, title: null })).toBeNull();
    // A body signal makes any title a candidate in auto; it changes nothing in never, or for an error page.
    expect(renderReason('auto', { ...ok, title: 'Acme shop', bodySignal: 'mount-point' })).toBe('mount-point');
    expect(renderReason('auto', { ...ok, title: 'Acme shop', bodySignal: 'noscript' })).toBe('noscript');
    expect(renderReason('auto', { ...ok, title: 'React App', bodySignal: 'noscript' })).toBe('placeholder');
    expect(renderReason('auto', { ...ok, title: 'Acme shop', bodySignal: null })).toBeNull();
    expect(renderReason('never', { ...ok, title: 'Acme shop', bodySignal: 'mount-point' })).toBeNull();
    expect(renderReason('auto', { ...ok, status: 404, title: 'Acme shop', bodySignal: 'mount-point' })).toBeNull();
    expect(isPlaceholderTitle('React App')).toBe(true);
    expect(isPlaceholderTitle('Reactive Apps')).toBe(false);
  });
});

describe('render mode in the engine', () => {
  it('auto renders exactly the app shells; records carry the static title, rendered, renderMs and warnings', async () => {
    const renderer = new HeldRenderer();
    const { job, records } = start(Object.keys(pages), renderer, { render: 'auto', renderers: 8 });
    await until(() => renderer.pending.length === 5);
    expect(renderer.pending.map((p) => new URL(p.request.url).pathname).sort()).toEqual(['/blank', '/empty', '/loading', '/none', '/react']);
    expect(renderer.pending.every((p) => p.request.timeoutMs === 10_000)).toBe(true);
    for (const entry of [...renderer.pending]) {
      const path = new URL(entry.request.url).pathname;
      if (path === '/loading') entry.answer({ settled: false, title: 'Still loading' });
      else if (path === '/blank') entry.fail(new Error('net::ERR_CONNECTION_RESET'));
      else entry.answer({});
    }
    await job.done;
    await until(() => renderer.closed === 1);
    expect(records.get('/empty')).toMatchObject({ title: 'Rendered /empty', staticTitle: '', rendered: true, renderMs: 123, warning: null });
    expect(records.get('/none')).toMatchObject({ title: 'Rendered /none', staticTitle: null, rendered: true });
    expect(records.get('/react')).toMatchObject({ title: 'Rendered /react', staticTitle: 'React App', rendered: true });
    expect(records.get('/loading')).toMatchObject({ title: 'Still loading', staticTitle: 'Loading…', rendered: true, warning: { code: 'RENDER_UNSETTLED' } });
    expect(records.get('/blank')).toMatchObject({ title: '', staticTitle: '', rendered: false, renderMs: null, warning: { code: 'RENDER_FAILED' } });
    expect(records.get('/blank')?.warning?.message).toContain('ERR_CONNECTION_RESET');
    for (const path of ['/real', '/missing', '/text']) expect(records.get(path)).toMatchObject({ rendered: false, renderMs: null, warning: null });
    expect(records.get('/real')).toMatchObject({ title: 'Acme shop', staticTitle: 'Acme shop' });
  });

  it('auto renders pages with a real title whose body is an app shell, and no other', async () => {
    const renderer = new HeldRenderer();
    const shells = ['/shell-mount', '/shell-cra', '/shell-noscript', '/shell-gzip'];
    const others = ['/shell-content', '/shell-pixel', '/shell-far', '/shell-late-script', '/real'];
    const { job, records } = start([...shells, ...others], renderer, { render: 'auto', renderers: 8 });
    await until(() => records.size === others.length && renderer.pending.length === shells.length);
    expect(renderer.pending.map((p) => new URL(p.request.url).pathname).sort()).toEqual([...shells].sort());
    for (const entry of [...renderer.pending]) entry.answer({});
    await job.done;
    expect(records.get('/shell-mount')).toMatchObject({ staticTitle: 'Acme Shop', title: 'Rendered /shell-mount', rendered: true });
    expect(records.get('/shell-noscript')).toMatchObject({ staticTitle: '我的商店', rendered: true });
    for (const path of others) expect(records.get(path), path).toMatchObject({ rendered: false, renderMs: null, warning: null });
    expect(records.get('/shell-far')).toMatchObject({ title: 'Acme Docs' });
  });

  it('looks through a body that stalls after its title as far as it came, without an error or a wait for the timeout', async () => {
    const renderer = new HeldRenderer();
    const { job, records } = start(['/shell-stall', '/shell-stall-content'], renderer, { render: 'auto', timeoutMs: 5_000, retries: 0 });
    await until(() => records.size === 1 && renderer.pending.length === 1);
    expect(new URL(renderer.pending[0]?.request.url ?? '').pathname).toBe('/shell-stall');
    renderer.pending[0]?.answer({});
    await job.done;
    expect(records.get('/shell-stall')).toMatchObject({ staticTitle: 'Acme Stream', rendered: true, error: null });
    expect(records.get('/shell-stall-content')).toMatchObject({ title: 'Acme Stream', rendered: false, error: null, warning: null });
  });

  it('looks for no body signal in never, nor when told no page can be rendered', async () => {
    const shells = ['/shell-mount', '/shell-cra'];
    const never = start(shells, new HeldRenderer(), { render: 'never' });
    await never.job.done;
    const unavailable = start(shells, null, { render: 'auto' }, undefined, false);
    await unavailable.job.done;
    for (const records of [never.records, unavailable.records]) for (const path of shells) expect(records.get(path)).toMatchObject({ title: 'Acme Shop', rendered: false, warning: null });
  });

  it('never asks for a renderer when no page needs one, and never renders with render: never', async () => {
    let asked = 0;
    const records: TitleRecord[] = [];
    const job = startTitlesJob({ lines: [`${base}/real`], options: { render: 'auto' }, onRecord: (r) => records.push(r), renderer: async () => ((asked += 1), new HeldRenderer()) });
    await job.done;
    const never = startTitlesJob({ lines: [`${base}/empty`], options: { render: 'never' }, onRecord: (r) => records.push(r), renderer: async () => ((asked += 1), new HeldRenderer()) });
    await never.done;
    expect(asked).toBe(0);
    expect(records.map((r) => r.rendered)).toEqual([false, false]);
  });

  it('without a browser, pages that needed one keep their static titles with RENDER_UNAVAILABLE', async () => {
    const { job, records } = start(['/react', '/real'], null, { render: 'auto' });
    await job.done;
    expect(records.get('/react')).toMatchObject({ title: 'React App', rendered: false, warning: { code: 'RENDER_UNAVAILABLE' } });
    expect(records.get('/real')).toMatchObject({ title: 'Acme shop', warning: null });
  });

  it('renders at most `renderers` pages at once, and a render holds a slot of its host', async () => {
    const renderer = new HeldRenderer();
    const paths = ['/empty?1', '/empty?2', '/empty?3', '/empty?4', '/empty?5'];
    const { job, records } = start(paths, renderer, { render: 'auto', renderers: 2, perHost: 6 });
    await until(() => renderer.pending.length === 2);
    // Nothing more starts while both renderers are busy.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(renderer.started).toBe(2);
    while (records.size < paths.length) {
      await until(() => renderer.pending.length > 0 || records.size === paths.length);
      renderer.pending[0]?.answer({});
    }
    await job.done;
    expect(renderer.maxInFlight).toBe(2);

    const oneHost = new HeldRenderer();
    const second = start(paths, oneHost, { render: 'auto', renderers: 4, perHost: 1 });
    await until(() => oneHost.pending.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(oneHost.started).toBe(1);
    while (second.records.size < paths.length) {
      await until(() => oneHost.pending.length > 0 || second.records.size === paths.length);
      oneHost.pending[0]?.answer({});
    }
    await second.job.done;
    expect(oneHost.maxInFlight).toBe(1);
  });

  it('pause stops the renders in flight and starts them again on resume; each page still has one record', async () => {
    const renderer = new HeldRenderer();
    const { job, records } = start(['/empty', '/react'], renderer, { render: 'auto', renderers: 2 });
    await until(() => renderer.pending.length === 2);
    job.pause();
    await until(() => renderer.pending.length === 0);
    expect(renderer.aborted).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(renderer.started).toBe(2);
    expect(records.size).toBe(0);
    job.resume();
    await until(() => renderer.pending.length === 2);
    for (const entry of [...renderer.pending]) entry.answer({});
    const summary = await job.done;
    expect(renderer.started).toBe(4);
    expect([...records.values()].map((r) => r.rendered)).toEqual([true, true]);
    expect(summary.done).toBe(2);
  });

  it('cancel ends the renders in flight: no record after it, and the renderer is closed', async () => {
    const renderer = new HeldRenderer();
    const cancel = new AbortController();
    const { job, records } = start(['/empty', '/react', '/real'], renderer, { render: 'auto' }, cancel.signal);
    await until(() => renderer.pending.length === 2 && records.size === 1);
    cancel.abort(new Error('stop'));
    const summary = await job.done;
    expect(summary.cancelled).toBe(true);
    expect(renderer.aborted).toBe(2);
    expect([...records.keys()]).toEqual(['/real']);
    await until(() => renderer.closed === 1);
  });

  it('a run through a proxy renders nothing (the browser engine would go around the proxy): RENDER_UNAVAILABLE, static titles', async () => {
    const proxy = await startHttpProxy();
    try {
      const renderer = new HeldRenderer();
      const { job, records } = start(['/react', '/real'], renderer, { render: 'always', proxy: proxy.url });
      await job.done;
      expect(renderer.started).toBe(0);
      expect(proxy.carried.length).toBe(2);
      expect(records.get('/react')).toMatchObject({ title: 'React App', rendered: false, warning: { code: 'RENDER_UNAVAILABLE', message: proxiedRenderMessage } });
      expect(records.get('/real')).toMatchObject({ title: 'Acme shop', rendered: false, warning: { code: 'RENDER_UNAVAILABLE' } });
    } finally {
      await proxy.close();
    }
  });

  it('with --rate, a render counts as a request to its host and the host goes on (renders after renders, requests after renders)', async () => {
    // One request a second on one host: a render the pacer never heard written would hold the host's only start forever.
    const renderer = new HeldRenderer();
    const answering = setInterval(() => {
      for (const entry of [...renderer.pending]) entry.answer({});
    }, 5);
    try {
      const { job, records } = start(['/react', '/empty'], renderer, { render: 'auto', rate: 1, renderers: 1 });
      const summary = await job.done;
      expect(summary.done).toBe(2);
      expect(renderer.started).toBe(2);
      expect([...records.values()].every((record) => record.rendered)).toBe(true);
    } finally {
      clearInterval(answering);
    }
  }, 30_000);
});
