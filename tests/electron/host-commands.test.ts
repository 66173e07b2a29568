/** The desktop host's commands (src/desktop/host-commands.ts, files.ts, external.ts) against real files and fake dialogs. */
import { chmodSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Language } from '../../src/contract.js';
import { createExternalOpener, RateLimiter, webUrl } from '../../src/desktop/external.js';
import { decodeText, MAX_OPEN_BYTES } from '../../src/desktop/files.js';
import { createHostHandlers, safeFileName, type NativeDialogs } from '../../src/desktop/host-commands.js';

const scratch = mkdtempSync(join(tmpdir(), 'titlewave-host-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function setup(answers: { open?: string[] | null; save?: string | null } = {}) {
  const openCalls: Electron.OpenDialogOptions[] = [];
  const saveCalls: Electron.SaveDialogOptions[] = [];
  const dialogs: NativeDialogs = {
    showOpen: async (options) => {
      openCalls.push(options);
      return answers.open ? { canceled: false, filePaths: answers.open } : { canceled: true, filePaths: [] };
    },
    showSave: async (options) => {
      saveCalls.push(options);
      return answers.save ? { canceled: false, filePath: answers.save } : { canceled: true, filePath: '' };
    },
  };
  const opened: string[] = [];
  const openPath = vi.fn(async (_path: string) => '');
  let language: Language = 'en';
  const languageChanges: Language[] = [];
  const host = createHostHandlers({
    dialogs,
    externalOpener: createExternalOpener(async (url) => void opened.push(url)),
    openPath,
    getLanguage: () => language,
    setLanguage: async (next) => {
      language = next;
      languageChanges.push(next);
    },
    appInfo: () => ({ version: '9.9.9', platform: 'linux', nativeDialogs: true, cpus: 2, homeDir: '/home/u' }),
    documentsDir: '/home/u/Documents',
  });
  return { host, openCalls, saveCalls, opened, openPath, languageChanges };
}

describe('app.info and app.setLanguage', () => {
  it('reports the host and the current language, which setLanguage changes', async () => {
    const { host, languageChanges } = setup();
    expect(await host['app.info']()).toEqual({ version: '9.9.9', platform: 'linux', nativeDialogs: true, cpus: 2, homeDir: '/home/u', language: 'en' });
    await host['app.setLanguage']('zh-CN');
    expect(languageChanges).toEqual(['zh-CN']);
    expect((await host['app.info']()).language).toBe('zh-CN');
  });
});

describe('dialog.openTextFiles', () => {
  it('reads the chosen .txt/.csv files as text, BOMs handled', async () => {
    const plain = join(scratch, 'urls.txt');
    const withBom = join(scratch, 'urls-bom.csv');
    const utf16 = join(scratch, 'urls-utf16.txt');
    writeFileSync(plain, 'example.com\nhttps://京东.com/\n');
    writeFileSync(withBom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('url\nexample.org\n')]));
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('douban.com\n', 'utf16le')]));
    const { host, openCalls } = setup({ open: [plain, withBom, utf16] });
    expect(await host['dialog.openTextFiles']()).toEqual([
      { name: 'urls.txt', text: 'example.com\nhttps://京东.com/\n' },
      { name: 'urls-bom.csv', text: 'url\nexample.org\n' },
      { name: 'urls-utf16.txt', text: 'douban.com\n' },
    ]);
    expect(openCalls[0]?.properties).toEqual(['openFile', 'multiSelections']);
    expect(openCalls[0]?.filters?.[0]).toEqual({ name: 'URL lists (.txt, .csv)', extensions: ['txt', 'csv'] });
  });

  it('titles its dialog in the UI language', async () => {
    const { host, openCalls } = setup();
    await host['app.setLanguage']('zh-CN');
    await host['dialog.openTextFiles']();
    expect(openCalls[0]?.title).toBe('打开网址列表');
  });

  it('gives null when the user cancels', async () => {
    expect(await setup().host['dialog.openTextFiles']()).toBeNull();
  });

  it('refuses a file over the cap without reading it', async () => {
    const huge = join(scratch, 'huge.txt');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MAX_OPEN_BYTES + 1); // sparse: costs no disk
    closeSync(fd);
    const { host } = setup({ open: [huge] });
    // "is too large" is the refusal from the size alone, before any read ("grew past" would be the one while reading).
    await expect(host['dialog.openTextFiles']()).rejects.toThrow(/^huge\.txt is too large \(200 MiB; at most 200 MiB/);
  });

  it('the cap holds for all the chosen files together', async () => {
    const half = join(scratch, 'half.txt');
    const fd = openSync(half, 'w');
    ftruncateSync(fd, MAX_OPEN_BYTES / 2 + 1);
    closeSync(fd);
    const { host } = setup({ open: [half, half] });
    await expect(host['dialog.openTextFiles']()).rejects.toThrow(/half\.txt is too large/);
  });

  it('decodes UTF-16BE with a BOM, and replaces invalid UTF-8 as a browser does', () => {
    expect(decodeText(Buffer.from([0xfe, 0xff, 0x00, 0x61, 0x00, 0x62, 0x4e, 0xac]))).toBe('ab京');
    expect(decodeText(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
  });

  it('reads UTF-16 lists by their byte order mark, and refuses UTF-16 without one, naming it (issue 11)', async () => {
    const le = join(scratch, 'notepad.txt');
    writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('example.com\r\nexample.org\r\n', 'utf16le')]));
    const bare = join(scratch, 'bare-utf16.txt');
    writeFileSync(bare, Buffer.from('example.com\r\nexample.org\r\n', 'utf16le'));
    expect(await setup({ open: [le] }).host['dialog.openTextFiles']()).toEqual([{ name: 'notepad.txt', text: 'example.com\r\nexample.org\r\n' }]);
    await expect(setup({ open: [le, bare] }).host['dialog.openTextFiles']()).rejects.toThrow(/bare-utf16\.txt looks like UTF-16LE text without a byte order mark/);
  });
});

