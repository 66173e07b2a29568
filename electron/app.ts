/**
 * The composition root of the desktop app: Electron's modules on one side, the shared services (src/services) on
 * the other, and the shell's pieces (IPC, protocols, window, menu, progress) in between. Everything with logic in it
 * lives in those pieces; this file only wires them and follows the app's lifecycle.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  app,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  Notification,
  protocol,
  screen,
  session,
  shell,
  utilityProcess,
  type BaseWindow,
  type BrowserWindow,
} from 'electron';
import type { EventName, Events, Language } from '../src/contract.js';
import { SettingsFile } from '../src/server/settings.js';
import { createServices } from '../src/services/index.js';
import type { Services } from '../src/services/types.js';
import { createExternalOpener } from '../src/desktop/external.js';
import { createHostHandlers, type NativeDialogs } from '../src/desktop/host-commands.js';
import { languageFromSystem, shellText } from '../src/desktop/i18n.js';
import { forwardServiceEvents, registerIpcHandlers } from './ipc.js';
import { buildMenuTemplate } from './menu.js';
import { RunMonitor, type NotificationRequest } from '../src/desktop/progress.js';
import { APP_ENTRY_URL, PREVIEW_HOST, PREVIEW_SCHEME, handleProtocols, privilegedSchemes } from './protocols.js';
import { createHiddenWindowRenderer, isRenderContents } from './page-renderer.js';
import { createUtilitySpawner } from './utility-spawner.js';
import { BACKGROUND, createMainWindow, guardContents, hardenSession } from './window.js';
import { loadWindowState, restorableBounds, trackWindowState } from '../src/desktop/window-state.js';
import { errorMessage } from '../src/errors.js';

export const APP_ID = 'com.titlewave.app';
/** Closing the services (cancel jobs, flush journals) may take this long before quitting goes on regardless. */
const CLOSE_TIMEOUT_MS = 5_000;

function log(message: string, error?: unknown): void {
  process.stderr.write(`titlewave: ${message}${error === undefined ? '' : `: ${errorMessage(error)}`}\n`);
}

/** Start the desktop app. Call once, at the top level of the main module (before the app is ready). */
export function runApp(): void {
  // Both must happen before 'ready': privileged schemes cannot be registered later, and every renderer is sandboxed.
  protocol.registerSchemesAsPrivileged(privilegedSchemes);
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    // Another Titlewave is running: it gets focus ('second-instance' there), this one leaves.
    app.quit();
    return;
  }
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  nativeTheme.themeSource = 'system';
  app.whenReady().then(start).catch(fatal);
}

