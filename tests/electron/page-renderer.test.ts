/**
 * Render mode's hidden-window renderer (electron/page-renderer.ts) against a mocked `electron`: the windows' options
 * and session, what they block, the settle rule and the deadline (fake timers), the concurrency cap, recycling,
 * cancel, crashes, load failures and close.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RenderRequest } from '../../src/titles/render/renderer.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electronModule);

const { createHiddenWindowRenderer, isRenderContents, isRequestBlocked, BLANK_TIMEOUT_MS, RENDER_PARTITION, TITLE_READ_TIMEOUT_MS, TITLE_SCRIPT, TITLE_WORLD_ID } = await import(
  '../../electron/page-renderer.js'
);
const electron = await import('./electron-mock.js');
const { FakeBrowserWindow, resetElectronMock } = electron;
type FakeWindow = InstanceType<typeof FakeBrowserWindow>;
type FakeSession = InstanceType<typeof electron.FakeSession>;

const PAGE = 'https://app.example/';
const renderers: { close(): Promise<void> }[] = [];

function renderer(options: { renderers: number; pagesPerWindow?: number }) {
  const created = createHiddenWindowRenderer(options);
  renderers.push(created);
  return created;
}

function request(url = PAGE, timeoutMs = 10_000, signal: AbortSignal = new AbortController().signal): RenderRequest {
  return { url, timeoutMs, signal };
}

function renderSession(): FakeSession {
  return electron.electronMock.session.fromPartition(RENDER_PARTITION) as FakeSession;
}

function windowAt(index: number): FakeWindow {
  const window = FakeBrowserWindow.instances[index];
  if (!window) throw new Error(`no window ${index}`);
  return window;
}

/** A promise's state without waiting on it. */
function watch<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

let nextRequestId = 1;

/** The page's main document: requested, answered, parsed. */
function loadPage(window: FakeWindow): void {
  const id = nextRequestId++;
  const details = { id, url: window.webContents.url, resourceType: 'mainFrame', webContentsId: window.webContents.id };
  expect(renderSession().request(details)).toBe(true);
  window.webContents.emit('did-navigate', {}, window.webContents.url, 200, 'OK');
  renderSession().complete(details);
  window.webContents.finishLoad();
}

beforeEach(() => {
  resetElectronMock();
  vi.useFakeTimers();
});

afterEach(async () => {
  for (const created of renderers.splice(0)) await created.close();
  vi.useRealTimers();
});

describe('the hidden windows', () => {
  it('are hidden, sandboxed, context-isolated, without Node, preload or devtools, in their own in-memory session', async () => {
    const pages = renderer({ renderers: 1 });
    void pages.render(request()).catch(() => undefined);
    const window = windowAt(0);
    expect(window.options).toMatchObject({ show: false });
    expect(window.options.webPreferences).toEqual({
      partition: 'titlewave-render',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      javascript: true,
      images: false,
      plugins: false,
      webgl: false,
      enableWebSQL: false,
      spellcheck: false,
      autoplayPolicy: 'user-gesture-required',
      navigateOnDragDrop: false,
      backgroundThrottling: false,
      disableDialogs: true,
      devTools: false,
    });
    // Not persist:…: nothing of the render session is written to disk or shared with the app's window.
    expect(RENDER_PARTITION.startsWith('persist:')).toBe(false);
    expect(window.webContents.session).toBe(renderSession());
    expect(window.webContents.session).not.toBe(electron.electronMock.session.defaultSession);
    expect(window.webContents.loads).toEqual([PAGE]);
  });

  it('are told apart from every other web contents by their session', () => {
    renderer({ renderers: 1 });
    const appWindow = new FakeBrowserWindow({ webPreferences: {} });
    const otherPartition = new FakeBrowserWindow({ webPreferences: { partition: 'other' } });
    const renderWindow = new FakeBrowserWindow({ webPreferences: { partition: RENDER_PARTITION } });
    expect(isRenderContents(appWindow.webContents)).toBe(false);
    expect(isRenderContents(otherPartition.webContents)).toBe(false);
    expect(isRenderContents(renderWindow.webContents)).toBe(true);
    expect(isRenderContents({})).toBe(false);
  });

  it('are a positive number', () => {
    expect(() => createHiddenWindowRenderer({ renderers: 0 })).toThrow(RangeError);
    expect(() => createHiddenWindowRenderer({ renderers: 1, pagesPerWindow: 0 })).toThrow(RangeError);
    expect(() => createHiddenWindowRenderer({ renderers: 1.5 })).toThrow(RangeError);
  });
});