describe('dialog.saveText', () => {
  it('writes the text where the user chose, starting in Documents with the suggested name', async () => {
    const target = join(scratch, 'export.csv');
    const { host, saveCalls } = setup({ save: target });
    expect(await host['dialog.saveText']({ suggestedName: 'titles.csv', text: '\ufeffurl,title\n' })).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('\ufeffurl,title\n');
    expect(saveCalls[0]?.defaultPath).toBe('/home/u/Documents/titles.csv');
    expect(saveCalls[0]?.filters?.[0]).toEqual({ name: 'CSV', extensions: ['csv'] });
    expect(saveCalls[0]?.properties).toContain('showOverwriteConfirmation');
  });

  it('replaces an existing file atomically, keeping its permissions and leaving no temporary file', async () => {
    const folder = join(scratch, 'atomic');
    mkdirSync(folder);
    const target = join(folder, 'runs.jsonl');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    const { host } = setup({ save: target });
    await host['dialog.saveText']({ suggestedName: 'runs.jsonl', text: 'new' });
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(folder)).toEqual(['runs.jsonl']);
  });

  it('writes nothing and answers false when the user cancels', async () => {
    const { host } = setup();
    expect(await host['dialog.saveText']({ suggestedName: 'a.json', text: '[]' })).toBe(false);
  });

  it('keeps only a plain file name from the suggestion', async () => {
    const { host, saveCalls } = setup();
    await host['dialog.saveText']({ suggestedName: '../../.bashrc', text: '' });
    expect(saveCalls[0]?.defaultPath).toBe('/home/u/Documents/.bashrc');
    expect(safeFileName('..\\..\\evil.csv')).toBe('evil.csv');
    expect(safeFileName('a\u0000b<c>.csv')).toBe('a_b_c_.csv');
    expect(safeFileName('..')).toBe('export.txt');
  });
});

