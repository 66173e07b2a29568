/**
 * Browser mode in a real browser (Debian's Chromium through playwright-core): the page below its secret prefix, the CSP
 * letting the injected bridge run first, window.api over the WebSocket, and the page-side host commands (file
 * picker inside a click, download for saves).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer, type BrowserServer } from '../../src/server/server.js';
import { ScriptedServices, builtBridgeFile, makeRendererDir } from './helpers.js';

let browser: Browser;
let server: BrowserServer;
let services: ScriptedServices;
let page: Page;
const violations: string[] = [];

beforeAll(async () => {
  services = new ScriptedServices();
  services.handlers['history.list'] = () => [{ id: 'r1', name: '<img src=x onerror=alert(1)>' }];
  server = await startBrowserServer({
    services,
    dataDir: await mkdtemp(join(tmpdir(), 'titlewave-data-')),
    port: 0,
    rendererDir: await makeRendererDir(),
    bridgeFile: builtBridgeFile,
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('browser mode in Chromium', () => {
  it('loads below the secret prefix with no cookie at all, and has window.api before the renderer runs', async () => {
    expect(page.url()).toBe(server.url);
    await expect.poll(() => page.textContent('#root')).toBe('object');
    // Nothing the browser would send to another server on this host.
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('runs commands over the WebSocket and gets data back as data', async () => {
    const list = await page.evaluate("window.api.invoke('history.list')");
    expect(list).toEqual([{ id: 'r1', name: '<img src=x onerror=alert(1)>' }]);
    const info = await page.evaluate<{ nativeDialogs: boolean }>("window.api.invoke('app.info')");
    expect(info.nativeDialogs).toBe(false);
  });

  it('opens the file picker inside the click and reads the chosen files', async () => {
    const chooserShown = page.waitForEvent('filechooser');
    await page.click('#open');
    const chooser = await chooserShown;
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles([
      { name: 'urls.txt', mimeType: 'text/plain', buffer: Buffer.from('https://jd.com\nhttps://taobao.com\n') },
      { name: '列表.csv', mimeType: 'text/csv', buffer: Buffer.from('url\nhttps://douban.com\n') },
    ]);
    const files = await page.evaluate('window.opened');
    expect(files).toEqual([
      { name: 'urls.txt', text: 'https://jd.com\nhttps://taobao.com\n' },
      { name: '列表.csv', text: 'url\nhttps://douban.com\n' },
    ]);
    const accept = await page.evaluate("document.querySelector('input[type=file]')?.getAttribute('accept') ?? 'removed'");
    expect(accept).toBe('removed');
  });

  it('reads a UTF-16 list by its byte order mark, and refuses UTF-16 without one (issue 11)', async () => {
    const pick = async (file: { name: string; buffer: Buffer }): Promise<void> => {
      const chooserShown = page.waitForEvent('filechooser');
      await page.click('#open');
      await (await chooserShown).setFiles({ ...file, mimeType: 'text/plain' });
    };
    await pick({ name: 'notepad.txt', buffer: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('https://jd.com\r\n', 'utf16le')]) });
    expect(await page.evaluate('window.opened')).toEqual([{ name: 'notepad.txt', text: 'https://jd.com\r\n' }]);
    await pick({ name: 'bare.txt', buffer: Buffer.from('https://jd.com\r\n', 'utf16le') });
    expect(await page.evaluate('window.opened.then(() => "read", (error) => error.message)')).toMatch(/bare\.txt looks like UTF-16LE text without a byte order mark/);
  });

  it('saves text as a download under the suggested name', async () => {
    const downloaded = page.waitForEvent('download');
    const saved = await page.evaluate("window.api.invoke('dialog.saveText', { suggestedName: 'titles.csv', text: '\\uFEFFurl,title\\nhttps://jd.com,京东\\n' })");
    expect(saved).toBe(true);
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe('titles.csv');
    const path = await download.path();
    expect(await readFile(path, 'utf8')).toBe('\uFEFFurl,title\nhttps://jd.com,京东\n');
  });

  it('reported no CSP violation', () => {
    expect(violations).toEqual([]);
  });
});
