/**
 * Render mode in the app, end to end: browser mode's services render app shells in Debian's Chromium (found at
 * /usr/bin/chromium like any user's), the setting is in the titles settings, the grid marks rendered titles, and the
 * details pane shows the title in the HTML. With TITLEWAVE_SCREENSHOTS=<folder>, the views are saved there (light,
 * dark, zh-CN, 1024×700) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, makeTempDir, openApp, poll, removeDir, sendHtml, startRoutes, startServe, waitForRunEnd, type Routes, type ServeProcess } from './helpers.js';

const screenshots = process.env.TITLEWAVE_SCREENSHOTS;
let routes: Routes;
let serve: ServeProcess;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (screenshots) mkdirSync(screenshots, { recursive: true });
  routes = await startRoutes({
    '/spa/': (request, response) =>
      sendHtml(response, `<!doctype html><title>React App</title><div id="root"></div><script>fetch('/data/').then(() => { document.title = 'Orders — ${request.url!.split('/').pop()}'; });</script>`),
    '/data/': (_request, response) => sendHtml(response, '{}'),
    '/static/': (request, response) => sendHtml(response, `<!doctype html><title>Static ${request.url!.split('/').pop()}</title>`),
    // Never settles: its title changes every 20 ms and a request of it never ends.
    '/forever/': (_request, response) =>
      sendHtml(response, `<!doctype html><title>Loading…</title><script>fetch('/hang/'); let n = 0; setInterval(() => { document.title = 'tick ' + (n += 1); }, 20);</script>`),
    '/hang/': () => undefined,
  });
  dataDir = await makeTempDir();
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await routes?.close();
  await removeDir(dataDir);
});

/** Each test looks at the app in light, in dark, and in Chinese. */
const looks = [
  ['light', {}],
  ['dark', { colorScheme: 'dark' as const }],
  ['zh-CN', { locale: 'zh-CN' }],
] as const;

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

it('renders only the app shells (auto), marks them in the grid, and shows the title in the HTML in the details', async () => {
  for (const [name, options] of looks) {
    const zh = name === 'zh-CN';
    const { page, context, errors } = await openApp(browser, serve.url, { viewport: { width: 1024, height: 700 }, ...options });
    const setting = page.getByLabel(zh ? '用浏览器引擎渲染页面' : 'Render pages in a browser engine');
    await expect(setting.inputValue()).resolves.toBe('auto');
    await page.getByLabel(zh ? '网址列表' : 'URLs').fill([`${routes.origin}/spa/${name}`, `${routes.origin}/static/${name}`].join('\n'));
    await shot(page, `render-setting-${name}`);
    await page.getByRole('button', { name: zh ? /^开始/ : /^Start/ }).click();
    await waitForRunEnd(page, 2, 60_000);
    const grid = page.getByRole('grid');
    const spaRow = grid.locator('[role="row"]', { hasText: `Orders — ${name}` });
    await poll(() => spaRow.count()).toBe(1);
    await expect(spaRow.locator('.rendered-marker').textContent()).resolves.toBe(zh ? '已渲染' : 'rendered');
    const staticRow = grid.locator('[role="row"]', { hasText: `Static ${name}` });
    await expect(staticRow.locator('.rendered-marker').count()).resolves.toBe(0);
    await shot(page, `render-grid-${name}`);
    await spaRow.getByText(`Orders — ${name}`, { exact: true }).click();
    const details = page.getByRole('complementary', { name: zh ? '详细信息' : 'Details' });
    const staticTitle = details.locator('.details__row', { hasText: zh ? 'HTML 中的标题' : 'Title in the HTML' });
    await expect(staticTitle.locator('dd').textContent()).resolves.toBe('React App');
    await expect(details.locator('.details__row', { hasText: zh ? '渲染' : 'Rendered' }).first().locator('dd').textContent()).resolves.toMatch(zh ? /^已用浏览器引擎渲染，用时 / : /^In a browser engine, in /);
    await shot(page, `render-details-${name}`);
    expect(errors).toEqual([]);
    await context.close();
  }
  // "never" is remembered and sent: the app shell keeps its static title.
  const { page, context } = await openApp(browser, serve.url, { viewport: { width: 1024, height: 700 } });
  await page.getByLabel('Render pages in a browser engine').selectOption('never');
  await page.getByLabel('URLs').fill(`${routes.origin}/spa/never`);
  await page.getByRole('button', { name: /^Start/ }).click();
  await waitForRunEnd(page, 1, 60_000);
  const row = page.getByRole('grid').locator('[role="row"]', { hasText: 'React App' });
  await poll(() => row.count()).toBe(1);
  await expect(row.locator('.rendered-marker').count()).resolves.toBe(0);
  await context.close();
}, 180_000);