describe('path dialogs', () => {
  it('choosePaths picks images or folders, many at once; null when cancelled', async () => {
    const files = setup({ open: ['/p/a.jpg', '/p/b.png'] });
    expect(await files.host['dialog.choosePaths']({ folders: false })).toEqual(['/p/a.jpg', '/p/b.png']);
    expect(files.openCalls[0]?.properties).toEqual(['openFile', 'multiSelections']);
    expect(files.openCalls[0]?.filters?.[0]?.extensions).toEqual(expect.arrayContaining(['jpg', 'png', 'webp', 'gif', 'tiff', 'avif', 'svg']));
    const folders = setup({ open: ['/photos'] });
    expect(await folders.host['dialog.choosePaths']({ folders: true })).toEqual(['/photos']);
    expect(folders.openCalls[0]?.properties).toEqual(['openDirectory', 'multiSelections']);
    expect(await setup().host['dialog.choosePaths']({ folders: true })).toBeNull();
  });

  it('chooseFolder and chooseSaveFile give one path or null', async () => {
    expect(await setup({ open: ['/out'] }).host['dialog.chooseFolder']()).toBe('/out');
    expect(await setup().host['dialog.chooseFolder']()).toBeNull();
    const save = setup({ save: '/tmp/primes.txt' });
    expect(await save.host['dialog.chooseSaveFile']({ suggestedName: 'primes.txt' })).toBe('/tmp/primes.txt');
    expect(save.saveCalls[0]?.defaultPath).toBe('/home/u/Documents/primes.txt');
    expect(await setup().host['dialog.chooseSaveFile']({ suggestedName: 'primes.txt' })).toBeNull();
  });
});

describe('shell.openExternal', () => {
  it('opens http and https links', async () => {
    const { host, opened } = setup();
    await host['shell.openExternal']('https://www.douban.com/');
    await host['shell.openExternal']('http://example.com/a b');
    expect(opened).toEqual(['https://www.douban.com/', 'http://example.com/a%20b']);
  });

  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'ms-settings:', 'https://user:pass@example.com/', 'http://', 'not a url'])(
    'refuses %s',
    async (url) => {
      const { host, opened } = setup();
      await expect(host['shell.openExternal'](url)).rejects.toThrow(/Only http and https links/);
      expect(opened).toEqual([]);
    },
  );

  it('stops a flood of links: at most 5 in 10 seconds', async () => {
    const { host, opened } = setup();
    for (let i = 0; i < 5; i++) await host['shell.openExternal'](`https://example.com/${i}`);
    await expect(host['shell.openExternal']('https://example.com/6')).rejects.toThrow(/Too many links/);
    expect(opened).toHaveLength(5);
  });

  it('the limiter frees up as time passes', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1000, () => now);
    expect([limiter.tryTake(), limiter.tryTake(), limiter.tryTake()]).toEqual([true, true, false]);
    now = 999;
    expect(limiter.tryTake()).toBe(false);
    now = 1000;
    expect(limiter.tryTake()).toBe(true);
    expect(webUrl('HTTPS://EXAMPLE.COM')).toBe('https://example.com/');
    expect(webUrl(42)).toBeNull();
  });
});

describe('shell.openFolder', () => {
  it('shows an existing folder', async () => {
    const { host, openPath } = setup();
    await host['shell.openFolder'](scratch);
    expect(openPath).toHaveBeenCalledWith(scratch);
  });

  it('refuses a file or a missing path, and reports what the OS said', async () => {
    const file = join(scratch, 'not-a-folder.txt');
    writeFileSync(file, '');
    const { host, openPath } = setup();
    await expect(host['shell.openFolder'](file)).rejects.toThrow(/Not an existing folder/);
    await expect(host['shell.openFolder'](join(scratch, 'missing'))).rejects.toThrow(/Not an existing folder/);
    expect(openPath).not.toHaveBeenCalled();
    openPath.mockResolvedValueOnce('No application is registered');
    await expect(host['shell.openFolder'](scratch)).rejects.toThrow(/No application is registered/);
  });
});