describe('what a rendered page may not do', () => {
  it.each([
    ['image', 'https://cdn.example/a.png'],
    ['font', 'https://cdn.example/a.woff2'],
    ['media', 'https://cdn.example/a.mp4'],
    ['object', 'https://cdn.example/a.swf'],
    ['ping', 'https://analytics.example/beacon'],
    ['cspReport', 'https://app.example/csp'],
  ])('load a %s', (resourceType, url) => {
    renderer({ renderers: 1 });
    expect(renderSession().request({ id: 1, url, resourceType, webContentsId: 1 })).toBe(false);
  });

  it.each([
    'file:///etc/passwd',
    'app://titlewave/index.html',
    'titlewave-preview://thumb/abc',
    'ws://app.example/socket',
    'wss://app.example/socket',
    'ftp://files.example/',
    'chrome://settings/',
    'not a url',
  ])('request %s', (url) => {
    renderer({ renderers: 1 });
    expect(renderSession().request({ id: 1, url, resourceType: 'xhr', webContentsId: 1 })).toBe(false);
  });

  it('is let load its document, scripts, styles, frames and data (http(s), data:, blob:)', () => {
    renderer({ renderers: 1 });
    const allowed: [string, string][] = [
      ['mainFrame', 'https://app.example/'],
      ['script', 'http://app.example/app.js'],
      ['stylesheet', 'https://app.example/app.css'],
      ['xhr', 'https://api.example/title'],
      ['subFrame', 'https://frame.example/'],
      ['script', 'blob:https://app.example/0b1c'],
      ['stylesheet', 'data:text/css,body{}'],
      ['other', 'https://app.example/manifest.json'],
    ];
    for (const [resourceType, url] of allowed) {
      expect(isRequestBlocked(url, resourceType), `${resourceType} ${url}`).toBe(false);
      expect(renderSession().request({ id: 1, url, resourceType, webContentsId: 1 })).toBe(true);
    }
  });

  it('open a modal (alert, print, "leave this page?"), a popup or a download: every document is sandboxed by CSP', () => {
    renderer({ renderers: 1 });
    const session = renderSession();
    const page = { id: 1, url: PAGE, resourceType: 'mainFrame', webContentsId: 1 };
    expect(session.respond(page, { 'content-type': ['text/html'] })).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': ['sandbox allow-scripts allow-same-origin'],
    });
    // The page's own policy stays, and ours is one more (every policy holds).
    expect(session.respond({ ...page, resourceType: 'subFrame' }, { 'content-security-policy': ["default-src 'self'"] })).toEqual({
      'content-security-policy': ["default-src 'self'", 'sandbox allow-scripts allow-same-origin'],
    });
    const script = { 'content-type': ['text/javascript'] };
    expect(session.respond({ ...page, resourceType: 'script' }, script)).toBe(script);
  });

  it('get a permission, a device or a download', () => {
    renderer({ renderers: 1 });
    const session = renderSession();
    for (const permission of ['geolocation', 'notifications', 'media', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      (session.permissionRequestHandler as (...args: unknown[]) => void)({}, permission, callback, { requestingUrl: PAGE });
      expect(callback).toHaveBeenCalledWith(false);
      expect((session.permissionCheckHandler as (...args: unknown[]) => boolean)({}, permission, 'https://app.example')).toBe(false);
    }
    expect((session.devicePermissionHandler as () => boolean)()).toBe(false);
    const event = { preventDefault: vi.fn() };
    const item = { cancel: vi.fn() };
    session.emit('will-download', event, item, {});
    expect(event.preventDefault).toHaveBeenCalled();
    expect(item.cancel).toHaveBeenCalled();
  });

  it('navigate or redirect anywhere but the web, open a window or a webview, or hold its unload', async () => {
    const pages = renderer({ renderers: 1 });
    void pages.render(request()).catch(() => undefined);
    const contents = windowAt(0).webContents;
    const navigate = (event: string, url: string): boolean => {
      const preventDefault = vi.fn();
      contents.emit(event, { url, preventDefault });
      return preventDefault.mock.calls.length > 0;
    };
    for (const event of ['will-navigate', 'will-redirect']) {
      expect(navigate(event, 'https://app.example/home')).toBe(false);
      expect(navigate(event, 'http://other.example/')).toBe(false);
      for (const url of ['file:///etc/passwd', 'app://titlewave/index.html', 'javascript:alert(1)', 'data:text/html,x', 'about:blank', 'mailto:a@b.example']) {
        expect(navigate(event, url), `${event} ${url}`).toBe(true);
      }
    }
    expect(contents.windowOpenHandler?.({ url: 'https://popup.example/' })).toEqual({ action: 'deny' });
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    const unload = { preventDefault: vi.fn() };
    contents.emit('will-prevent-unload', unload);
    expect(unload.preventDefault).toHaveBeenCalled();
    // Nothing reaches the user's desktop.
    expect(electron.electronMock.shell.openExternal).not.toHaveBeenCalled();
  });

  it('be rendered at all unless it is an http(s) page', async () => {
    const pages = renderer({ renderers: 1 });
    for (const url of ['file:///etc/passwd', 'app://titlewave/index.html', 'javascript:alert(1)', 'nonsense']) {
      await expect(pages.render(request(url))).rejects.toThrow(/only http and https pages are rendered/);
    }
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('change the rules by making a second renderer: the session is prepared once', () => {
    renderer({ renderers: 1 });
    renderer({ renderers: 1 });
    expect(renderSession().webRequest.onBeforeRequest).toHaveBeenCalledTimes(1);
    expect(renderSession().setPermissionRequestHandler).toHaveBeenCalledTimes(1);
  });
});

describe('settle and deadline', () => {
  it('answers document.title (read where page scripts cannot redefine it) 500 ms after the last title change and request', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const window = windowAt(0);
    const contents = window.webContents;
    loadPage(window);
    contents.emit('page-title-updated', {}, 'Loading…', true);
    const api = { id: nextRequestId++, url: 'https://api.example/title', resourceType: 'xhr', webContentsId: contents.id };
    renderSession().request(api);
    // A request in flight holds the page open however long it takes.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(render.done).toBe(false);
    renderSession().complete(api);
    await vi.advanceTimersByTimeAsync(300);
    contents.emit('page-title-updated', {}, 'Inbox (3)', true);
    contents.documentTitle = 'Inbox (3)';
    await vi.advanceTimersByTimeAsync(499);
    expect(render.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(render.error).toBeUndefined();
    expect(render.value).toMatchObject({ title: 'Inbox (3)', settled: true, finalUrl: PAGE });
    expect(render.value?.ms).toBe(3_800);
    expect(contents.scriptsRun).toEqual([{ worldId: TITLE_WORLD_ID, code: TITLE_SCRIPT }]);
  });

  it('answers null for a document with no HTML <title> element, as records say for a static page', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const window = windowAt(0);
    window.webContents.titleElement = false;
    loadPage(window);
    await vi.advanceTimersByTimeAsync(500);
    expect(render.error).toBeUndefined();
    expect(render.value).toMatchObject({ title: null, settled: true });
    // The script asks for the HTML namespace's <title>: an SVG <title> is not the document's.
    expect(TITLE_SCRIPT).toContain("getElementsByTagNameNS('http://www.w3.org/1999/xhtml', 'title')");
  });

  it('waits for the document to stop loading, and counts a redirected request once', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const contents = windowAt(0).webContents;
    const main = { id: nextRequestId++, url: PAGE, resourceType: 'mainFrame', webContentsId: contents.id };
    renderSession().request(main);
    // The same request again after a redirect: still one request, ended once.
    renderSession().request({ ...main, url: 'https://app.example/home' });
    renderSession().complete(main);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(render.done).toBe(false);
    contents.finishLoad();
    await vi.advanceTimersByTimeAsync(500);
    expect(render.value).toMatchObject({ settled: true });
  });

  it("is not held open by another window's requests", async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    loadPage(windowAt(0));
    renderSession().request({ id: nextRequestId++, url: 'https://slow.example/', resourceType: 'xhr', webContentsId: 9_999 });
    renderSession().request({ id: nextRequestId++, url: 'https://slow.example/', resourceType: 'xhr' });
    await vi.advanceTimersByTimeAsync(500);
    expect(render.value).toMatchObject({ settled: true });
  });

  it('answers at the deadline with the last title the page announced, unsettled, and replaces the window', async () => {
    const pages = renderer({ renderers: 1 });
    const first = watch(pages.render(request(PAGE, 4_000)));
    const window = windowAt(0);
    loadPage(window);
    // A page that polls for ever and keeps retitling itself never settles.
    renderSession().request({ id: nextRequestId++, url: 'https://api.example/poll', resourceType: 'xhr', webContentsId: window.webContents.id });
    window.webContents.emit('page-title-updated', {}, '(1) New message', true);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(first.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.value).toEqual({ title: '(1) New message', settled: false, ms: 4_000, finalUrl: PAGE });
    // The page was not asked (it may be stuck), and its window is gone.
    expect(window.webContents.scriptsRun).toEqual([]);
    expect(window.destroyed).toBe(true);
    const second = watch(pages.render(request('https://next.example/')));
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(second.value).toMatchObject({ settled: true, finalUrl: 'https://next.example/' });
  });

  it('fails at the deadline when no document arrived (the record keeps its static title)', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request(PAGE, 4_000)));
    const window = windowAt(0);
    // The server accepted the request and never answered.
    renderSession().request({ id: nextRequestId++, url: PAGE, resourceType: 'mainFrame', webContentsId: window.webContents.id });
    await vi.advanceTimersByTimeAsync(4_000);
    expect((render.error as Error).message).toBe('the page did not start loading within 4 s');
    expect(window.destroyed).toBe(true);
  });

  it('takes the announced title when a settled page does not answer (a script loop), and replaces the window', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const window = windowAt(0);
    loadPage(window);
    window.webContents.emit('page-title-updated', {}, 'Dashboard', true);
    window.webContents.documentTitle = null;
    await vi.advanceTimersByTimeAsync(500 + TITLE_READ_TIMEOUT_MS - 1);
    expect(render.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(render.value).toMatchObject({ title: 'Dashboard', settled: true });
    expect(window.destroyed).toBe(true);
  });

  it('reports where the page ended up after a script navigation', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const contents = windowAt(0).webContents;
    loadPage(windowAt(0));
    contents.url = 'https://app.example/#/login';
    contents.documentTitle = 'Sign in';
    await vi.advanceTimersByTimeAsync(500);
    expect(render.value).toMatchObject({ title: 'Sign in', finalUrl: 'https://app.example/#/login' });
  });
});