it('takes the render settings, and a page that never settles shows its warning in the details, in words', async () => {
  for (const [name, options] of looks) {
    const zh = name === 'zh-CN';
    const { page, context, errors } = await openApp(browser, serve.url, { viewport: { width: 1024, height: 700 }, ...options });
    const renderers = page.getByLabel(zh ? '同时渲染数' : 'Renders at once');
    const deadline = page.getByLabel(zh ? '渲染时限' : 'Render deadline');
    await expect(renderers.inputValue()).resolves.toBe('2');
    await expect(deadline.inputValue()).resolves.toBe('10');
    // Out of range: the field says so and keeps the last good value.
    await renderers.fill('9');
    await poll(() => page.getByText(zh ? '请输入 1 到 8 之间的整数' : 'Whole number from 1 to 8').count()).toBe(1);
    await renderers.fill('1');
    await deadline.fill('2');
    // "never" leaves them nothing to limit.
    const mode = page.getByLabel(zh ? '用浏览器引擎渲染页面' : 'Render pages in a browser engine');
    await mode.selectOption('never');
    await expect(renderers.isDisabled()).resolves.toBe(true);
    await expect(deadline.isDisabled()).resolves.toBe(true);
    await mode.selectOption('auto');
    await shot(page, `render-settings-${name}`);
    await page.getByLabel(zh ? '网址列表' : 'URLs').fill(`${routes.origin}/forever/${name}`);
    await page.getByRole('button', { name: zh ? /^开始/ : /^Start/ }).click();
    await waitForRunEnd(page, 1, 60_000);
    const row = page.getByRole('grid').locator('[role="row"]', { hasText: /tick \d+/ });
    await poll(() => row.count()).toBe(1);
    await expect(row.locator('.rendered-marker:not(.rendered-marker--warning)').textContent()).resolves.toBe(zh ? '已渲染' : 'rendered');
    // The warning's short name beside it, its sentence on hover.
    const marker = row.locator('.rendered-marker--warning');
    await expect(marker.textContent()).resolves.toBe(zh ? '未稳定' : 'unsettled');
    await expect(marker.getAttribute('title')).resolves.toMatch(zh ? /^2 秒后标题仍在变化/ : /^The title was still changing, or requests were still going, after 2 seconds/);
    await shot(page, `render-unsettled-row-${name}`);
    await row.getByText(/^tick \d+$/).click();
    const details = page.getByRole('complementary', { name: zh ? '详细信息' : 'Details' });
    await expect(details.locator('.details__row', { hasText: zh ? 'HTML 中的标题' : 'Title in the HTML' }).locator('dd').textContent()).resolves.toBe('Loading…');
    await expect(details.locator('.details__row', { hasText: zh ? '渲染' : 'Rendered' }).first().locator('dd').textContent()).resolves.toMatch(zh ? /^已用浏览器引擎渲染，用时 \d/ : /^In a browser engine, in \d/);
    // The deadline set above (2 s, not the default 10 s) ended the render, and the warning says so in words.
    const warning = details.locator('.details__row', { hasText: zh ? '警告' : 'Warning' }).locator('dd');
    await expect(warning.textContent()).resolves.toBe(
      zh ? '2 秒后标题仍在变化或仍有请求未完成：这是当时的标题 RENDER_UNSETTLED' : 'The title was still changing, or requests were still going, after 2 seconds: this is the title at that moment RENDER_UNSETTLED',
    );
    await shot(page, `render-unsettled-${name}`);
    expect(errors).toEqual([]);
    await context.close();
  }
}, 180_000);