function fatal(error: unknown): void {
  log('could not start', error);
  dialog.showErrorBox('Titlewave', `Titlewave could not start.\n\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  app.exit(1);
}

async function start(): Promise<void> {
  const isDev = !app.isPackaged;
  const appPath = app.getAppPath();
  const dataDir = app.getPath('userData');
  const rendererDir = join(appPath, 'dist', 'renderer');
  const preloadPath = join(appPath, 'dist', 'electron', 'preload.cjs');
  const windowStatePath = join(dataDir, 'window-state.json');
  // Packaged: resources/icon.png (electron-builder.yml extraResources); development: build/icon.png.
  const iconCandidates = [...(process.resourcesPath ? [join(process.resourcesPath, 'icon.png')] : []), join(appPath, 'build', 'icon.png')];
  const iconPath = iconCandidates.find((candidate) => existsSync(candidate));

  for (const needed of [join(rendererDir, 'index.html'), preloadPath]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: run \`npm run build\` before \`electron .\``);
  }

  const settings = new SettingsFile(dataDir);
  let language: Language = (await settings.read()).language ?? languageFromSystem([...app.getPreferredSystemLanguages(), app.getLocale()]);
  let mainWindow: BrowserWindow | null = null;

  hardenSession(session.defaultSession);
  const externalOpener = createExternalOpener((url) => shell.openExternal(url));
  const openLink = (url: string): void => {
    externalOpener.open(url).catch((error: unknown) => log('a link was not opened', error));
  };
  // Every web contents, now and later (devtools included), follows the same navigation rules, but render mode's hidden
  // windows: their pages may navigate on the web, and must never open a link on the desktop (electron/page-renderer.ts
  // guards them itself).
  app.on('web-contents-created', (_event, contents) => {
    if (!isRenderContents(contents)) guardContents(contents, openLink);
  });

  const services: Services = createServices({
    dataDir,
    log: (message) => log(message),
    spawnWorker: createUtilitySpawner(utilityProcess),
    previewUrl: (token) => `${PREVIEW_SCHEME}://${PREVIEW_HOST}/${token}`,
    // Render mode renders with the app's own Chromium: hidden windows in a session of their own.
    createPageRenderer: (options) => createHiddenWindowRenderer(options),
  });
  handleProtocols(protocol, rendererDir, (token) => services.previewFile(token));

  const send = <E extends EventName>(event: E, payload: Events[E]): void => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
  };

  // The menu and the About panel, in the current language.
  const setMenu = (): void => {
    app.setAboutPanelOptions({
      applicationName: 'Titlewave',
      applicationVersion: app.getVersion(),
      version: `Electron ${process.versions.electron ?? ''}`,
      copyright: shellText(language, 'aboutCopyright'),
      ...(iconPath ? { iconPath } : {}),
    });
    const template = buildMenuTemplate({
      language,
      platform: process.platform,
      isDev,
      actions: {
        command: (command) => send('menu.command', { command }),
        setLanguage: (next) => {
          changeLanguage(next).catch((error: unknown) => log('the language choice was not saved', error));
        },
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  const changeLanguage = async (next: Language): Promise<void> => {
    language = next;
    setMenu();
    send('app.languageChanged', { language: next });
    await settings.write({ language: next });
  };

  const withWindow = <T>(show: (window: BaseWindow) => Promise<T>, showAlone: () => Promise<T>): Promise<T> =>
    mainWindow && !mainWindow.isDestroyed() ? show(mainWindow) : showAlone();
  const dialogs: NativeDialogs = {
    showOpen: (options) => withWindow((window) => dialog.showOpenDialog(window, options), () => dialog.showOpenDialog(options)),
    showSave: (options) => withWindow((window) => dialog.showSaveDialog(window, options), () => dialog.showSaveDialog(options)),
  };

  registerIpcHandlers({
    ipcMain,
    services,
    host: createHostHandlers({
      dialogs,
      externalOpener,
      openPath: (path) => shell.openPath(path),
      getLanguage: () => language,
      setLanguage: changeLanguage,
      appInfo: () => ({
        version: app.getVersion(),
        platform: process.platform,
        nativeDialogs: true,
        cpus: availableParallelism(),
        homeDir: app.getPath('home'),
      }),
      documentsDir: app.getPath('documents'),
    }),
    getWindow: () => mainWindow,
    onRefused: (_command, reason) => log(reason),
  });
  forwardServiceEvents(services, send);

  const focusWindow = (): void => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };
  const notify = ({ title, body }: NotificationRequest): void => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title, body, ...(iconPath ? { icon: iconPath } : {}) });
    notification.on('click', focusWindow);
    notification.show();
  };
  new RunMonitor({ getWindow: () => mainWindow, getLanguage: () => language, notify }).attach(services);

  setMenu();

  const createWindow = async (): Promise<void> => {
    const saved = await loadWindowState(windowStatePath);
    const bounds = restorableBounds(
      saved,
      screen.getAllDisplays().map((display) => display.workArea),
    );
    const window = createMainWindow({ preloadPath, bounds, dark: nativeTheme.shouldUseDarkColors, isDev, ...(iconPath ? { iconPath } : {}) });
    mainWindow = window;
    if (bounds && saved?.maximized) window.maximize();
    if (bounds && saved?.fullScreen) window.setFullScreen(true);
    trackWindowState(window, windowStatePath, { onError: (error) => log('the window position was not saved', error) });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
      // Closing the window quits (but on macOS), even while render mode's hidden windows are open: they are windows
      // too, so 'window-all-closed' alone would leave an invisible app running.
      if (process.platform !== 'darwin') app.quit();
    });
    window.webContents.on('render-process-gone', (_event, details) => log(`the window's renderer ended (${details.reason})`));
    await window.loadURL(APP_ENTRY_URL);
  };

  nativeTheme.on('updated', () => {
    mainWindow?.setBackgroundColor(nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light);
  });
  app.on('second-instance', focusWindow);
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open opens one.
    if (!mainWindow) createWindow().catch(fatal);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit only once the services have stopped their jobs and flushed their journals (bounded by a timeout).
  let closed = false;
  let closing: Promise<void> | null = null;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= Promise.race([services.close(), new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())])
      .catch((error: unknown) => log('the services did not close cleanly', error))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  await createWindow();
}
