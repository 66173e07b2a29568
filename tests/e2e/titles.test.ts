/**
 * The Titles tab end to end, in Chromium, through browser mode (`titlewave serve`) against a loopback web:
 * paste, start, progress to the end, titles shown, hostile titles stay text, filter, sort, select and copy as TSV,
 * export CSV (bytes, BOM, formula neutralisation), retry failed.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/contract.js';
import { toCsv, toJson, toJsonl } from '../../src/titles/format.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import {
  htmlPage,
  launchChromium,
  makeTempDir,
  openApp,
  poll,
  progressOf,
  removeDir,
  sendHtml,
  startRoutes,
  startServe,
  waitForRunEnd,
  type AppPage,
  type Routes,
  type ServeProcess,
} from './helpers.js';

const pages = 24;
const hostileImg = '<img src=x onerror="window.__pwned=1">';
const hostileScript = '<script>window.__pwned=2</script>';

let web: FixtureWeb;
/** Pages that fail once (connection reset) and answer afterwards: what "Retry failed" is for. */
let flaky: Routes;
let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;

function gridRows(p: Page) {
  return p.getByRole('grid').locator('[role="row"][aria-rowindex]:not([aria-rowindex="1"])');
}

beforeAll(async () => {
  web = await startFixtureWeb();
  flaky = await startRoutes({
    '/flaky/': (request, response, hit) => {
      if (hit === 1) request.socket.destroy();
      else sendHtml(response, htmlPage(`Recovered ${request.url!.split('/').pop()}`));
    },
  });
  dataDir = await makeTempDir();
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
  app = await openApp(browser, serve.url);
  page = app.page;
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
});

afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await serve?.stop();
  await web?.close();
  await flaky?.close();
  await removeDir(dataDir);
});

