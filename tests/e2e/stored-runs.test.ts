/**
 * Runs saved by an older Titlewave, in the app (browser mode, Chromium): a format-1 run (tests/fixtures/titles-run-v1)
 * is in the history and opens; a run saved with settings beyond today's limits resumes, and the page says which
 * settings it runs with instead, in English and in Chinese.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, makeTempDir, openApp, poll, removeDir, startServe, type ServeProcess } from './helpers.js';

const fixtureRuns = join(import.meta.dirname, '..', 'fixtures', 'titles-run-v1', 'runs');
const fixtureId = '20261203-095346-404a58bc';
const looseId = '20261203-095346-1005e000';
let browser: Browser;
const dirs: string[] = [];
const serves: ServeProcess[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const serve of serves) await serve.stop();
  for (const dir of dirs) await removeDir(dir);
});

/** A data folder with the format-1 fixture, and a copy of it saved with settings beyond today's limits. */
async function dataFolder(): Promise<string> {
  const dataDir = await makeTempDir();
  dirs.push(dataDir);
  await cp(fixtureRuns, join(dataDir, 'runs'), { recursive: true });
  await cp(join(fixtureRuns, fixtureId), join(dataDir, 'runs', looseId), { recursive: true });
  const metaPath = join(dataDir, 'runs', looseId, 'meta.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
  await writeFile(metaPath, JSON.stringify({ ...meta, id: looseId, name: 'loose settings', settings: { concurrency: 5000, perHost: 2, timeoutMs: 60_000, retries: 0, userAgent: 'x'.repeat(700) } }));
  return dataDir;
}

describe('runs saved by an older Titlewave', () => {
  it.each([
    ['en-US', 'Some saved settings of this run are beyond today’s limits, so this time it runs with Concurrency 1,000 (saved: 5,000), User agent cut to 500 characters.'],
    ['zh-CN', '此运行保存的部分设置超出了当前的限制，本次按以下设置运行：并发数 1,000（保存的值：5,000）；User-Agent 截短为 500 个字符。'],
  ])('are in the history, open, and resume with a note on the settings brought within today’s limits (%s)', async (locale, note) => {
    const serve = await startServe(await dataFolder());
    serves.push(serve);
    const { page, context, errors } = await openApp(browser, serve.url, { locale, viewport: { width: 1024, height: 700 } });
    const history = page.getByRole('navigation', { name: locale === 'zh-CN' ? '历史' : 'History' });
    await poll(() => history.getByText('fixture run (v1)').count()).toBe(1);
    await poll(() => history.getByText('loose settings').count()).toBe(1);

    await history.getByRole('button', { name: locale === 'zh-CN' ? '继续 loose settings' : 'Resume loose settings' }).click();
    const toast = page.getByRole('status').filter({ hasText: note });
    await poll(() => toast.count(), { timeout: 20_000 }).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
