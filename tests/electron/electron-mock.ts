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

export class FakeWebContents extends EventEmitter {
  mainFrame = new FakeWebFrame('');
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

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