describe('the pool', () => {
  it('renders at most `renderers` pages at once, queues the rest, and empties a window between two pages', async () => {
    const pages = renderer({ renderers: 2 });
    const renders = [1, 2, 3, 4, 5].map((n) => watch(pages.render(request(`https://site${n}.example/`))));
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    expect(FakeBrowserWindow.instances.map((window) => window.webContents.loads)).toEqual([['https://site1.example/'], ['https://site2.example/']]);
    loadPage(windowAt(0));
    await vi.advanceTimersByTimeAsync(500);
    expect(renders.map((render) => render.done)).toEqual([true, false, false, false, false]);
    // The freed window took the third page, after about:blank; still two windows.
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    expect(windowAt(0).webContents.loads).toEqual(['https://site1.example/', 'about:blank', 'https://site3.example/']);
    loadPage(windowAt(0));
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    loadPage(windowAt(0));
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(renders.map((render) => render.value?.settled)).toEqual([true, true, true, true, true]);
    expect(FakeBrowserWindow.instances).toHaveLength(2);
  });

  it('replaces a window after `pagesPerWindow` pages', async () => {
    const pages = renderer({ renderers: 1, pagesPerWindow: 2 });
    for (let n = 1; n <= 3; n += 1) {
      const render = watch(pages.render(request(`https://site${n}.example/`)));
      loadPage(FakeBrowserWindow.instances.at(-1) as FakeWindow);
      await vi.advanceTimersByTimeAsync(500);
      expect(render.value?.settled).toBe(true);
    }
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    expect(windowAt(0).webContents.loads).toEqual(['https://site1.example/', 'about:blank', 'https://site2.example/']);
    expect(windowAt(0).destroyed).toBe(true);
    expect(windowAt(1).webContents.loads).toEqual(['https://site3.example/', 'about:blank']);
    expect(windowAt(1).destroyed).toBe(false);
  });

  it('drops a waiting window destroyed from outside (the app quitting) and renders in a new one', async () => {
    const pages = renderer({ renderers: 1 });
    const first = watch(pages.render(request()));
    loadPage(windowAt(0));
    await vi.advanceTimersByTimeAsync(500);
    expect(first.value?.settled).toBe(true);
    windowAt(0).destroy();
    const second = watch(pages.render(request('https://next.example/')));
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(second.value).toMatchObject({ settled: true, finalUrl: 'https://next.example/' });
  });

  it('a window destroyed as its page settles still gives an answer (the announced title)', async () => {
    const pages = renderer({ renderers: 1 });
    const render = watch(pages.render(request()));
    const window = windowAt(0);
    loadPage(window);
    window.webContents.emit('page-title-updated', {}, 'Home', true);
    await vi.advanceTimersByTimeAsync(499);
    window.destroy();
    await vi.advanceTimersByTimeAsync(1);
    expect(render.value).toMatchObject({ title: 'Home', settled: true, finalUrl: PAGE });
  });

  it('replaces a window that does not load about:blank in time', async () => {
    const pages = renderer({ renderers: 1 });
    const first = watch(pages.render(request()));
    windowAt(0).webContents.blankHangs = true;
    loadPage(windowAt(0));
    await vi.advanceTimersByTimeAsync(500);
    expect(first.value?.settled).toBe(true);
    const second = watch(pages.render(request('https://next.example/')));
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(BLANK_TIMEOUT_MS);
    expect(windowAt(0).destroyed).toBe(true);
    expect(windowAt(1).webContents.loads).toEqual(['https://next.example/']);
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(second.value?.settled).toBe(true);
  });
});

