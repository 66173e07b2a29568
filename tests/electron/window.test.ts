/** The window's security settings and the rules every web contents and the session follow (electron/window.ts). */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

// The window is made by electron's BrowserWindow; here a class that records its options.
vi.mock('electron', () => ({
  BrowserWindow: class {
    constructor(readonly options: Record<string, unknown>) {}
  },
}));

const { BLOCKED_REQUEST_URLS, createMainWindow, guardContents, hardenSession, isPermissionAllowed } = await import('../../electron/window.js');
type HardenedSession = import('../../electron/window.js').HardenedSession;
type RecordingWindow = { options: Record<string, unknown> };

const settings = { preloadPath: '/app/dist/electron/preload.cjs', bounds: null, dark: false, isDev: false };

describe('the main window', () => {
  it('runs its renderer sandboxed, context-isolated, without Node and with web security', () => {
    const window = createMainWindow(settings) as unknown as RecordingWindow;
    expect(window.options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
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
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: false,
    });
  });

  it('allows developer tools only in development', () => {
    const window = createMainWindow({ ...settings, isDev: true }) as unknown as RecordingWindow;
    expect((window.options.webPreferences as Record<string, unknown>).devTools).toBe(true);
  });

  it('opens centred at the default size without saved bounds, at the saved ones otherwise, never below the minimum', () => {
    const fresh = createMainWindow(settings) as unknown as RecordingWindow;
    expect(fresh.options).toMatchObject({ width: 1280, height: 800, center: true, minWidth: 900, minHeight: 600, show: false });
    const restored = createMainWindow({ ...settings, bounds: { x: 10, y: 20, width: 1000, height: 700 } }) as unknown as RecordingWindow;
    expect(restored.options).toMatchObject({ x: 10, y: 20, width: 1000, height: 700 });
    expect(restored.options.center).toBeUndefined();
  });

  it('paints the page colour of the OS theme until the renderer draws (no white flash in dark mode)', () => {
    const light = createMainWindow(settings) as unknown as RecordingWindow;
    const dark = createMainWindow({ ...settings, dark: true }) as unknown as RecordingWindow;
    expect(light.options.backgroundColor).toBe('#f4f5f8');
    expect(dark.options.backgroundColor).toBe('#0f1115');
  });
});

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
}

function guarded() {
  const contents = new FakeContents();
  const opened: string[] = [];
  guardContents(contents as never, (url) => opened.push(url));
  const fire = (event: string, url: string) => {
    const preventDefault = vi.fn();
    contents.emit(event, { url, preventDefault });
    return preventDefault;
  };
  return { contents, opened, fire };
}

describe('navigation and new windows', () => {
  it.each(['file:///home/user/dropped-urls.txt', 'https://example.com/', 'app://titlewave/other.html', 'javascript:alert(1)', 'data:text/html,<h1>x'])(
    'will-navigate to %s is blocked',
    (url) => {
      const { fire } = guarded();
      expect(fire('will-navigate', url)).toHaveBeenCalledTimes(1);
    },
  );

  it('a navigation to a web page goes to the system browser instead; other schemes go nowhere', () => {
    const { fire, opened } = guarded();
    fire('will-navigate', 'https://example.com/a?b=1');
    fire('will-navigate', 'file:///etc/passwd');
    fire('will-navigate', 'javascript:alert(1)');
    fire('will-navigate', 'https://user:secret@example.com/');
    expect(opened).toEqual(['https://example.com/a?b=1']);
  });

  it('redirects and webviews are refused', () => {
    const { fire, contents } = guarded();
    expect(fire('will-redirect', 'https://example.com/')).toHaveBeenCalled();
    const preventDefault = vi.fn();
    contents.emit('will-attach-webview', { preventDefault });
    expect(preventDefault).toHaveBeenCalled();
  });

  it('new windows are always denied; http(s) ones open in the system browser', () => {
    const { contents, opened } = guarded();
    expect(contents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'about:blank' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/']);
  });
});

describe('the session', () => {
  function hardened() {
    const session = Object.assign(new EventEmitter(), {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
      webRequest: { onBeforeRequest: vi.fn() },
    });
    hardenSession(session as unknown as HardenedSession);
    return session;
  }

  it.each(['geolocation', 'media', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'hid', 'unknown'])('denies the %s permission request', (permission) => {
    const session = hardened();
    const handler = session.setPermissionRequestHandler.mock.calls[0]?.[0] as (...args: unknown[]) => void;
    const callback = vi.fn();
    handler({}, permission, callback, { requestingUrl: 'app://titlewave/index.html' });
    expect(callback).toHaveBeenCalledWith(false);
  });

  it('lets only our page write text to the clipboard', () => {
    const session = hardened();
    const request = session.setPermissionRequestHandler.mock.calls[0]?.[0] as (...args: unknown[]) => void;
    const check = session.setPermissionCheckHandler.mock.calls[0]?.[0] as (...args: unknown[]) => boolean;
    const allowed = vi.fn();
    request({}, 'clipboard-sanitized-write', allowed, { requestingUrl: 'app://titlewave/index.html' });
    expect(allowed).toHaveBeenCalledWith(true);
    const foreign = vi.fn();
    request({}, 'clipboard-sanitized-write', foreign, { requestingUrl: 'https://example.com/' });
    expect(foreign).toHaveBeenCalledWith(false);
    expect(check({}, 'clipboard-sanitized-write', 'app://titlewave')).toBe(true);
    expect(check({}, 'clipboard-read', 'app://titlewave')).toBe(false);
    expect(check({}, 'media', 'app://titlewave')).toBe(false);
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined)).toBe(false);
    const device = session.setDevicePermissionHandler.mock.calls[0]?.[0] as () => boolean;
    expect(device()).toBe(false);
  });

  it('cancels every network request from the renderer and every download', () => {
    const session = hardened();
    const [filter, listener] = session.webRequest.onBeforeRequest.mock.calls[0] as [{ urls: string[] }, (details: unknown, callback: (response: unknown) => void) => void];
    expect(filter.urls).toEqual(BLOCKED_REQUEST_URLS);
    expect(filter.urls).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*']));
    const callback = vi.fn();
    listener({ url: 'https://tracker.example/' }, callback);
    expect(callback).toHaveBeenCalledWith({ cancel: true });
    const preventDefault = vi.fn();
    session.emit('will-download', { preventDefault });
    expect(preventDefault).toHaveBeenCalled();
  });
});
