/**
 * The composition root (electron/app.ts) against a mocked `electron` and the real services: what happens before
 * ready, what ready sets up, the IPC round trip through the registered handlers, the app:// renderer, language,
 * window state, single instance and quitting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { commandNames } from '../../src/contract.js';
import { packageRoot } from '../../src/package-info.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electronModule);

const { runApp } = await import('../../electron/app.js');
const { createHiddenWindowRenderer } = await import('../../electron/page-renderer.js');
const electron = await import('./electron-mock.js');
const { resetElectronMock, FakeBrowserWindow } = electron;
// Through the namespace: resetElectronMock() replaces the mock, and a destructured binding would keep the old one.
const mock = () => electron.electronMock;

let dataDir: string;

async function startApp(configure: () => void = () => undefined): Promise<InstanceType<typeof FakeBrowserWindow>> {
  configure();
  runApp();
  await vi.waitFor(() => expect(FakeBrowserWindow.instances[0]?.webContents.mainFrame.url).toBe('app://titlewave/index.html'));
  return FakeBrowserWindow.instances[0] as InstanceType<typeof FakeBrowserWindow>;
}

/** Call an IPC handler as Electron would, from the given frame of the given web contents. */
function invoke(command: string, args: unknown[], from: { sender: unknown; senderFrame: unknown }): Promise<unknown> {
  const handler = mock().ipcMain.handlers.get(command) as ((event: unknown, ...a: unknown[]) => Promise<unknown>) | undefined;
  if (!handler) throw new Error(`no handler for ${command}`);
  return handler(from, ...args);
}

beforeEach(() => {
  resetElectronMock();
  dataDir = mkdtempSync(join(tmpdir(), 'titlewave-electron-app-'));
  const app = mock().app;
  app.appPath = packageRoot;
  app.paths = { userData: dataDir, home: dataDir, documents: dataDir };
});

