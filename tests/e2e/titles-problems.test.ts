/**
 * The Titles tab after an hour of use (issue 12), end to end in Chromium through browser mode: HTTP errors counted
 * apart from failed fetches and retried as a user expects (5xx and 429, not 404/410; a chosen row whatever it
 * answered), filters by status class and title with their counts, exporting the rows in view, resizable remembered
 * columns that a details pane narrows instead of hiding, sorting from anywhere in a header, URLs without the common
 * scheme, renaming a run, errors in Chinese, the User-Agent checked as typed, CSV lists with quoted line breaks,
 * and updates that arrive while the start command is still in flight.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/contract.js';
import { toCsv } from '../../src/titles/format.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { htmlPage, launchChromium, makeTempDir, openApp, poll, removeDir, sendHtml, startRoutes, startServe, waitForRunEnd, type AppPage, type Routes, type ServeProcess } from './helpers.js';

let web: FixtureWeb;
/** /once/<status>/<name>: that status the first time, then a page titled "Later <name>". */
let once: Routes;
let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;

const long = 'A page title that is clearly longer than sixty characters, as search tools count';
/** 35 characters, under 60, but about 660 px in 20px Arial (a W is about 19 px). */
const wide = 'W'.repeat(35);
const same = 'The same title on two pages';

beforeAll(async () => {
  web = await startFixtureWeb();
  once = await startRoutes({
    '/once/': (request, response, hit) => {
      const [, , status, name] = (request.url ?? '').split('/');
      if (hit === 1) sendHtml(response, htmlPage(`Busy ${name}`), Number(status));
      else sendHtml(response, htmlPage(`Later ${name}`));
    },
  });
  dataDir = await makeTempDir();
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
  app = await openApp(browser, serve.url);
  page = app.page;
});

afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await serve?.stop();
  await web?.close();
  await once?.close();
  await removeDir(dataDir);
});

const gridRows = () => page.getByRole('grid').locator('[role="row"][aria-rowindex]:not([aria-rowindex="1"])');
const stat = (name: string) => page.locator('.runbar .stat', { has: page.locator('.stat__label', { hasText: new RegExp(`^${name}$`) }) }).locator('.stat__value');
const chip = (name: RegExp) => page.getByRole('button', { name });
const urls = () => ({
  a: web.url('/page/a'),
  b: web.url('/page/b'),
  sameOne: web.url(`/page/same-1?title=${encodeURIComponent(same)}`),
  sameTwo: web.url(`/page/same-2?title=${encodeURIComponent(same)}`),
  long: web.url(`/page/long?title=${encodeURIComponent(long)}`),
  wide: web.url(`/page/wide?title=${encodeURIComponent(wide)}`),
  untitled: web.url('/page/untitled?titleAt=none'),
  missing: web.url('/status/404'),
  gone: web.url('/status/410'),
  busy: `${once.origin}/once/503/busy`,
  limited: `${once.origin}/once/429/limited`,
  refused: 'http://127.0.0.1:1/refused',
  invalid: 'javascript:alert(1)',
});
/** Rows of the run: one per line above (each distinct, the invalid line included). */
const total = 13;

async function runId(): Promise<string> {
  const runs = await page.evaluate(() => (globalThis as unknown as { api: Api }).api.invoke('history.list'));
  return runs[0]!.id;
}

