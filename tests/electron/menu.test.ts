/** The application menu (electron/menu.ts) in both languages, and the shell's i18n (src/desktop/i18n.ts). */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { Language, MenuCommand } from '../../src/contract.js';
import { formatDuration, languageFromSystem, shellMessages, shellText } from '../../src/desktop/i18n.js';
import { buildMenuTemplate } from '../../electron/menu.js';

function template(language: Language, platform: NodeJS.Platform = 'linux', isDev = false) {
  const commands: MenuCommand[] = [];
  const languages: Language[] = [];
  const menu = buildMenuTemplate({ language, platform, isDev, actions: { command: (command) => commands.push(command), setLanguage: (next) => languages.push(next) } });
  return { menu, commands, languages };
}

function items(menu: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return menu.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function byId(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = items(menu).find((item) => item.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as () => void)();
}

describe('the menu', () => {
  it('has File, Edit, View, Language, Window and Help, labelled in English', () => {
    expect(template('en').menu.map((menu) => menu.label)).toEqual(['&File', '&Edit', '&View', '&Language', '&Window', '&Help']);
  });

  it('is all in Simplified Chinese when the language is zh-CN', () => {
    const { menu } = template('zh-CN');
    expect(menu.map((item) => item.label)).toEqual(['文件(&F)', '编辑(&E)', '视图(&V)', '语言 Language(&L)', '窗口(&W)', '帮助(&H)']);
    expect(byId(menu, 'open').label).toBe('打开…');
    expect(byId(menu, 'export-csv').label).toBe('导出 CSV…');
    const edit = menu[1]?.submenu as MenuItemConstructorOptions[];
    expect(edit.filter((item) => item.role).map((item) => item.label)).toEqual(['撤销', '重做', '剪切', '复制', '粘贴', '删除', '全选']);
  });

  it('labels every item in both languages (no role falls back to Electron’s English)', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      for (const platform of ['linux', 'darwin', 'win32'] as const) {
        for (const item of items(template(language, platform, true).menu)) {
          if (item.type === 'separator') continue;
          expect(item.label, JSON.stringify(item.role ?? item.id)).toBeTruthy();
        }
      }
    }
    const english = new Set(items(template('en', 'darwin', true).menu).map((item) => item.label));
    const chinese = items(template('zh-CN', 'darwin', true).menu).filter((item) => item.label && !item.id?.startsWith('language-') && item.label !== 'Titlewave');
    for (const item of chinese) expect(english.has(item.label), item.label).toBe(false);
  });

  it('sends the renderer commands for File and View items', () => {
    const { menu, commands } = template('en');
    for (const id of ['open', 'export-csv', 'export-json', 'export-jsonl', 'export-xlsx', 'start', 'cancel', 'tab-titles', 'tab-primes', 'tab-thumbs']) click(byId(menu, id));
    expect(commands).toEqual(['open', 'export-csv', 'export-json', 'export-jsonl', 'export-xlsx', 'start', 'cancel', 'tab-titles', 'tab-primes', 'tab-thumbs']);
    expect(byId(menu, 'open').accelerator).toBe('CmdOrCtrl+O');
    // Start and Cancel show their keys but leave them to the page (the same keys work in browser mode).
    expect(byId(menu, 'start')).toMatchObject({ accelerator: 'CmdOrCtrl+Enter', registerAccelerator: false });
    expect(byId(menu, 'cancel')).toMatchObject({ accelerator: 'Escape', registerAccelerator: false });
  });

  it('offers English and 简体中文 as radio items, the current one checked, each switching the language', () => {
    const { menu, languages } = template('zh-CN');
    const english = byId(menu, 'language-en');
    const chinese = byId(menu, 'language-zh-CN');
    expect([english.label, chinese.label]).toEqual(['English', '简体中文']);
    expect([english.type, chinese.type]).toEqual(['radio', 'radio']);
    expect([english.checked, chinese.checked]).toEqual([false, true]);
    click(english);
    expect(languages).toEqual(['en']);
  });

  it('has reload and developer tools only in development', () => {
    const roles = (isDev: boolean) => items(template('en', 'linux', isDev).menu).map((item) => item.role);
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
    expect(roles(false)).not.toContain('reload');
    expect(roles(false)).not.toContain('forceReload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'quit', 'about', 'copy', 'paste']));
  });

  it('follows each platform: an app menu and Close on macOS, Quit in File elsewhere', () => {
    const mac = template('en', 'darwin').menu;
    expect(mac[0]).toMatchObject({ role: 'appMenu', label: 'Titlewave' });
    expect((mac[1]?.submenu as MenuItemConstructorOptions[]).map((item) => item.role)).toContain('close');
    const linux = template('en', 'linux').menu;
    expect(linux[0]?.label).toBe('&File');
    expect((linux[0]?.submenu as MenuItemConstructorOptions[]).at(-1)).toMatchObject({ role: 'quit', label: 'Quit Titlewave' });
    expect(items(linux).find((item) => item.role === 'about')?.label).toBe('About Titlewave');
  });
});

describe('the shell language', () => {
  it.each([
    [['zh-Hans-CN', 'en-US'], 'zh-CN'],
    [['zh-CN'], 'zh-CN'],
    [['zh_TW'], 'zh-CN'],
    [['en-GB', 'zh-CN'], 'en'],
    [['fr-FR', 'zh-Hans'], 'zh-CN'],
    [['fr-FR', 'de-DE'], 'en'],
    [[], 'en'],
  ] as const)('%j gives %s', (preferred, expected) => {
    expect(languageFromSystem(preferred)).toBe(expected);
  });

  it('has the same messages in both languages, none empty', () => {
    const english = Object.keys(shellMessages.en).sort();
    expect(Object.keys(shellMessages['zh-CN']).sort()).toEqual(english);
    for (const language of ['en', 'zh-CN'] as const) for (const value of Object.values(shellMessages[language])) expect(value.trim()).not.toBe('');
  });

  it('fills parameters and formats durations', () => {
    expect(shellText('en', 'notifyTitlesBody', { done: 120, failed: 3, duration: formatDuration(83_000) })).toBe('120 URLs in 1 min 23 s, 3 failed.');
    expect(shellText('zh-CN', 'notifyTitlesBody', { done: 5, failed: 0, duration: formatDuration(12_400) })).toBe('5 个网址，用时 12 s，失败 0 个。');
    expect(formatDuration(3_725_000)).toBe('1 h 2 min');
  });
});

vi.mock('electron', () => {
  throw new Error('menu.ts and i18n.ts must not load electron');
});
