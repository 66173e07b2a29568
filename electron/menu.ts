/**
 * The application menu, in the UI language: File (Open…, exports, Start/Cancel, Quit), Edit (roles), View (tabs,
 * zoom; reload and developer tools only in development), Language (English / 简体中文), Window, Help (About).
 * Commands the renderer handles travel as `menu.command` events. Only a template is built here; main.ts turns it
 * into a Menu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { Language, MenuCommand } from '../src/contract.js';
import { languageLabels, shellText, type ShellMessageKey } from '../src/desktop/i18n.js';

export interface MenuActions {
  /** Send a command to the renderer (`menu.command`). */
  command(command: MenuCommand): void;
  setLanguage(language: Language): void;
}

export interface MenuOptions {
  language: Language;
  platform: NodeJS.Platform;
  /** Development build (not packaged): adds Reload and Toggle Developer Tools. */
  isDev: boolean;
  actions: MenuActions;
}

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { language, platform, isDev, actions } = options;
  const t = (key: ShellMessageKey) => shellText(language, key);
  const mac = platform === 'darwin';
  const send = (command: MenuCommand) => () => actions.command(command);

  const appMenu: MenuItemConstructorOptions = {
    role: 'appMenu',
    label: 'Titlewave',
    submenu: [
      { role: 'about', label: t('about') },
      { type: 'separator' },
      { role: 'services', label: t('services') },
      { type: 'separator' },
      { role: 'hide', label: t('hide') },
      { role: 'hideOthers', label: t('hideOthers') },
      { role: 'unhide', label: t('unhide') },
      { type: 'separator' },
      { role: 'quit', label: t('quit') },
    ],
  };

  const fileMenu: MenuItemConstructorOptions = {
    label: t('menuFile'),
    submenu: [
      { id: 'open', label: t('open'), accelerator: 'CmdOrCtrl+O', click: send('open') },
      { type: 'separator' },
      { id: 'export-csv', label: t('exportCsv'), click: send('export-csv') },
      { id: 'export-json', label: t('exportJson'), click: send('export-json') },
      { id: 'export-jsonl', label: t('exportJsonl'), click: send('export-jsonl') },
      { id: 'export-xlsx', label: t('exportXlsx'), click: send('export-xlsx') },
      { type: 'separator' },
      // The page handles these keys itself (the same in browser mode); the menu shows them without taking them.
      { id: 'start', label: t('start'), accelerator: 'CmdOrCtrl+Enter', registerAccelerator: false, click: send('start') },
      { id: 'cancel', label: t('cancel'), accelerator: 'Escape', registerAccelerator: false, click: send('cancel') },
      { type: 'separator' },
      mac ? { role: 'close', label: t('close') } : { role: 'quit', label: t('quit') },
    ],
  };

  const editMenu: MenuItemConstructorOptions = {
    label: t('menuEdit'),
    submenu: [
      { role: 'undo', label: t('undo') },
      { role: 'redo', label: t('redo') },
      { type: 'separator' },
      { role: 'cut', label: t('cut') },
      { role: 'copy', label: t('copy') },
      { role: 'paste', label: t('paste') },
      ...(mac ? [{ role: 'pasteAndMatchStyle', label: t('pasteAndMatchStyle') } as const] : []),
      { role: 'delete', label: t('delete') },
      { type: 'separator' },
      { role: 'selectAll', label: t('selectAll') },
    ],
  };

  const viewMenu: MenuItemConstructorOptions = {
    label: t('menuView'),
    submenu: [
      { id: 'tab-titles', label: t('tabTitles'), accelerator: 'CmdOrCtrl+1', click: send('tab-titles') },
      { id: 'tab-primes', label: t('tabPrimes'), accelerator: 'CmdOrCtrl+2', click: send('tab-primes') },
      { id: 'tab-thumbs', label: t('tabThumbs'), accelerator: 'CmdOrCtrl+3', click: send('tab-thumbs') },
      { type: 'separator' },
      ...(isDev
        ? ([
            { role: 'reload', label: t('reload') },
            { role: 'forceReload', label: t('forceReload') },
            { role: 'toggleDevTools', label: t('toggleDevTools') },
            { type: 'separator' },
          ] as const)
        : []),
      { role: 'resetZoom', label: t('resetZoom') },
      { role: 'zoomIn', label: t('zoomIn') },
      { role: 'zoomOut', label: t('zoomOut') },
      { type: 'separator' },
      { role: 'togglefullscreen', label: t('toggleFullScreen') },
    ],
  };

  const languageMenu: MenuItemConstructorOptions = {
    label: t('menuLanguage'),
    submenu: (['en', 'zh-CN'] as const).map(
      (choice): MenuItemConstructorOptions => ({
        id: `language-${choice}`,
        label: languageLabels[choice],
        type: 'radio',
        checked: choice === language,
        click: () => actions.setLanguage(choice),
      }),
    ),
  };

  const windowMenu: MenuItemConstructorOptions = {
    role: 'windowMenu',
    label: t('menuWindow'),
    submenu: [
      { role: 'minimize', label: t('minimize') },
      { role: 'zoom', label: t('zoom') },
      ...(mac ? ([{ type: 'separator' }, { role: 'front', label: t('front') }] as const) : ([{ role: 'close', label: t('close') }] as const)),
    ],
  };

  const helpMenu: MenuItemConstructorOptions = {
    role: 'help',
    label: t('menuHelp'),
    submenu: [{ role: 'about', label: t('about') }],
  };

  return [...(mac ? [appMenu] : []), fileMenu, editMenu, viewMenu, languageMenu, windowMenu, helpMenu];
}