describe('HTTP errors, filters and exports', () => {
  it('checks the User-Agent as it is typed and will not start with a bad one', async () => {
    const agent = page.getByLabel('User agent');
    await agent.fill('Titlewave 中文');
    await poll(() => page.getByText(/Only Latin-1 characters/).count()).toBe(1);
    await page.getByLabel('URLs').fill(urls().a);
    await poll(() => page.getByRole('button', { name: /^Start/ }).isDisabled()).toBe(true);
    // Ctrl+Enter is refused too, with a word about the settings.
    await page.getByLabel('URLs').focus();
    await page.keyboard.press('Control+Enter');
    await poll(() => page.getByText('Fix the settings marked in red first.').count()).toBe(1);
    expect((await page.evaluate(() => (globalThis as unknown as { api: Api }).api.invoke('history.list'))).length).toBe(0);
    // Blank means the default; the limits come from src/titles/limits.ts.
    await agent.fill('');
    await poll(() => page.getByRole('button', { name: /^Start/ }).isDisabled()).toBe(false);
    await page.getByLabel('Concurrency').fill('1001');
    await poll(() => page.getByText('Whole number from 1 to 1,000').count()).toBe(1);
    await page.getByLabel('Concurrency').fill('64');
  });

  it('counts HTTP errors apart from failed fetches and filters by status class and title', async () => {
    await page.getByLabel('Retries').fill('0');
    await page.getByLabel('URLs').fill(Object.values(urls()).join('\n'));
    await poll(() => page.getByText(`${total - 1} valid`).count()).toBe(1);
    await page.getByRole('button', { name: /^Start/ }).click();
    await waitForRunEnd(page, total);
    // Fetches that failed: the refused connection and the line that is no URL. HTTP errors: 404, 410, 503, 429.
    await poll(() => stat('Failed').textContent()).toBe('2');
    await poll(() => stat('HTTP errors').textContent()).toBe('4');
    // Retry failed takes 503, 429 and the refused connection, not 404, 410 or the invalid line.
    await expect(page.getByRole('button', { name: 'Retry failed (3)' }).count()).resolves.toBe(1);

    // 429 is a 4xx too.
    const counts = { '2xx': 7, '4xx': 3, '5xx': 1, 'Network error': 1, 'Not a URL': 1, Missing: 1, Duplicate: 2, 'Over 60 characters': 1, 'Over 580 px': 2 } as const;
    for (const [name, count] of Object.entries(counts)) await poll(() => chip(new RegExp(`^${name} ${count}$`)).count(), {}).toBe(1);
    await chip(/^4xx/).click();
    await poll(() => gridRows().count()).toBe(counts['4xx']);
    await chip(/^5xx/).click();
    // Two chips of one group add up.
    await poll(() => gridRows().count()).toBe(counts['4xx'] + counts['5xx']);
    await chip(/^4xx/).click();
    await chip(/^5xx/).click();
    await chip(/^Duplicate/).click();
    await poll(() => gridRows().count()).toBe(2);
    expect(await gridRows().locator('.cell-title').allTextContents()).toEqual([same, same]);
    // The groups narrow each other: duplicates among 2xx are both; among 4xx none.
    await chip(/^2xx/).click();
    await poll(() => gridRows().count()).toBe(2);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await chip(/^Over 580 px/).click();
    // The long title is wide too.
    await poll(() => gridRows().locator('.cell-title').allTextContents()).toEqual([long, wide]);
    await chip(/^Over 580 px/).click();
    await chip(/^Over 60 characters/).click();
    await poll(() => gridRows().locator('.cell-title').allTextContents()).toEqual([long]);
    await chip(/^Over 60 characters/).click();
    await chip(/^Missing/).click();
    await poll(() => gridRows().count()).toBe(1);
    expect(await gridRows().first().textContent()).toContain('/page/untitled');
    await chip(/^Missing/).click();
    await poll(() => page.getByText(`${total} of ${total} rows`).count()).toBe(1);
  });

  it('exports the rows in view, filtered and sorted, or all of them, by choice', async () => {
    await chip(/^4xx/).click();
    await poll(() => gridRows().count()).toBe(3);
    await page.getByRole('columnheader', { name: /^Status/ }).getByRole('button').click();
    await page.getByRole('columnheader', { name: /^Status/ }).getByRole('button').click();
    await poll(() => page.getByRole('columnheader', { name: /^Status/ }).getAttribute('aria-sort')).toBe('descending');
    const scope = page.getByLabel('Rows to export');
    await scope.selectOption('view');
    const exportGroup = page.getByRole('group', { name: 'Export' });
    const [inView] = await Promise.all([page.waitForEvent('download'), exportGroup.getByRole('button', { name: 'CSV' }).click()]);
    const loaded = await page.evaluate((id) => (globalThis as unknown as { api: Api }).api.invoke('history.load', id), await runId());
    const byIndex = new Map(loaded.records.map((record: TitleRecord) => [record.index, record]));
    const shown = loaded.records.filter((record: TitleRecord) => record.status !== null && record.status >= 400 && record.status < 500).sort((x: TitleRecord, y: TitleRecord) => y.status! - x.status!);
    expect(shown.map((record: TitleRecord) => record.status)).toEqual([429, 410, 404]);
    expect(inView.suggestedFilename()).toMatch(/-view\.csv$/);
    expect(await readFile((await inView.path())!, 'utf8')).toBe(toCsv(shown));
    await scope.selectOption('all');
    const [everything] = await Promise.all([page.waitForEvent('download'), exportGroup.getByRole('button', { name: 'CSV' }).click()]);
    expect(await readFile((await everything.path())!, 'utf8')).toBe(toCsv([...byIndex.keys()].sort((x, y) => x - y).map((index) => byIndex.get(index)!)));
    await chip(/^4xx/).click();
    await page.getByRole('columnheader', { name: /^Status/ }).getByRole('button').click();
    await poll(() => page.getByRole('columnheader', { name: /^Status/ }).getAttribute('aria-sort')).toBe('none');
  });

  it('retries 5xx, 429 and failed fetches, never the 404 or 410; a chosen 404 only when asked', async () => {
    const u = urls();
    const missingHits = web.hits('/status/404');
    const goneHits = web.hits('/status/410');
    await page.getByRole('button', { name: 'Retry failed (3)' }).click();
    // The 503 and 429 answer now; the refused connection fails again.
    await poll(() => stat('HTTP errors').textContent(), { timeout: 20_000 }).toBe('2');
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Done');
    expect(await stat('Failed').textContent()).toBe('2');
    expect(once.hits.get('/once/503/busy')).toBe(2);
    expect(once.hits.get('/once/429/limited')).toBe(2);
    expect(web.hits('/status/404')).toBe(missingHits);
    expect(web.hits('/status/410')).toBe(goneHits);
    await expect(page.getByRole('button', { name: 'Retry failed (1)' }).count()).resolves.toBe(1);

    // The user wants the 404 again: select it, Retry selected.
    await page.getByRole('searchbox').fill('/status/404');
    await poll(() => gridRows().count()).toBe(1);
    await gridRows().first().click();
    await page.getByRole('button', { name: 'Retry selected' }).click();
    await poll(() => web.hits('/status/404'), { timeout: 20_000 }).toBe(missingHits + 1);
    await poll(() => page.locator('.runbar .badge').textContent()).toBe('Done');
    await page.getByRole('searchbox').fill('');
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(u.missing).toContain('/status/404');
  });
});

