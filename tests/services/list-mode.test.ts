/**
 * The services' list-mode commands and settings: titles.expandSitemap (URL, file bytes, problems, through the
 * settings' proxy), titles.exportXlsx from the journal, and runs journaled before the list-mode settings existed.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Events, TitlesSettings } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startHttpProxy } from '../helpers/proxies.js';

const settings: TitlesSettings = { concurrency: 8, perHost: 4, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };
const ns = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const urlset = (urls: string[]): string => `<?xml version="1.0"?><urlset xmlns="${ns}">${urls.map((url) => `<url><loc>${url}</loc></url>`).join('')}</urlset>`;

let web: FixtureWeb;
const open: Services[] = [];
beforeAll(async () => {
  web = await startFixtureWeb();
});
afterAll(async () => {
  await web.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((services) => services.close()));
});

async function newServices(dataDir?: string): Promise<{ services: Services; dataDir: string; updates: Events['titles.update'][] }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'titlewave-listmode-services-')));
  const services = createServices({ dataDir: dir });
  open.push(services);
  const updates: Events['titles.update'][] = [];
  services.on('titles.update', (update) => updates.push(update));
  return { services, dataDir: dir, updates };
}

describe('titles.expandSitemap', () => {
  it('reads a sitemap URL into lines, with its counts and problems', async () => {
    const { services } = await newServices();
    const index = web.addCase('index.xml', {
      headers: { 'content-type': 'application/xml' },
      body: `<sitemapindex xmlns="${ns}"><sitemap><loc>${web.url('/case/a.xml')}</loc></sitemap><sitemap><loc>${web.url('/case/missing.xml')}</loc></sitemap></sitemapindex>`,
    });
    web.addCase('a.xml', { headers: { 'content-type': 'application/xml' }, body: urlset([web.url('/page/1'), web.url('/page/2')]) });
    const result = await services.invoke('titles.expandSitemap', [{ url: index, settings }]);
    expect(result).toMatchObject({ text: `${web.url('/page/1')}\n${web.url('/page/2')}`, urls: 2, sitemaps: 2, moreProblems: 0 });
    expect(result.problems).toEqual([{ sitemap: web.url('/case/missing.xml'), message: expect.stringMatching(/could not be fetched/) as string }]);
  });

  it('reads a file’s bytes (gzip too), refuses what is neither a URL nor a file, and goes through the settings’ proxy', async () => {
    const { services } = await newServices();
    const base64 = zlib.gzipSync(urlset(['https://example.com/a'])).toString('base64');
    expect(await services.invoke('titles.expandSitemap', [{ file: { name: 'sitemap.xml.gz', base64 }, settings }])).toMatchObject({ text: 'https://example.com/a', urls: 1, sitemaps: 1 });
    await expect(services.invoke('titles.expandSitemap', [{ settings }])).rejects.toThrow(/Give a sitemap URL or a file/);
    await expect(services.invoke('titles.expandSitemap', [{ url: 'ftp://example.com/sitemap.xml', settings }])).rejects.toThrow(/http:\/\/ or https:\/\//);
    const proxy = await startHttpProxy({ hostMap: { 'maps.test': web.ports[0] as number } });
    try {
      web.addCase('proxied.xml', { headers: { 'content-type': 'application/xml' }, body: urlset(['https://example.com/p']) });
      const result = await services.invoke('titles.expandSitemap', [{ url: `http://maps.test:${web.ports[0]}/case/proxied.xml`, settings: { ...settings, proxy: proxy.url } }]);
      expect(result.urls).toBe(1);
      expect(proxy.carried).toEqual([`maps.test:${web.ports[0]}`]);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a proxy setting that is not one (the contract checks every setting)', async () => {
    const { services } = await newServices();
    await expect(services.invoke('titles.expandSitemap', [{ url: web.url('/case/a.xml'), settings: { ...settings, proxy: 'ftp://nope' } }])).rejects.toThrow(/proxy/);
    await expect(services.invoke('titles.start', [{ text: web.url('/page/x'), settings: { ...settings, rate: 1.5 } }])).rejects.toThrow(/rate/);
  });
});

describe('list-mode settings in runs', () => {
  it('a run’s proxy, robots.txt and rate settings are journaled; its records export as a workbook', async () => {
    const { services, dataDir, updates } = await newServices();
    web.addCase('robots-page', { headers: { 'content-type': 'text/html' }, body: '<title>ok</title>' });
    // The fixture web has no robots.txt (404): everything allowed. The settings still travel with the run.
    const { runId } = await services.invoke('titles.start', [{ text: web.url('/case/robots-page'), settings: { ...settings, robots: 'respect', rate: 3 } }]);
    await expect.poll(() => updates.some((update) => update.runId === runId && update.state === 'done'), { timeout: 20_000 }).toBe(true);
    const meta = JSON.parse(await readFile(join(dataDir, 'runs', runId, 'meta.json'), 'utf8')) as { settings: TitlesSettings };
    expect(meta.settings).toMatchObject({ robots: 'respect', rate: 3, proxy: 'direct' });
    const { base64, rows } = await services.invoke('titles.exportXlsx', [runId, { indices: null }]);
    expect(rows).toBe(1);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('Titles')?.getRow(2).getCell(5).text).toBe('ok');
  });

  it('exports the rows asked for, in the order asked (the rows in view), and skips indices without a record', async () => {
    const { services, updates } = await newServices();
    const urls = ['a', 'b', 'c'].map((name) => web.url(`/page/view-${name}`));
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings }]);
    await expect.poll(() => updates.some((update) => update.runId === runId && update.state === 'done'), { timeout: 20_000 }).toBe(true);
    const { base64, rows } = await services.invoke('titles.exportXlsx', [runId, { indices: [2, 0, 99] }]);
    expect(rows).toBe(2);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Titles');
    expect([sheet?.getRow(2).getCell(2).text, sheet?.getRow(3).getCell(2).text]).toEqual([urls[2], urls[0]]);
  });

  it('loads and resumes a run journaled before proxy, robots and rate existed, with their defaults', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-old-run-'));
    const id = '20240101-000000-abcdef12';
    const folder = join(dataDir, 'runs', id);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'input.txt'), `${web.url('/page/old-1')}\n${web.url('/page/old-2')}\n`);
    await writeFile(join(folder, 'records.jsonl'), '');
    const oldSettings = { concurrency: 4, perHost: 2, timeoutMs: 10_000, retries: 0, userAgent: '' };
    await writeFile(
      join(folder, 'meta.json'),
      JSON.stringify({ version: 1, id, name: 'old run', createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', settings: oldSettings, total: 2, done: 0, failed: 0, state: 'cancelled', owner: null, summary: null }),
    );
    const { services, updates } = await newServices(dataDir);
    const [run] = await services.invoke('history.list', []);
    expect(run?.settings).toEqual({ ...oldSettings, render: 'auto', renderers: 2, renderTimeoutMs: 10_000, proxy: 'environment', robots: 'ignore', rate: null });
    await services.invoke('history.resume', [id]);
    await expect.poll(() => updates.some((update) => update.runId === id && update.state === 'done'), { timeout: 20_000 }).toBe(true);
    const loaded = await services.invoke('history.load', [id]);
    expect(loaded.records.map((record) => record.title).sort()).toEqual([web.titleFor('/page/old-1'), web.titleFor('/page/old-2')].sort());
  });
});