afterEach(async () => {
  const app = mock().app;
  if (FakeBrowserWindow.instances.length > 0 && app.quit.mock.calls.length === 0) {
    // Quitting closes the services (jobs, journals) before the app really quits.
    app.quit();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('before ready', () => {
  it('registers the privileged schemes, sandboxes every renderer and takes the single-instance lock', async () => {
    await startApp();
    const { app, protocol } = mock();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    const schemes = protocol.privileged as { scheme: string; privileges: Record<string, boolean> }[];
    expect(schemes.map((scheme) => scheme.scheme).sort()).toEqual(['app', 'titlewave-preview']);
    for (const scheme of schemes) {
      expect(scheme.privileges).toMatchObject({ standard: true, secure: true });
      // Nothing may bypass the page's CSP.
      expect(scheme.privileges.bypassCSP).toBeUndefined();
    }
    expect(app.enableSandbox).toHaveBeenCalled();
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(mock().nativeTheme.themeSource).toBe('system');
  });

  it('says what to do when the app is not built, and exits', async () => {
    const { app, dialog } = mock();
    app.appPath = dataDir;
    runApp();
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(1));
    expect(dialog.showErrorBox).toHaveBeenCalledWith('Titlewave', expect.stringMatching(/index\.html is missing: run `npm run build`/));
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('a second instance leaves at once: no window, no services', async () => {
    const { app } = mock();
    app.singleInstanceLock = false;
    runApp();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(mock().ipcMain.handle).not.toHaveBeenCalled();
  });
});

describe('when ready', () => {
  it('opens the window on app://titlewave with the secure preferences and the preload', async () => {
    const window = await startApp();
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toBe(join(packageRoot, 'dist', 'electron', 'preload.cjs'));
    // Not packaged here: the developer tools are allowed.
    expect(prefs.devTools).toBe(true);
    expect(window.options.show).toBe(false);
    expect(window.shown).toBe(true);
    expect(window.options.backgroundColor).toBe('#f4f5f8');
  });

  it('paints the dark background before the first frame when the OS is dark, and follows theme changes', async () => {
    const window = await startApp(() => {
      mock().nativeTheme.shouldUseDarkColors = true;
    });
    expect(window.options.backgroundColor).toBe('#0f1115');
    mock().nativeTheme.shouldUseDarkColors = false;
    mock().nativeTheme.emit('updated');
    expect(window.backgroundColor).toBe('#f4f5f8');
  });

  it('registers one handler per contract command, both protocols, the session rules and the menu', async () => {
    await startApp();
    const { ipcMain, protocol, session, Menu } = mock();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...commandNames].sort());
    expect([...protocol.handlers.keys()].sort()).toEqual(['app', 'titlewave-preview']);
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(session.defaultSession.setPermissionCheckHandler).toHaveBeenCalled();
    expect(session.defaultSession.webRequest.onBeforeRequest).toHaveBeenCalled();
    expect(Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
  });

  it('serves the built renderer on app:// with the CSP header, and nothing outside it', async () => {
    await startApp();
    const handler = mock().protocol.handlers.get('app') as (request: Request) => Promise<Response>;
    const page = await handler(new Request('app://titlewave/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe(readFileSync(join(packageRoot, 'dist', 'renderer', 'index.html'), 'utf8'));
    expect((await handler(new Request('app://titlewave/%2e%2e/%2e%2e/package.json'))).status).toBe(404);
    expect((await handler(new Request('app://elsewhere/index.html'))).status).toBe(404);
  });

  it('answers the window main frame through the services and refuses anyone else', async () => {
    const window = await startApp();
    const fromWindow = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
    expect(await invoke('history.list', [], fromWindow)).toEqual({ ok: true, value: [] });
    const info = (await invoke('app.info', [], fromWindow)) as { ok: true; value: Record<string, unknown> };
    expect(info.value).toMatchObject({ version: '0.1.0', language: 'en', nativeDialogs: true, homeDir: dataDir });

    const subframe = { url: 'app://titlewave/index.html' };
    const refused = await invoke('history.list', [], { sender: window.webContents, senderFrame: subframe });
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/not the Titlewave window/) });
    const badArgs = await invoke('history.load', ['../../etc'], fromWindow);
    expect(badArgs).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid arguments for history\.load/) });
  });

  it('switching the language persists it, rebuilds the menu in that language and tells the window', async () => {
    const window = await startApp();
    const fromWindow = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
    expect(await invoke('app.setLanguage', ['zh-CN'], fromWindow)).toEqual({ ok: true, value: undefined });
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ language: 'zh-CN' });
    expect(window.webContents.sent).toContainEqual({ channel: 'app.languageChanged', payload: { language: 'zh-CN' } });
    const menus = mock().Menu.templates as { label?: string }[][];
    expect(menus).toHaveLength(2);
    expect(menus[1]?.map((menu) => menu.label)).toContain('文件(&F)');
    expect(mock().app.setAboutPanelOptions).toHaveBeenLastCalledWith(expect.objectContaining({ applicationName: 'Titlewave', copyright: 'MIT 许可证' }));
  });

  it('follows the OS language until the user chooses, then the saved choice', async () => {
    await startApp(() => {
      mock().app.preferredLanguages = ['zh-Hans-CN', 'en-US'];
    });
    const window = FakeBrowserWindow.instances[0] as InstanceType<typeof FakeBrowserWindow>;
    const info = (await invoke('app.info', [], { sender: window.webContents, senderFrame: window.webContents.mainFrame })) as { value: { language: string } };
    expect(info.value.language).toBe('zh-CN');
    expect((mock().Menu.templates[0] as { label?: string }[]).map((menu) => menu.label)).toContain('文件(&F)');
  });

  it('a saved language wins over the OS', async () => {
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ language: 'en' }));
    const window = await startApp(() => {
      mock().app.preferredLanguages = ['zh-CN'];
    });
    const info = (await invoke('app.info', [], { sender: window.webContents, senderFrame: window.webContents.mainFrame })) as { value: { language: string } };
    expect(info.value.language).toBe('en');
  });

  it('reopens the window where it was left, maximized if it was', async () => {
    writeFileSync(join(dataDir, 'window-state.json'), JSON.stringify({ bounds: { x: 200, y: 150, width: 1000, height: 700 }, maximized: true, fullScreen: false }));
    const window = await startApp();
    expect(window.options).toMatchObject({ x: 200, y: 150, width: 1000, height: 700 });
    expect(window.maximized).toBe(true);
  });

  it('blocks navigation away from the app and sends web links to the system browser', async () => {
    const window = await startApp();
    const navigate = (url: string) => {
      const event = { url, preventDefault: vi.fn() };
      window.webContents.emit('will-navigate', event);
      return event.preventDefault;
    };
    expect(navigate('file:///home/user/urls.txt')).toHaveBeenCalled();
    expect(navigate('https://example.com/')).toHaveBeenCalled();
    expect(window.webContents.windowOpenHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(mock().shell.openExternal).toHaveBeenCalledTimes(2));
    expect(mock().shell.openExternal).toHaveBeenCalledWith('https://example.com/');
    expect(mock().shell.openExternal).not.toHaveBeenCalledWith(expect.stringMatching(/^file:/));
  });

  it("leaves render mode's hidden windows to their own rules: they navigate on the web and never open a link on the desktop", async () => {
    await startApp();
    const pages = createHiddenWindowRenderer({ renderers: 1 });
    const rendering = pages.render({ url: 'https://spa.example/', timeoutMs: 10_000, signal: new AbortController().signal }).catch((error: unknown) => error);
    const contents = (FakeBrowserWindow.instances[1] as InstanceType<typeof FakeBrowserWindow>).webContents;
    const event = { url: 'https://spa.example/home', preventDefault: vi.fn() };
    contents.emit('will-navigate', event);
    expect(event.preventDefault).not.toHaveBeenCalled();
    expect(contents.windowOpenHandler?.({ url: 'https://popup.example/' })).toEqual({ action: 'deny' });
    await pages.close();
    expect(await rendering).toEqual(new Error('the page renderer was closed'));
    expect(mock().shell.openExternal).not.toHaveBeenCalled();
  });

  it('closing the window quits even while hidden render windows are open', async () => {
    const window = await startApp();
    const pages = createHiddenWindowRenderer({ renderers: 1 });
    const rendering = pages.render({ url: 'https://spa.example/', timeoutMs: 10_000, signal: new AbortController().signal }).catch(() => undefined);
    expect(FakeBrowserWindow.instances).toHaveLength(2);
    const { app } = mock();
    window.destroy();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
    await pages.close();
    await rendering;
  });

  it('a second launch brings the existing window forward', async () => {
    const window = await startApp();
    window.minimized = true;
    window.focused = false;
    mock().app.emit('second-instance', {}, ['titlewave'], '/');
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('quitting first closes the services, then quits for real', async () => {
    const window = await startApp();
    const fromWindow = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
    const { app } = mock();
    app.quit();
    expect(app.quitPrevented).toBe(true);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
    // The services are closed: commands are refused from now on.
    expect(await invoke('history.list', [], fromWindow)).toMatchObject({ ok: false, error: expect.stringMatching(/shutting down/) });
  });
});