describe('the grid', () => {
  it('shows URLs without their scheme, decoded, cut in the middle when long: the host and the last segment stay', async () => {
    await poll(() => page.getByText(`${total} of ${total} rows`).count()).toBe(1);
    const first = gridRows().first().locator('[role="gridcell"]').first();
    const text = await first.textContent();
    expect(text).toBe(urls().a.replace('http://', ''));
    // The long one: host, the middle of the path, and the last segment with its query, read back from its escapes.
    const cell = gridRows().filter({ has: page.locator('.cell-title', { hasText: long }) }).locator('[role="gridcell"]').first();
    const host = new URL(urls().long).host;
    expect(await cell.locator('.mid-ellipsis__host').textContent()).toBe(host);
    expect(await cell.locator('.mid-ellipsis__middle').textContent()).toBe('/page');
    expect(await cell.locator('.mid-ellipsis__tail').textContent()).toBe(`/long?title=${long.replace(/,/g, '%2C')}`);
    // Too long for the cell: the middle gives way, the host stays whole, the tail's start stays in view.
    const widths = await cell.locator('.mid-ellipsis').evaluate((element) => {
      const parts = (element as unknown as { children: ArrayLike<{ clientWidth: number; scrollWidth: number }> }).children;
      return Array.from(parts, (part) => ({ shown: part.clientWidth, full: part.scrollWidth }));
    });
    expect(widths[0]!.shown).toBe(widths[0]!.full);
    expect(widths[1]!.shown).toBeLessThan(widths[1]!.full);
    expect(widths[2]!.shown).toBeGreaterThan(40);
    // The filter box finds a URL by what it shows ("A page title"), not only by its escapes.
    const filter = page.getByPlaceholder('Filter by URL, title or error');
    await filter.fill('long?title=a page');
    await poll(() => page.getByText(`1 of ${total} rows`).count()).toBe(1);
    await filter.fill('');
    await poll(() => page.getByText(`${total} of ${total} rows`).count()).toBe(1);
  });

  it('sorts from anywhere in a header cell, not only its label', async () => {
    const header = page.getByRole('columnheader', { name: /^Time/ });
    const box = (await header.boundingBox())!;
    const label = (await header.locator('.grid__headtext').boundingBox())!;
    // Right of the label (the label sits at the cell's right end, so click at its left end).
    const x = label.x - box.x > 20 ? box.x + 8 : box.x + box.width - 16;
    await page.mouse.click(x, box.y + box.height / 2);
    await poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    await page.mouse.click(x, box.y + box.height / 2);
    await page.mouse.click(x, box.y + box.height / 2);
    await poll(() => header.getAttribute('aria-sort')).toBe('none');
  });

  it('resizes columns by dragging their edge, remembers them, and fits them beside the details pane', async () => {
    const titleHeader = page.getByRole('columnheader', { name: /^Title/ });
    const statusHeader = page.getByRole('columnheader', { name: /^Status/ });
    const before = (await titleHeader.boundingBox())!.width;
    // The edge between Title and Final URL: what one gains, the other gives.
    const handle = page.getByRole('separator', { name: 'Resize the Title column' });
    const grip = (await handle.boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + 60, grip.y + grip.height / 2, { steps: 4 });
    await page.mouse.up();
    await poll(async () => Math.round((await titleHeader.boundingBox())!.width - before)).toBe(60);
    // The keyboard moves the same edge.
    await handle.focus();
    await page.keyboard.press('ArrowLeft');
    await poll(async () => Math.round((await titleHeader.boundingBox())!.width - before)).toBe(44);
    const widened = (await titleHeader.boundingBox())!.width;

    await page.reload();
    await page.getByRole('tablist').waitFor();
    await page.locator('.history__open').first().click();
    await poll(() => page.getByText(`${total} of ${total} rows`).count()).toBe(1);
    await poll(async () => Math.round((await titleHeader.boundingBox())!.width)).toBe(Math.round(widened));

    // Details open: every column still within the grid's box (narrowed, not pushed out of view).
    await gridRows().nth(2).click();
    await page.getByRole('complementary', { name: 'Details' }).waitFor();
    const grid = (await page.getByRole('grid').boundingBox())!;
    const last = (await page.getByRole('columnheader', { name: /^Error/ }).boundingBox())!;
    expect(last.x + last.width).toBeLessThanOrEqual(grid.x + grid.width + 1);
    expect((await statusHeader.boundingBox())!.width).toBeGreaterThanOrEqual(84);
    await page.getByRole('button', { name: 'Close details' }).click();

    // A double click on an edge gives every column its default width again.
    await page.getByRole('separator', { name: 'Resize the Title column' }).dblclick();
    await poll(async () => Math.round((await titleHeader.boundingBox())!.width)).toBe(Math.round(before));
  });
});

