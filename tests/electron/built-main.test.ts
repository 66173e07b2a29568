/**
 * The BUILT main process (dist/electron/main.js, what `electron .` runs) with `electron` mocked: its imports of
 * the compiled src/ (dist/src) and of npm packages resolve, and it starts: window, handlers, protocols, a round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { commandNames } from '../../src/contract.js';
import { packageRoot } from '../../src/package-info.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electronModule);

const electron = await import('./electron-mock.js');
const dataDir = mkdtempSync(join(tmpdir(), 'titlewave-built-main-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('dist/electron/main.js starts the app on the compiled services', async () => {
  electron.resetElectronMock();
  const { app, ipcMain, protocol } = electron.electronMock;
  app.appPath = packageRoot;
  app.paths = { userData: dataDir, home: dataDir, documents: dataDir };

  await import(pathToFileURL(join(packageRoot, 'dist', 'electron', 'main.js')).href);
  await vi.waitFor(() => expect(electron.FakeBrowserWindow.instances[0]?.webContents.mainFrame.url).toBe('app://titlewave/index.html'));
  const window = electron.FakeBrowserWindow.instances[0] as InstanceType<typeof electron.FakeBrowserWindow>;

  expect([...ipcMain.handlers.keys()].sort()).toEqual([...commandNames].sort());
  expect([...protocol.handlers.keys()].sort()).toEqual(['app', 'titlewave-preview']);
  expect((window.options.webPreferences as Record<string, unknown>).sandbox).toBe(true);
  const from = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const list = ipcMain.handlers.get('history.list') as (event: unknown) => Promise<unknown>;
  expect(await list(from)).toEqual({ ok: true, value: [] });

  app.quit();
  await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
});
