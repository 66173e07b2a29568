/**
 * The main window and the security rules every web contents follows: the renderer runs sandboxed and
 * context-isolated with no Node, never navigates away from the app, never opens windows, gets no permissions
 * but writing text to the clipboard, and reaches nothing on the network. Render mode's hidden windows are made here
 * too (their rules are in electron/page-renderer.ts).
 */
import { BrowserWindow, type HandlerDetails, type Session, type WindowOpenHandlerResponse } from 'electron';
import { webUrl } from '../src/desktop/external.js';
import { isAppUrl } from './ipc.js';
import { MIN_SIZE, DEFAULT_SIZE, type Rectangle } from '../src/desktop/window-state.js';

/** The renderer's page colour in each theme (renderer/styles/base.css `--bg`): no white flash in dark mode. */
export const BACKGROUND = { light: '#f4f5f8', dark: '#0f1115' } as const;

export interface MainWindowSettings {
  preloadPath: string;
  /** Restored bounds, or null for the default size, centred. */
  bounds: Rectangle | null;
  dark: boolean;
  isDev: boolean;
  /** The window icon (Linux and Windows in development; packaged apps take theirs from the executable). */
  iconPath?: string;
}

/**
 * Create the main window. The options are written out here, in the `new BrowserWindow({...})` itself, so that
 * reviewers and static checkers (electronegativity) see every security setting where the window is made.
 */
export function createMainWindow(settings: MainWindowSettings): BrowserWindow {
  const { bounds } = settings;
  return new BrowserWindow({
    ...(bounds ? { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height } : { ...DEFAULT_SIZE, center: true }),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Titlewave',
    // Shown on 'ready-to-show', painted in the theme's colour until then.
    show: false,
    backgroundColor: settings.dark ? BACKGROUND.dark : BACKGROUND.light,
    ...(settings.iconPath ? { icon: settings.iconPath } : {}),
    webPreferences: {
      preload: settings.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Middle-click would open links in new windows; those are denied anyway, this stops the attempt.
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: settings.isDev,
    },
  });
}

/** Render mode's windows' session: in memory only (no `persist:` prefix), apart from the app's default session. */
export const RENDER_PARTITION = 'titlewave-render';

/**
 * A hidden window of render mode (electron/page-renderer.ts): sandboxed, context-isolated, no Node, no preload, no
 * devtools, in its own in-memory session; scripts run (they set the titles), images and plugins do not, dialogs
 * return at once. Here, beside the main window, so that main.js constructs every window as `new BrowserWindow`
 * (electronegativity recognises windows by that name, and a second import of it would be renamed by the bundler).
 */
export function createRenderWindow(): BrowserWindow {
  return new BrowserWindow({
    show: false,
    // A usual desktop viewport, for pages that lay out (or decide what to load) by size.
    width: 1280,
    height: 800,
    webPreferences: {
      partition: RENDER_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Middle-click would open a new window (denied anyway); nobody clicks here, and this stops even the attempt.
      disableBlinkFeatures: 'Auxclick',
      // The point of rendering: the page's scripts set its title.
      javascript: true,
      images: false,
      plugins: false,
      webgl: false,
      enableWebSQL: false,
      spellcheck: false,
      autoplayPolicy: 'user-gesture-required',
      navigateOnDragDrop: false,
      // A hidden window's timers must still run at full speed, or a page would settle on a half-set title.
      backgroundThrottling: false,
      // alert(), confirm() and prompt() return at once (as if dismissed) instead of opening a dialog.
      disableDialogs: true,
      devTools: false,
    },
  });
}

/** The events and methods of a webContents the guards use; a fake in tests. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void; url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
}

/**
 * No navigation and no new windows, ever: the app is one page. A link to an http(s) page (a click on an anchor,
 * `target=_blank`, window.open) goes to the system browser through the rate-limited opener; anything else (a
 * dropped file's file:// URL, javascript:, other schemes) is dropped.
 */
export function guardContents(contents: GuardedContents, openLink: (url: string) => void): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    const url = webUrl(event.url);
    if (url) openLink(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => {
    const url = webUrl(details.url);
    if (url) openLink(url);
    return { action: 'deny' };
  });
}

/** The only permission the page may have: writing text to the clipboard ("copy selected rows as TSV"). */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** Network schemes the renderer may never reach (the CSP says the same; this holds even if the CSP did not). */
export const BLOCKED_REQUEST_URLS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file://*/*'];

export type HardenedSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest'>;
};

export function hardenSession(session: HardenedSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: BLOCKED_REQUEST_URLS }, (_details, callback) => callback({ cancel: true }));
  // Exports go through the native save dialog; the page never downloads anything by itself.
  session.on('will-download', (event) => event.preventDefault());
}