describe('runs, languages and inputs', () => {
  it('names a run by its first host and its count, and renames it from the run bar (kept after a reload)', async () => {
    const name = page.locator('.runbar__name');
    expect(await name.textContent()).toBe(`127.0.0.1 (${total - 1})`);
    await page.getByRole('button', { name: /^Rename the run/ }).click();
    const field = page.getByLabel('Name of the run');
    await field.fill('   ');
    await poll(() => page.getByText('A name cannot be empty').count()).toBe(1);
    // Esc leaves the name (and the run) alone.
    await field.press('Escape');
    await poll(() => name.textContent()).toBe(`127.0.0.1 (${total - 1})`);
    await page.getByRole('button', { name: /^Rename the run/ }).click();
    await page.getByLabel('Name of the run').fill('Spring catalogue 春季');
    await page.getByLabel('Name of the run').press('Enter');
    await poll(() => name.textContent()).toBe('Spring catalogue 春季');
    await poll(() => page.getByRole('navigation', { name: 'History' }).getByText('Spring catalogue 春季').count()).toBe(1);
    await page.reload();
    await page.getByRole('tablist').waitFor();
    await poll(() => page.getByRole('navigation', { name: 'History' }).getByText('Spring catalogue 春季').count()).toBe(1);
    await page.locator('.history__open').first().click();
  });

  it('shows errors in Chinese, from the i18n tables, in the grid and the details', async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await poll(() => page.getByRole('tab', { name: '网页标题' }).count()).toBe(1);
    await page.getByRole('searchbox').fill('拒绝');
    await poll(() => gridRows().count()).toBe(1);
    expect(await gridRows().first().locator('.cell-error').textContent()).toBe('服务器拒绝连接');
    await gridRows().first().click();
    const details = page.getByRole('complementary', { name: '详细信息' });
    await poll(() => details.locator('.details__error').textContent()).toBe('服务器拒绝连接 CONNECT');
    // What the system said stays, as the technical detail.
    expect(await details.getByText('技术细节').count()).toBe(1);
    await page.getByRole('searchbox').fill('');
    await page.getByRole('button', { name: '关闭详细信息' }).click();
    await page.getByLabel('语言').selectOption('en');
    await poll(() => page.getByRole('tab', { name: 'Titles' }).count()).toBe(1);
  });

  it('takes a CSV list whose quoted cells hold line breaks (csv-parse in the page)', async () => {
    await page.getByRole('button', { name: 'New run' }).click();
    await page.getByLabel('URLs').fill('');
    const csv = `name,notes,url\r\n"Shop","open:\r\nMon-Fri",${urls().a}\r\n"Blog","a ""quoted""\nnote",${urls().b}\r\n`;
    const transfer = await page.evaluateHandle((text) => {
      const scope = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
      const dataTransfer = new scope.DataTransfer();
      dataTransfer.items.add(new scope.File([text], 'sites.csv', { type: 'text/csv' }));
      return dataTransfer;
    }, csv);
    const box = page.getByLabel('URLs');
    await box.dispatchEvent('drop', { dataTransfer: transfer });
    await poll(() => box.inputValue()).toBe(`${urls().a}\n${urls().b}`);
  });

  it('loses no update that arrives while the start command is still in flight', async () => {
    // A second window whose WebSocket holds back the answer to titles.start until the run's last update is through.
    const context = await browser.newContext();
    const held: { released: boolean } = { released: false };
    await context.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      let startId: number | null = null;
      let startAnswer: string | null = null;
      let runKey: string | null = null;
      let ended = false;
      ws.onMessage((message) => {
        const parsed = JSON.parse(String(message)) as { type: string; id?: number; command?: string };
        if (parsed.type === 'invoke' && parsed.command === 'titles.start') startId = parsed.id!;
        server.send(message);
      });
      server.onMessage((message) => {
        const parsed = JSON.parse(String(message)) as { type: string; id?: number; value?: { runId: string }; event?: string; payload?: { runId: string; state: string } };
        if (parsed.type === 'result' && parsed.id === startId && startId !== null) {
          runKey = parsed.value!.runId;
          if (!ended) {
            startAnswer = String(message);
            return;
          }
        }
        if (parsed.type === 'event' && parsed.event === 'titles.update' && parsed.payload!.state === 'done' && (runKey === null || parsed.payload!.runId === runKey)) ended = true;
        ws.send(message);
        if (ended && startAnswer !== null) {
          held.released = true;
          ws.send(startAnswer);
          startAnswer = null;
        }
      });
    });
    const other = await context.newPage();
    await other.goto(serve.url);
    await other.getByRole('tablist').waitFor();
    const list = Array.from({ length: 6 }, (_, i) => web.url(`/page/in-flight-${i}`));
    await other.getByLabel('URLs').fill(list.join('\n'));
    await other.getByRole('button', { name: /^Start/ }).click();
    await waitForRunEnd(other, list.length);
    expect(held.released).toBe(true);
    await poll(() => other.locator('.runbar .badge').textContent()).toBe('Done');
    await poll(() => other.getByText(`${list.length} of ${list.length} rows`).count()).toBe(1);
    await context.close();
    expect(app.errors).toEqual([]);
  });
});