describe('Titles tab in browser mode', () => {
  const titled = (name: string, title: string) => web.url(`/page/${name}?title=${encodeURIComponent(title)}`);
  const urls = () => [
    ...Array.from({ length: pages }, (_, i) => web.url(`/page/${i + 1}`)),
    titled('hostile-img', hostileImg),
    titled('hostile-script', hostileScript),
    titled('formula', '=1+2'),
    `${flaky.origin}/flaky/1`,
    `${flaky.origin}/flaky/2`,
    'javascript:alert(1)',
    web.url('/page/1'), // a duplicate: fetched once
  ];
  const validCount = pages + 5;
  const total = validCount + 1; // the invalid line gets a record too

  it('counts valid, invalid and duplicate lines as the user types, and points at the invalid one', async () => {
    await page.getByLabel('URLs').fill(urls().join('\n'));
    await poll(() => page.getByText(`${validCount} valid`).count()).toBe(1);
    await expect(page.getByText('1 invalid').count()).resolves.toBe(1);
    await expect(page.getByText('1 duplicate').count()).resolves.toBe(1);
    const invalidItem = page.getByRole('button', { name: `Go to line ${validCount + 1} in the URL list` });
    await invalidItem.click();
    // Jumping selects that line in the URL box.
    const selected = await page.getByLabel('URLs').evaluate((element) => {
      const area = element as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    expect(selected).toBe('javascript:alert(1)');
  });

  it('starts, shows progress to the end, and shows the titles', async () => {
    // No automatic retries: the flaky rows must fail in the run so "Retry failed" has work.
    await page.getByLabel('Retries').fill('0');
    await page.getByRole('button', { name: /^Start/ }).click();
    await waitForRunEnd(page, total);
    expect(await progressOf(page)).toEqual({ now: total, max: total });
    await poll(() => page.locator('.badge', { hasText: 'Done' }).first().isVisible()).toBe(true);
    await expect(page.getByRole('grid').getByText(web.titleFor('/page/7'), { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByText(`${total} of ${total} rows`).count()).resolves.toBe(1);
    // Two resets and the invalid line failed.
    await expect(page.locator('.stat--failed .stat__value').textContent()).resolves.toBe('3');
    // The duplicate was fetched once.
    expect(web.hits('/page/1')).toBe(1);
  });

  it('shows hostile titles as text and never runs them', async () => {
    const grid = page.getByRole('grid');
    await expect(grid.getByText(hostileImg, { exact: true }).count()).resolves.toBe(1);
    await expect(grid.getByText(hostileScript, { exact: true }).count()).resolves.toBe(1);
    expect(await grid.locator('img, script').count()).toBe(0);
    // The details pane shows it as text too.
    await grid.getByText(hostileImg, { exact: true }).click();
    const details = page.getByRole('complementary', { name: 'Details' });
    await expect(details.getByText(hostileImg, { exact: true }).first().isVisible()).resolves.toBe(true);
    expect(await details.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // "Open in browser" hands the page's URL to the host (browser mode: a new tab).
    const [opened] = await Promise.all([app.context.waitForEvent('page'), details.getByRole('button', { name: /Open in browser/ }).click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe(titled('hostile-img', hostileImg));
    await expect(opened.title()).resolves.toBe(hostileImg);
    await opened.close();
    expect(app.errors).toEqual([]);
  });

  it('filters by URL, title or error', async () => {
    const search = page.getByRole('searchbox');
    await search.fill('hostile');
    await poll(() => gridRows(page).count()).toBe(2);
    await search.fill('page/1');
    // Pages 1 and 10 to 19.
    await poll(() => gridRows(page).count()).toBe(11);
    await search.fill('RESET');
    await poll(() => gridRows(page).count()).toBe(2);
    await search.fill('no such row');
    await poll(() => page.getByText('No rows match').count()).toBe(1);
    await search.fill('');
    await poll(() => page.getByText(`${total} of ${total} rows`).count()).toBe(1);
  });

  it('sorts by a column, ascending then descending, with aria-sort', async () => {
    const header = page.getByRole('columnheader', { name: /^Title/ });
    const firstTitle = () => gridRows(page).first().locator('[role="gridcell"]').nth(2).textContent();
    await header.getByRole('button').click();
    await poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    // Lower-cased code point order: "<img…" sorts first.
    expect(await firstTitle()).toBe(hostileImg);
    await header.getByRole('button').click();
    await poll(() => header.getAttribute('aria-sort')).toBe('descending');
    // Rows without a title go last either way; the largest title comes first.
    expect(await firstTitle()).toBe(web.titleFor('/page/9'));
    await header.getByRole('button').click();
    await poll(() => header.getAttribute('aria-sort')).toBe('none');
  });

  it('selects rows with click and shift-click and copies them as TSV', async () => {
    const rows = gridRows(page);
    await rows.nth(0).click();
    await rows.nth(2).click({ modifiers: ['Shift'] });
    await poll(() => page.getByText('3 selected').count()).toBe(1);
    await rows.nth(4).click({ modifiers: ['Control'] });
    await poll(() => page.getByText('4 selected').count()).toBe(1);
    await page.keyboard.press('Control+c');
    const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    const lines = copied.trimEnd().split('\n');
    expect(lines[0]).toBe('URL\tStatus\tTitle\tFinal URL\tTime (ms)\tError');
    expect(lines).toHaveLength(5);
    expect(lines[1]!.split('\t').slice(0, 3)).toEqual([web.url('/page/1'), '200', web.titleFor('/page/1')]);
    // Ctrl+A selects every row in view.
    await page.getByRole('grid').focus();
    await page.keyboard.press('Control+a');
    await poll(() => page.getByText(`${total} selected`).count()).toBe(1);
  });

  it('exports CSV, JSON and JSONL with the CLI formatter: same bytes, BOM, neutralised formulas', async () => {
    const runId = await currentRunId(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('group', { name: 'Export' }).getByRole('button', { name: 'CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const bytes = await readFile((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const loaded = await page.evaluate((id) => (globalThis as unknown as { api: Api }).api.invoke('history.load', id), runId);
    const expected = toCsv([...loaded.records].sort((a: TitleRecord, b: TitleRecord) => a.index - b.index));
    expect(bytes.toString('utf8')).toBe(expected);
    expect(bytes.toString('utf8')).toContain(",'=1+2,");
    expect(bytes.toString('utf8')).not.toContain(',=1+2,');

    // JSON and JSON Lines: the CLI's bytes too.
    const inOrder = [...loaded.records].sort((a: TitleRecord, b: TitleRecord) => a.index - b.index);
    for (const [button, expectedText] of [
      ['JSON', toJson(inOrder)],
      ['JSONL', toJsonl(inOrder)],
    ] as const) {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('group', { name: 'Export' }).getByRole('button', { name: button, exact: true }).click()]);
      expect(file.suggestedFilename()).toMatch(button === 'JSON' ? /\.json$/ : /\.jsonl$/);
      expect(await readFile((await file.path())!, 'utf8')).toBe(expectedText);
    }
  });

  it('retries only the failed rows, in place', async () => {
    const before = flaky.totalHits();
    const pageHits = web.stats().reduce((sum, port) => sum + port.requests, 0);
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await poll(() => page.locator('.stat--failed .stat__value').textContent(), { timeout: 20_000 }).toBe('1');
    expect(await progressOf(page)).toEqual({ now: total, max: total });
    await expect(page.getByText(`${total} of ${total} rows`).count()).resolves.toBe(1);
    // The grid renders only the rows in view: filter down to the retried ones.
    await page.getByRole('searchbox').fill('Recovered');
    await poll(() => gridRows(page).count()).toBe(2);
    expect(await page.getByRole('grid').getByText('Recovered 2', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('grid').getByText('RESET').count()).toBe(0);
    // Exactly the two reset URLs were fetched again; the invalid line is never fetched.
    expect(flaky.totalHits() - before).toBe(2);
    expect(flaky.hits.get('/flaky/1')).toBe(2);
    expect(web.stats().reduce((sum, port) => sum + port.requests, 0)).toBe(pageHits);
  });
});

/** The id of the run on screen, from the history list (the newest run). */
async function currentRunId(p: Page): Promise<string> {
  const runs = await p.evaluate(() => (globalThis as unknown as { api: Api }).api.invoke('history.list'));
  expect(runs.length).toBeGreaterThan(0);
  return runs[0]!.id;
}
