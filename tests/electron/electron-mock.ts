/**
 * A stand-in for the `electron` module (the real one needs its binary, which cannot be downloaded here): just the
 * APIs the shell uses, recording what was asked of them. Tests install it with
 * `vi.mock('electron', async () => (await import('./electron-mock.js')).electronModule)` and read `electronMock`.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeWebFrame {
  constructor(public url: string) {}
}

let nextWebContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  mainFrame = new FakeWebFrame('');
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  /** Set by the window from its `webPreferences.partition` (the default session without one). */
  session: unknown = null;
  destroyed = false;
  /** Every URL given to loadURL, in order. */
  readonly loads: string[] = [];
  url = '';
  stopped = 0;
  /** What `document.title` answers in the title world; null: the page never answers (a script loop). */
  documentTitle: string | null = '';
  /** Whether the document has an HTML <title> element (without one, the title script answers null). */
  titleElement = true;
  readonly scriptsRun: { worldId: number; code: string }[] = [];
  /** about:blank never finishes loading (a stuck window). */
  blankHangs = false;
  #pendingLoad: { resolve: () => void; reject: (error: Error) => void } | null = null;

  /**
   * Starts loading as Chromium does (did-start-loading at once). about:blank finishes by itself; a web page finishes
   * when the test calls finishLoad() or failLoad().
   */
  loadURL(url: string): Promise<void> {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.loads.push(url);
    this.url = url;
    this.emit('did-start-loading');
    if (url === 'about:blank') {
      if (this.blankHangs) return new Promise(() => undefined);
      this.emit('did-stop-loading');
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#pendingLoad = { resolve, reject };
    });
  }

  finishLoad(): void {
    this.emit('did-stop-loading');
    this.#pendingLoad?.resolve();
    this.#pendingLoad = null;
  }

  failLoad(code: number, description: string): void {
    this.emit('did-fail-load', {}, code, description, this.url, true, 1, 1);
    this.emit('did-stop-loading');
    this.#pendingLoad?.reject(new Error(`${description} (${code}) loading '${this.url}'`));
    this.#pendingLoad = null;
  }

  stop(): void {
    this.stopped += 1;
  }

  getURL(): string {
    if (this.destroyed) throw new Error('Object has been destroyed');
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  executeJavaScriptInIsolatedWorld(worldId: number, scripts: { code: string }[]): Promise<unknown> {
    if (this.destroyed) throw new Error('Object has been destroyed');
    for (const script of scripts) this.scriptsRun.push({ worldId, code: script.code });
    const title = this.documentTitle;
    return title === null ? new Promise(() => undefined) : Promise.resolve(this.titleElement ? title : null);
  }

  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  destroyed = false;
  focused = true;
  minimized = false;
  maximized = false;
  fullScreen = false;
  shown = false;
  progress: { value: number; options?: unknown }[] = [];
  backgroundColor: string;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
    const partition = (options.webPreferences as { partition?: string } | undefined)?.partition;
    this.webContents.session = partition === undefined ? electronMock.session.defaultSession : electronMock.session.fromPartition(partition);
    this.backgroundColor = String(options.backgroundColor);
    this.bounds = {
      x: Number(options.x ?? 100),
      y: Number(options.y ?? 100),
      width: Number(options.width),
      height: Number(options.height),
    };
    electronMock.app.emit('web-contents-created', {}, this.webContents);
  }

  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    this.emit('ready-to-show');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
  isFocused(): boolean {
    return this.focused;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isFullScreen(): boolean {
    return this.fullScreen;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  setFullScreen(value: boolean): void {
    this.fullScreen = value;
  }
  setProgressBar(value: number, options?: unknown): void {
    this.progress.push({ value, options });
  }
  setBackgroundColor(color: string): void {
    this.backgroundColor = color;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: { title: string; body: string }[] = [];
  static isSupported = () => true;
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show(): void {
    FakeNotification.shown.push({ title: this.options.title, body: this.options.body });
  }
}

type Handler = (...args: never[]) => unknown;

/** The details a webRequest listener gets (the fields the app reads). */
export interface FakeRequestDetails {
  id: number;
  url: string;
  resourceType: string;
  webContentsId?: number;
}

/** A session from `session.fromPartition`: its handlers and webRequest listeners, for tests to call as Chromium would. */
export class FakeSession extends EventEmitter {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  devicePermissionHandler: Handler | null = null;
  readonly setPermissionRequestHandler = vi.fn((handler: Handler) => (this.permissionRequestHandler = handler));
  readonly setPermissionCheckHandler = vi.fn((handler: Handler) => (this.permissionCheckHandler = handler));
  readonly setDevicePermissionHandler = vi.fn((handler: Handler) => (this.devicePermissionHandler = handler));
  readonly requestListeners = {
    beforeRequest: null as ((details: FakeRequestDetails, callback: (response: { cancel?: boolean }) => void) => void) | null,
    headersReceived: null as
      | ((details: FakeRequestDetails & { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string[]> }) => void) => void)
      | null,
    completed: null as ((details: FakeRequestDetails) => void) | null,
    errorOccurred: null as ((details: FakeRequestDetails) => void) | null,
  };
  // Like Electron's: one listener per event, the last one set wins.
  readonly webRequest = {
    onBeforeRequest: vi.fn((listener: NonNullable<FakeSession['requestListeners']['beforeRequest']>) => (this.requestListeners.beforeRequest = listener)),
    onHeadersReceived: vi.fn((listener: NonNullable<FakeSession['requestListeners']['headersReceived']>) => (this.requestListeners.headersReceived = listener)),
    onCompleted: vi.fn((listener: NonNullable<FakeSession['requestListeners']['completed']>) => (this.requestListeners.completed = listener)),
    onErrorOccurred: vi.fn((listener: NonNullable<FakeSession['requestListeners']['errorOccurred']>) => (this.requestListeners.errorOccurred = listener)),
  };

  readonly clearStorageData = vi.fn(async () => undefined);
  readonly clearCache = vi.fn(async () => undefined);

  constructor(readonly partition: string) {
    super();
  }

  /** A request as Chromium would start it: true when it was let through, false when cancelled. */
  request(details: FakeRequestDetails): boolean {
    let cancelled: boolean | undefined;
    this.requestListeners.beforeRequest?.(details, (response) => (cancelled = response.cancel === true));
    if (cancelled === undefined) throw new Error('onBeforeRequest did not answer');
    if (cancelled) this.requestListeners.errorOccurred?.(details);
    return !cancelled;
  }

  /** The response headers Chromium would go on with after onHeadersReceived (the original ones when left alone). */
  respond(details: FakeRequestDetails, responseHeaders: Record<string, string[]>): Record<string, string[]> {
    let answer: { responseHeaders?: Record<string, string[]> } | undefined;
    this.requestListeners.headersReceived?.({ ...details, responseHeaders }, (response) => (answer = response));
    if (answer === undefined) throw new Error('onHeadersReceived did not answer');
    return answer.responseHeaders ?? responseHeaders;
  }

  complete(details: FakeRequestDetails): void {
    this.requestListeners.completed?.(details);
  }

  fail(details: FakeRequestDetails): void {
    this.requestListeners.errorOccurred?.(details);
  }
}

function createMock() {
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    appPath: '',
    paths: {} as Record<string, string>,
    preferredLanguages: ['en-US'],
    singleInstanceLock: true,
    requestSingleInstanceLock: vi.fn(() => electronMock.app.singleInstanceLock),
    quit: vi.fn(() => {
      electronMock.app.emit('before-quit', { preventDefault: () => (electronMock.app.quitPrevented = true) });
    }),
    quitPrevented: false,
    exit: vi.fn(),
    enableSandbox: vi.fn(),
    setAppUserModelId: vi.fn(),
    setAboutPanelOptions: vi.fn(),
    whenReady: vi.fn(() => Promise.resolve()),
    getAppPath: () => electronMock.app.appPath,
    getPath: (name: string) => {
      const path = electronMock.app.paths[name];
      if (!path) throw new Error(`no path ${name} in the mock`);
      return path;
    },
    getPreferredSystemLanguages: () => electronMock.app.preferredLanguages,
    getLocale: () => 'en-US',
    getVersion: () => '0.1.0',
  });
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    Notification: FakeNotification,
    ipcMain: {
      handlers: new Map<string, Handler>(),
      handle: vi.fn((channel: string, handler: Handler) => {
        if (electronMock.ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        electronMock.ipcMain.handlers.set(channel, handler);
      }),
      removeHandler: vi.fn((channel: string) => electronMock.ipcMain.handlers.delete(channel)),
    },
    protocol: {
      privileged: [] as unknown[],
      handlers: new Map<string, (request: Request) => Promise<Response>>(),
      registerSchemesAsPrivileged: vi.fn((schemes: unknown[]) => {
        if (electronMock.protocol.readyCalled) throw new Error('registerSchemesAsPrivileged after ready');
        electronMock.protocol.privileged.push(...schemes);
      }),
      readyCalled: false,
      handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) => electronMock.protocol.handlers.set(scheme, handler)),
    },
    session: {
      partitions: new Map<string, FakeSession>(),
      fromPartition: vi.fn((partition: string) => {
        const sessions = electronMock.session.partitions;
        const existing = sessions.get(partition);
        if (existing) return existing;
        const created = new FakeSession(partition);
        sessions.set(partition, created);
        return created;
      }),
      defaultSession: Object.assign(new EventEmitter(), {
        permissionRequestHandler: null as Handler | null,
        permissionCheckHandler: null as Handler | null,
        setPermissionRequestHandler: vi.fn((handler: Handler) => (electronMock.session.defaultSession.permissionRequestHandler = handler)),
        setPermissionCheckHandler: vi.fn((handler: Handler) => (electronMock.session.defaultSession.permissionCheckHandler = handler)),
        setDevicePermissionHandler: vi.fn(),
        webRequest: { onBeforeRequest: vi.fn() },
      }),
    },
    Menu: {
      templates: [] as unknown[],
      buildFromTemplate: vi.fn((template: unknown) => ({ template })),
      setApplicationMenu: vi.fn((menu: { template: unknown }) => electronMock.Menu.templates.push(menu.template)),
    },
    nativeTheme: Object.assign(new EventEmitter(), { themeSource: 'light', shouldUseDarkColors: false }),
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    dialog: {
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] as string[] })),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
      showErrorBox: vi.fn(),
    },
    shell: {
      openExternal: vi.fn(async () => undefined),
      openPath: vi.fn(async () => ''),
    },
    utilityProcess: { fork: vi.fn() },
  };
}

export let electronMock = createMock();

/** A fresh mock (new handlers, windows, spies) for the next test; the module object keeps pointing at it. */
export function resetElectronMock(): void {
  electronMock = createMock();
  FakeBrowserWindow.instances = [];
  FakeNotification.shown = [];
}

/** The module `vi.mock('electron', ...)` returns: every export reads the current mock. */
export const electronModule = {
  get app() {
    return electronMock.app;
  },
  get BrowserWindow() {
    return electronMock.BrowserWindow;
  },
  get Notification() {
    return electronMock.Notification;
  },
  get ipcMain() {
    return electronMock.ipcMain;
  },
  get protocol() {
    return electronMock.protocol;
  },
  get session() {
    return electronMock.session;
  },
  get Menu() {
    return electronMock.Menu;
  },
  get nativeTheme() {
    return electronMock.nativeTheme;
  },
  get screen() {
    return electronMock.screen;
  },
  get dialog() {
    return electronMock.dialog;
  },
  get shell() {
    return electronMock.shell;
  },
  get utilityProcess() {
    return electronMock.utilityProcess;
  },
};
