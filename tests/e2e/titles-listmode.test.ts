/**
 * List mode in the app, end to end in Chromium through browser mode (issue 13): the rate, robots.txt and proxy
 * settings (validated, kept with the run), "From sitemap…" by URL and by file (the count shown before anything is
 * added), and Export → Excel (a real workbook, downloaded).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/contract.js';
import { htmlPage, launchChromium, makeTempDir, openApp, poll, removeDir, sendHtml, startRoutes, startServe, waitForRunEnd, type AppPage, type Routes, type ServeProcess } from './helpers.js';

const ns = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const urlset = (urls: string[]): string => `<?xml version="1.0"?><urlset xmlns="${ns}">${urls.map((url) => `<url><loc>${url}</loc></url>`).join('')}</urlset>`;

let site: Routes;
let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;

beforeAll(async () => {
  site = await startRoutes({
    '/robots.txt': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('User-agent: *\nDisallow: /private\n');
    },
    '/page/': (request, response) => sendHtml(response, htmlPage(`Page ${request.url?.slice('/page/'.length) ?? ''}`)),
    '/private/': (_request, response) => sendHtml(response, htmlPage('Private')),
    '/sitemap-index.xml': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(`<?xml version="1.0"?><sitemapindex xmlns="${ns}"><sitemap><loc>${site.origin}/sitemap-a.xml</loc></sitemap><sitemap><loc>${site.origin}/sitemap-b.xml.gz</loc></sitemap><sitemap><loc>${site.origin}/sitemap-gone.xml</loc></sitemap></sitemapindex>`);
    },
    '/sitemap-a.xml': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(urlset([`${site.origin}/page/a1`, `${site.origin}/page/a2`]));
    },
    '/sitemap-b.xml.gz': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/gzip' });
      response.end(zlib.gzipSync(urlset([`${site.origin}/page/b1`])));
    },
  });
  dataDir = await makeTempDir();
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
  app = await openApp(browser, serve.url, { viewport: { width: 1280, height: 900 } });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await serve?.stop();
  await site?.close();
  await removeDir(dataDir);
});

const urlBox = () => page.getByLabel('URLs', { exact: true });
const startButton = () => page.getByRole('button', { name: /^Start/ });

describe('list mode in the app', () => {
  it('validates the rate and the proxy URL; a proxy URL to fix holds Start (and Ctrl+Enter) back', async () => {
    const rate = page.getByLabel('Rate limit');
    await rate.fill('fast');
    await poll(() => page.getByText(/Empty, 1 to 1000, or a fraction below 1/).isVisible()).toBe(true);
    await rate.fill('1.5');
    await poll(() => rate.getAttribute('aria-invalid')).toBe('true');
    await rate.fill('0.5');
    await poll(() => rate.getAttribute('aria-invalid')).toBe(null);

    await urlBox().fill(`${site.origin}/page/x`);
    await page.getByLabel('Proxy', { exact: true }).selectOption('custom');
    await poll(() => startButton().isDisabled()).toBe(true);
    await page.getByLabel('Proxy URL').fill('ftp://user:pw@proxy.example:21');
    await poll(() => page.getByText(/A proxy URL is http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\//).isVisible()).toBe(true);
    await page.keyboard.press('Control+Enter');
    await poll(() => page.getByText('Fix the proxy URL before starting.').first().isVisible()).toBe(true);
    // Nor is a sitemap read while the proxy URL is to fix: it would not go through the proxy meant.
    await page.getByRole('button', { name: 'From sitemap…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Sitemap URL').fill(`${site.origin}/sitemap-a.xml`);
    await poll(() => dialog.getByText('Fix the proxy URL in the settings first: the sitemap is read through it.').isVisible()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Read' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(site.hits.get('/sitemap-a.xml')).toBeUndefined();
    await page.getByLabel('Proxy URL').fill('socks5h://127.0.0.1:1080');
    await poll(() => startButton().isDisabled()).toBe(false);
    await page.getByLabel('Proxy', { exact: true }).selectOption('direct');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('runs with robots.txt respected and a rate, and keeps those settings with the run', async () => {
    await page.getByLabel('Rate limit').fill('5');
    await page.getByLabel('Respect robots.txt').check();
    await urlBox().fill(`${site.origin}/page/open\n${site.origin}/private/secret`);
    await startButton().click();
    await waitForRunEnd(page, 2);
    await poll(() => page.getByRole('gridcell', { name: 'ROBOTS' }).count()).toBe(1);
    expect(site.hits.get('/private/secret')).toBeUndefined();
    const runs = (await page.evaluate(() => (globalThis as unknown as { api: { invoke(command: string): Promise<unknown> } }).api.invoke('history.list'))) as RunSummary[];
    expect(runs[0]?.settings).toMatchObject({ robots: 'respect', rate: 5, proxy: 'direct' });
    // Remembered for the next run, after a reload too.
    await page.reload();
    await page.getByRole('tablist').waitFor();
    expect(await page.getByLabel('Respect robots.txt').isChecked()).toBe(true);
    expect(await page.getByLabel('Rate limit').inputValue()).toBe('5');
    await page.getByRole('button', { name: 'Defaults' }).click();
    expect(await page.getByLabel('Respect robots.txt').isChecked()).toBe(false);
  });

  it('From sitemap… reads an index (gzip sitemaps too), shows the count and what could not be read, then adds the URLs', async () => {
    await page.getByRole('button', { name: 'From sitemap…' }).click();
    const dialog = page.getByRole('dialog', { name: 'URLs from a sitemap' });
    await dialog.getByLabel('Sitemap URL').fill(`${site.origin}/sitemap-index.xml`);
    await dialog.getByRole('button', { name: 'Read' }).click();
    await poll(() => dialog.getByTestId('sitemap-found').textContent()).toBe('3 URLs from 3 sitemaps');
    expect(await dialog.getByText(/could not be fetched: HTTP 404/).isVisible()).toBe(true);
    // Nothing is added before the user says so.
    expect(await urlBox().inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Add 3 URLs' }).click();
    await poll(() => dialog.isVisible()).toBe(false);
    await poll(() => urlBox().inputValue()).toBe([`${site.origin}/page/a1`, `${site.origin}/page/a2`, `${site.origin}/page/b1`].join('\n'));
    await poll(() => page.getByText('3 valid').isVisible()).toBe(true);
  });

  it('From sitemap… reads a file the user picks (.xml.gz)', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'From sitemap…' }).click();
    const dialog = page.getByRole('dialog', { name: 'URLs from a sitemap' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), dialog.getByRole('button', { name: 'Choose a file…' }).click()]);
    await chooser.setFiles({ name: 'sitemap.xml.gz', mimeType: 'application/gzip', buffer: zlib.gzipSync(urlset([`${site.origin}/page/f1`, `${site.origin}/page/f2`])) });
    await poll(() => dialog.getByText('File: sitemap.xml.gz').isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Read' }).click();
    await poll(() => dialog.getByTestId('sitemap-found').textContent()).toBe('2 URLs from 1 sitemap');
    await dialog.getByRole('button', { name: 'Add 2 URLs' }).click();
    await poll(() => urlBox().inputValue()).toBe(`${site.origin}/page/f1\n${site.origin}/page/f2`);
  });

  it('Export → Excel downloads a workbook of the run, titles as text, URLs as links', async () => {
    await startButton().click();
    await waitForRunEnd(page, 2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('group', { name: 'Export' }).getByRole('button', { name: 'Excel' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^titlewave-.*\.xlsx$/);
    const file = join(dataDir, 'export.xlsx');
    await download.saveAs(file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await readFile(file)) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Titles');
    expect(sheet?.rowCount).toBe(3);
    expect(sheet?.getRow(2).getCell(5).text).toBe('Page f1');
    expect(sheet?.getRow(3).getCell(2).hyperlink).toBe(`${site.origin}/page/f2`);
    expect(app.errors).toEqual([]);
  });
});