describe('cancel, crash, failure, close', () => {
  it('cancel stops the load at once, rejects with the reason and replaces the window', async () => {
    const pages = renderer({ renderers: 1 });
    const controller = new AbortController();
    const render = watch(pages.render(request(PAGE, 10_000, controller.signal)));
    const window = windowAt(0);
    const reason = new Error('run cancelled');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(render.error).toBe(reason);
    expect(window.webContents.stopped).toBe(1);
    expect(window.destroyed).toBe(true);
  });

  it('cancel of a queued render takes it out of the queue; an aborted signal is refused at once', async () => {
    const pages = renderer({ renderers: 1 });
    const first = watch(pages.render(request()));
    const controller = new AbortController();
    const queued = watch(pages.render(request('https://queued.example/', 10_000, controller.signal)));
    controller.abort(new Error('cancelled while waiting'));
    await vi.advanceTimersByTimeAsync(0);
    expect((queued.error as Error).message).toBe('cancelled while waiting');
    await expect(pages.render(request(PAGE, 10_000, AbortSignal.abort(new Error('already'))))).rejects.toThrow('already');
    loadPage(windowAt(0));
    await vi.advanceTimersByTimeAsync(500);
    expect(first.value?.settled).toBe(true);
    expect(FakeBrowserWindow.instances.flatMap((window) => window.webContents.loads)).not.toContain('https://queued.example/');
  });

  it("a crashed page fails at once, not at its deadline, and the next page gets a new window", async () => {
    const pages = renderer({ renderers: 1 });
    const crashed = watch(pages.render(request()));
    const window = windowAt(0);
    window.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await vi.advanceTimersByTimeAsync(0);
    expect((crashed.error as Error).message).toBe("the page's renderer ended (crashed)");
    expect(window.destroyed).toBe(true);
    const next = watch(pages.render(request('https://next.example/')));
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(next.value?.settled).toBe(true);
  });

  it('a page that does not load fails with its error; a load the page replaces itself does not', async () => {
    const pages = renderer({ renderers: 1 });
    const failed = watch(pages.render(request('https://nowhere.invalid/')));
    windowAt(0).webContents.failLoad(-105, 'ERR_NAME_NOT_RESOLVED');
    await vi.advanceTimersByTimeAsync(0);
    expect((failed.error as Error).message).toBe('the page did not load: ERR_NAME_NOT_RESOLVED (-105) https://nowhere.invalid/');
    const replaced = watch(pages.render(request()));
    const contents = windowAt(1).webContents;
    contents.emit('did-fail-load', {}, -3, 'ERR_ABORTED', PAGE, true, 1, 1);
    contents.emit('did-fail-load', {}, -2, 'ERR_FAILED', 'https://ads.example/frame', false, 1, 2);
    contents.url = 'https://app.example/start';
    loadPage(windowAt(1));
    await vi.advanceTimersByTimeAsync(500);
    expect(replaced.value).toMatchObject({ settled: true, finalUrl: 'https://app.example/start' });
  });

  it('close destroys every window, rejects what runs and waits, and refuses new renders', async () => {
    const pages = createHiddenWindowRenderer({ renderers: 2 });
    const done = watch(pages.render(request('https://done.example/')));
    loadPage(windowAt(0));
    await vi.advanceTimersByTimeAsync(500);
    expect(done.value?.settled).toBe(true);
    const running = [watch(pages.render(request('https://a.example/'))), watch(pages.render(request('https://b.example/')))];
    const waiting = watch(pages.render(request('https://c.example/')));
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    await pages.close();
    await vi.advanceTimersByTimeAsync(0);
    for (const render of [...running, waiting]) expect((render.error as Error).message).toBe('the page renderer was closed');
    expect(FakeBrowserWindow.instances.every((window) => window.destroyed)).toBe(true);
    await expect(pages.render(request())).rejects.toThrow('the page renderer was closed');
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    // What the pages stored does not outlive the renderer.
    expect(renderSession().clearStorageData).toHaveBeenCalledTimes(1);
    expect(renderSession().clearCache).toHaveBeenCalledTimes(1);
    await pages.close();
    expect(renderSession().clearStorageData).toHaveBeenCalledTimes(1);
  });

  it("clears the session only when the last renderer on it closes (another run's pages keep their cookies)", async () => {
    const first = createHiddenWindowRenderer({ renderers: 1 });
    const second = createHiddenWindowRenderer({ renderers: 1 });
    await first.close();
    expect(renderSession().clearStorageData).not.toHaveBeenCalled();
    await second.close();
    expect(renderSession().clearStorageData).toHaveBeenCalledTimes(1);
  });
});
