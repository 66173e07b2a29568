/**
 * The window's keyboard and language, end to end in Chromium through browser mode: tabs by arrow keys,
 * Ctrl+Enter starts and Esc cancels a run, files come in by Open… and by drag and drop, the language switches to
 * Chinese and stays switched after a reload, and history runs can be deleted after a confirmation.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { launchChromium, makeTempDir, openApp, removeDir, poll, startServe, waitForRunEnd, type AppPage, type ServeProcess } from './helpers.js';

let web: FixtureWeb;
let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;

beforeAll(async () => {
  web = await startFixtureWeb();
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
  await removeDir(dataDir);
});

const runBadge = () => page.locator('.runbar .badge');
const quick = (n: number) => web.url(`/page/quick-${n}`);

describe('keyboard, files and language', () => {
  it('moves between tabs with the arrow keys', async () => {
    const titles = page.getByRole('tab', { name: 'Titles' });
    expect(await titles.getAttribute('aria-selected')).toBe('true');
    await titles.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Primes' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#panel-primes').isVisible()).toBe(true);
    expect(await page.locator('#panel-titles').isVisible()).toBe(false);
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: 'Thumbnails' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    expect(await titles.getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('URLs').isVisible()).toBe(true);
  });

  it('adds URLs from files chosen with Open… and dropped on the window', async () => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open…' }).click()]);
    await chooser.setFiles({ name: 'list.txt', mimeType: 'text/plain', buffer: Buffer.from(`${quick(1)}\n${quick(2)}\n`) });
    await poll(() => page.getByLabel('URLs').inputValue()).toBe(`${quick(1)}\n${quick(2)}`);

    // A CSV with a url column, dropped onto the URL box.
    const csv = `name,url\nthree,${quick(3)}\n"four, quoted",${quick(4)}\n`;
    const dataTransfer = await page.evaluateHandle((text) => {
      const scope = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
      const transfer = new scope.DataTransfer();
      transfer.items.add(new scope.File([text], 'more.csv', { type: 'text/csv' }));
      return transfer;
    }, csv);
    const box = page.getByLabel('URLs');
    await box.dispatchEvent('dragenter', { dataTransfer });
    await box.dispatchEvent('dragover', { dataTransfer });
    await box.dispatchEvent('drop', { dataTransfer });
    await poll(() => box.inputValue()).toBe([1, 2, 3, 4].map(quick).join('\n'));
    await poll(() => page.getByText('4 valid').count()).toBe(1);

    // A list saved by Windows Notepad as "Unicode" (UTF-16LE with a byte order mark) reads as text (issue 11).
    const utf16 = [0xff, 0xfe, ...Buffer.from(`${quick(5)}\r\n`, 'utf16le')];
    const notepad = await page.evaluateHandle((bytes) => {
      const scope = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown };
      const transfer = new scope.DataTransfer();
      transfer.items.add(new scope.File([new Uint8Array(bytes)], 'notepad.txt', { type: 'text/plain' }));
      return transfer;
    }, utf16);
    await box.dispatchEvent('drop', { dataTransfer: notepad });
    await poll(() => box.inputValue()).toBe([1, 2, 3, 4, 5].map(quick).join('\n'));
    // The tests below run these four.
    await box.fill([1, 2, 3, 4].map(quick).join('\n'));
  });

  it('summarises a very long list instead of laying it all out, and shows it in full on request', async () => {
    const box = page.getByLabel('URLs');
    const before = await box.inputValue();
    const longList = `${Array.from({ length: 7000 }, (_, i) => web.url(`/page/long-${i}`)).join('\n')}\nftp://example.com/file`;
    const dataTransfer = await page.evaluateHandle((text) => {
      const scope = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
      const transfer = new scope.DataTransfer();
      transfer.items.add(new scope.File([text], 'long.txt', { type: 'text/plain' }));
      return transfer;
    }, longList);
    await box.dispatchEvent('drop', { dataTransfer });
    await poll(() => page.getByText('7,005 lines').count()).toBe(1);
    await poll(() => page.getByText('7,004 valid').count()).toBe(1);
    expect(await page.getByRole('group', { name: 'URLs' }).isVisible()).toBe(true);
    // Going to the invalid line shows the whole list, with that line selected.
    await page.getByRole('button', { name: 'Go to line 7005 in the URL list' }).click();
    await poll(() => page.locator('textarea[wrap="off"]').count()).toBe(1);
    await expect
      .poll(() =>
        page.getByLabel('URLs').evaluate((element) => {
          const area = element as unknown as { value: string; selectionStart: number; selectionEnd: number };
          return area.value.slice(area.selectionStart, area.selectionEnd);
        }),
      )
      .toBe('ftp://example.com/file');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('URLs').fill(before);
  });

  it('starts with Ctrl+Enter; Ctrl+F finds', async () => {
    await page.getByLabel('URLs').focus();
    await page.keyboard.press('Control+Enter');
    await waitForRunEnd(page, 4);
    // Ctrl+F goes to the filter box.
    await page.keyboard.press('Control+f');
    expect(await page.getByRole('searchbox').evaluate((element) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await poll(() => page.getByRole('grid').getByText(web.titleFor('/page/quick-4'), { exact: true }).count()).toBe(1);
  });

  it('pauses, resumes, and cancels a running run with Esc', async () => {
    await page.getByRole('button', { name: 'New run' }).click();
    await page.getByLabel('URLs').fill(Array.from({ length: 12 }, (_, i) => web.url(`/page/slow-${i}?delay=3000`)).join('\n'));
    await page.getByRole('button', { name: /^Start/ }).click();
    await poll(() => runBadge().textContent()).toBe('Running');
    await page.getByRole('button', { name: 'Pause' }).click();
    await poll(() => runBadge().textContent()).toBe('Paused');
    await page.locator('.runbar').getByRole('button', { name: 'Resume' }).click();
    await poll(() => runBadge().textContent()).toBe('Running');
    await page.keyboard.press('Escape');
    await poll(() => runBadge().textContent(), { timeout: 10_000 }).toBe('Cancelled');
    // A cancelled run can be resumed from where it stopped.
    expect(await page.locator('.runbar').getByRole('button', { name: 'Resume' }).isVisible()).toBe(true);
  });

  it('deletes a run from history after a confirmation', async () => {
    const history = page.getByRole('navigation', { name: 'History' });
    await poll(() => history.getByRole('listitem').count()).toBe(2);
    const quickRun = history.getByRole('listitem').filter({ hasText: '127.0.0.1' }).filter({ hasText: '4 / 4' });
    await quickRun.hover();
    await quickRun.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this run?' });
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await history.getByRole('listitem').count()).toBe(2);
    await quickRun.hover();
    await quickRun.getByRole('button', { name: /^Delete/ }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await poll(() => history.getByRole('listitem').count()).toBe(1);
  });

  it('switches to Simplified Chinese, and the choice survives a reload', async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await poll(() => page.getByRole('tab', { name: '网页标题' }).count()).toBe(1);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang)).toBe('zh-CN');
    expect(await page.getByRole('tab', { name: '素数' }).count()).toBe(1);
    expect(await page.getByRole('navigation', { name: '历史记录' }).count()).toBe(1);
    await page.reload();
    await page.getByRole('tablist').waitFor();
    await poll(() => page.getByRole('tab', { name: '网页标题' }).count()).toBe(1);
    await page.getByLabel('语言').selectOption('en');
    await poll(() => page.getByRole('tab', { name: 'Titles' }).count()).toBe(1);
    expect(app.errors).toEqual([]);
  });
});
