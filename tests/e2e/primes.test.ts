/**
 * The Primes tab end to end, in Chromium, through browser mode (`titlewave serve`): check the tutorial's list
 * (answers cross-checked by trial division here), error rows for bad tokens, count a range (pi(1e9) = 50847534), list a
 * small range into the window and a file (cross-checked by a sieve here), ask before replacing a file that exists
 * (not when the native save dialog chose it: the OS asked), and cancel a big count promptly.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrime } from '../../src/primes/primality.js';
import { launchChromium, makeTempDir, openApp, removeDir, startServe, type AppPage, type ServeProcess } from './helpers.js';

let serve: ServeProcess;
let browser: Browser;
let app: AppPage;
let page: Page;
let dataDir: string;
let outDir: string;

/** The smallest prime factor of n (n itself when prime), by plain trial division: slow, simple, independent. */
function smallestFactor(n: bigint): bigint {
  if (n % 2n === 0n) return 2n;
  // Below 2^53 Numbers are exact and much faster than BigInt.
  const value = Number(n);
  const limit = Math.floor(Math.sqrt(value));
  for (let d = 3; d <= limit; d += 2) if (value % d === 0) return BigInt(d);
  return n;
}

/** The primes in [from, to] by a plain sieve of Eratosthenes. */
function sievePrimes(from: number, to: number): number[] {
  const composite = new Uint8Array(to + 1);
  const primes: number[] = [];
  for (let i = 2; i <= to; i++) {
    if (composite[i]) continue;
    if (i >= from) primes.push(i);
    for (let j = i * i; j <= to; j += i) composite[j] = 1;
  }
  return primes;
}

/**
 * An element as the page's code reads it, typed by hand: a test that imports the renderer loads React's empty DOM
 * interfaces, where an element has none of these.
 */
interface PageBox {
  scrollTop: number;
  readonly clientHeight: number;
  readonly scrollHeight: number;
  readonly clientWidth: number;
  readonly scrollWidth: number;
  readonly className: string;
  readonly textContent: string | null;
  querySelectorAll(selectors: string): Iterable<PageBox>;
}

const checkCard = () => page.getByRole('region', { name: 'Check numbers' });
const rangeCard = () => page.getByRole('region', { name: 'Count or list primes in a range' });

interface CheckRow {
  number: string;
  result: string;
  factor: string;
}

/** Every row of the results grid (it is virtualised: scroll it through and collect rows by their index). */
async function checkRows(card: Locator): Promise<CheckRow[]> {
  const grid = card.getByRole('grid');
  const count = Number(await grid.getAttribute('aria-rowcount')) - 1;
  const rows = new Map<number, CheckRow>();
  for (let guard = 0; rows.size < count && guard < 100; guard++) {
    for (const row of await grid.locator('[role="row"][aria-rowindex]:not([aria-rowindex="1"])').all()) {
      const index = Number(await row.getAttribute('aria-rowindex')) - 2;
      const cells = await row.locator('[role="gridcell"]').allTextContents();
      rows.set(index, { number: cells[1] ?? '', result: cells[2] ?? '', factor: cells[3] ?? '' });
    }
    await grid.evaluate((element) => {
      // Typed by hand: a test that imports the renderer loads React's empty DOM interfaces.
      const box = element as unknown as { scrollTop: number; clientHeight: number };
      box.scrollTop += box.clientHeight / 2;
    });
  }
  return Array.from({ length: count }, (_, index) => rows.get(index)!);
}

beforeAll(async () => {
  [dataDir, outDir] = await Promise.all([makeTempDir(), makeTempDir('titlewave-primes-out-')]);
  [serve, browser] = await Promise.all([startServe(dataDir), launchChromium()]);
  app = await openApp(browser, serve.url);
  page = app.page;
  await page.getByRole('tab', { name: 'Primes' }).click();
});

afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await serve?.stop();
  await removeDir(dataDir);
  await removeDir(outDir);
});

describe('Primes tab in browser mode', () => {
  it('checks the tutorial’s list: the right numbers are prime, with the smallest factor of the composite', async () => {
    const card = checkCard();
    await card.getByRole('button', { name: 'Use the tutorial’s example' }).click();
    const numbers = (await card.getByLabel('Numbers').inputValue()).split('\n');
    expect(numbers).toHaveLength(13);
    await expect.poll(() => card.getByText('13 numbers', { exact: true }).count()).toBe(1);
    await card.getByRole('button', { name: /^Check/ }).click();
    await expect.poll(() => card.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^13 checked/);

    const rows = await checkRows(card);
    expect(rows.map((row) => row.number)).toEqual(numbers);
    let primes = 0;
    for (const [index, row] of rows.entries()) {
      const n = BigInt(numbers[index]!);
      const factor = smallestFactor(n);
      if (factor === n) {
        primes++;
        expect(row.result, `${n}`).toMatch(/^Prime/);
        expect(row.factor).toBe('');
      } else {
        expect(row.result, `${n}`).toMatch(/^Composite/);
        // The smallest factor of each composite here is below 2^22, which trial division finds: it must be shown.
        expect(row.factor, `${n}`).toBe(String(factor));
      }
    }
    // Known values: 982451653 is the 50,000,000th prime; 1099726899285419 is the only composite in the list.
    expect(rows[6]!.result).toMatch(/^Prime/);
    expect(rows[12]!.result).toMatch(/^Composite/);
    expect(primes).toBe(12);
    await expect(card.getByRole('status').textContent()).resolves.toMatch(/13 checked · 12 prime · 1 composite/);
  });

  it('gives a token that is not a number an error row, and checks the rest', async () => {
    const card = checkCard();
    await card.getByLabel('Numbers').fill('97, abc 1.5\n-7 100 18446744073709551629');
    await card.getByRole('button', { name: /^Check/ }).click();
    await expect.poll(() => card.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^6 checked · 2 prime · 1 composite · 3 errors/);
    const rows = await checkRows(card);
    expect(rows.map((row) => row.number)).toEqual(['97', 'abc', '1.5', '-7', '100', '18446744073709551629']);
    expect(rows[0]!.result).toMatch(/^Prime/);
    for (const row of rows.slice(1, 4)) expect(row.result).toMatch(/^Error/);
    expect(rows[4]).toMatchObject({ result: expect.stringMatching(/^Composite/), factor: '2' });
    // Above 2^64: Baillie-PSW, which the row says is not a proof.
    expect(rows[5]!.result).toMatch(/^Probable prime/);
    expect(rows[5]!.result).toContain('Baillie-PSW');
  });

  it('says 0 and 1 are neither prime nor composite, finds the smallest factor of 2^64 + 1, and reads 1,000,003 as one number', async () => {
    const card = checkCard();
    await card.getByLabel('Numbers').fill('0 1 1,000,003\n18446744073709551617 abc');
    await expect.poll(() => card.getByText('5 numbers', { exact: true }).count()).toBe(1);
    await card.getByRole('button', { name: /^Check/ }).click();
    await expect
      .poll(() => card.getByRole('status').textContent(), { timeout: 20_000 })
      .toMatch(/^5 checked · 1 prime · 1 composite · 2 neither prime nor composite · 1 error/);
    const rows = await checkRows(card);
    expect(rows).toEqual([
      { number: '0', result: 'Neither prime nor composite', factor: '' },
      { number: '1', result: 'Neither prime nor composite', factor: '' },
      { number: '1000003', result: 'PrimeTrial division', factor: '' },
      { number: '18446744073709551617', result: 'CompositeBaillie-PSW', factor: '274177' },
      { number: 'abc', result: 'ErrorNot a whole number', factor: '' },
    ]);
    // The tooltips say what is wrong once, in the user's words, and why 0 and 1 get no verdict.
    const cells = card.getByRole('grid').locator('[role="row"][aria-rowindex] [role="gridcell"]:nth-child(3)');
    await expect(cells.nth(0).getAttribute('title')).resolves.toBe('By definition, 0 and 1 are neither prime nor composite.');
    await expect(cells.nth(4).getAttribute('title')).resolves.toBe('“abc” is not a whole number.');
  });

  it('shows every result whole at 1024 × 700: long numbers and reasons wrap, nothing is cut off', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      const card = checkCard();
      const long = '1234567890'.repeat(8) + '7';
      const veryLong = '3'.repeat(400);
      await card.getByLabel('Numbers').fill(['0', 'abc', '18446744073709551617', long, '-7', veryLong, '170141183460469231731687303715884105727'].join('\n'));
      await card.getByRole('button', { name: /^Check/ }).click();
      await expect.poll(() => card.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^7 checked/);
      const grid = card.getByRole('grid');
      const cut = () =>
        grid.evaluate((grid) =>
          [...(grid as unknown as PageBox).querySelectorAll('[role="gridcell"], [role="gridcell"] *')]
            .filter((cell) => cell.scrollWidth > cell.clientWidth + 1 && cell.clientWidth > 0)
            .map((cell) => `${cell.className}: ${cell.textContent} (${cell.scrollWidth} > ${cell.clientWidth})`),
        );
      // Scrolled through: no cell anywhere is narrower than what it holds.
      for (let guard = 0; guard < 40; guard++) {
        expect(await cut()).toEqual([]);
        const done = await grid.evaluate((grid) => {
          const element = grid as unknown as PageBox;
          const end = element.scrollTop + element.clientHeight >= element.scrollHeight - 1;
          element.scrollTop += element.clientHeight / 2;
          return end;
        });
        if (done) break;
      }
      // A long number is all there, on several lines; a very long one shows its ends until asked, then all of it.
      const longCell = grid.getByText(long, { exact: true });
      await expect(longCell.count()).resolves.toBe(1);
      const box = await longCell.boundingBox();
      expect(box!.height).toBeGreaterThan(30);
      await grid.getByRole('button', { name: 'show all 400 digits' }).click();
      await expect.poll(() => grid.getByText(veryLong, { exact: true }).count()).toBe(1);
      expect(await cut()).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('shows a big pasted list as a summary (not laid out in the text box) and checks all of it', async () => {
    const card = checkCard();
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
    const count = 60_000;
    const numbers = Array.from({ length: count }, (_, i) => String(10_000_000_000 + i));
    await page.evaluate((text) => (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText(text), numbers.join('\n'));
    await card.getByRole('button', { name: 'Clear' }).click();
    await card.getByLabel('Numbers').focus();
    await page.keyboard.press('Control+V');
    // A list this long is shown as a summary, not laid out in the text box.
    await expect.poll(() => card.getByText('60,000 numbers').count()).toBe(2);
    await card.getByRole('button', { name: /^Check/ }).click();
    const primes = numbers.filter((n) => smallestFactor(BigInt(n)) === BigInt(n)).length;
    await expect
      .poll(() => card.getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`^60,000 checked · ${primes.toLocaleString('en-US')} prime · ${(count - primes).toLocaleString('en-US')} composite`));
    await card.getByRole('button', { name: 'Clear' }).click();
  });

  // 1e9, not less: the speed-up is shown only for a range with enough sieving to say something (100 ms of work), and
  // the WebAssembly sieve does 1e8 in less on a quiet machine.
  it('counts the primes up to 1e9: 50,847,534, with per-worker activity and the speed-up', async () => {
    const card = rangeCard();
    await card.getByLabel('From', { exact: true }).fill('0');
    await card.getByLabel('To', { exact: true }).fill('1e9');
    await card.getByRole('button', { name: 'Count', exact: true }).click();
    const result = card.locator('.primes-result-card');
    await expect.poll(() => result.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect(result.locator('.primes-result-card__count').textContent()).resolves.toBe('50,847,534 primes in [0, 1,000,000,000]');
    await expect(result.getByText('Speed-up over one worker').count()).resolves.toBe(1);
    await expect(result.locator('.primes-stats__speedup').textContent()).resolves.toMatch(/^\d+(\.\d+)?×$/);
    // One bar per worker; together they sieved the whole range (a worker may get no chunk of a small range).
    const meters = card.getByRole('meter');
    expect(await meters.count()).toBeGreaterThanOrEqual(1);
    const sieved = await Promise.all((await meters.all()).map(async (meter) => Number(await meter.getAttribute('aria-valuenow'))));
    expect(sieved.reduce((sum, n) => sum + n, 0)).toBe(1_000_000_001);
  });

  it('shows no speed-up for a range too small for one to mean anything (a tiny one read "0.07×")', async () => {
    const card = rangeCard();
    await card.getByLabel('From', { exact: true }).fill('1');
    await card.getByLabel('To', { exact: true }).fill('1000');
    await card.getByRole('button', { name: 'Count', exact: true }).click();
    const result = card.locator('.primes-result-card');
    await expect.poll(() => result.locator('.primes-result-card__count').textContent(), { timeout: 30_000 }).toBe('168 primes in [1, 1,000]');
    await expect(result.getByText('Workers').count()).resolves.toBe(1);
    await expect(result.getByText('Speed-up over one worker').count()).resolves.toBe(0);
  });

  it('refuses bounds that are not whole numbers, and accepts 1e-style ones', async () => {
    const card = rangeCard();
    await card.getByLabel('To', { exact: true }).fill('1.5e0');
    await expect.poll(() => card.getByText('Not a whole number', { exact: false }).count()).toBe(1);
    await card.getByLabel('To', { exact: true }).fill('2.5e3');
    await expect.poll(() => card.getByRole('alert').count()).toBe(0);
  });

  it('lists a small range into the window and, in full, into a file', async () => {
    const card = rangeCard();
    const file = join(outDir, 'primes.txt');
    await card.getByLabel('From', { exact: true }).fill('1000');
    await card.getByLabel('To', { exact: true }).fill('1,500');
    await card.getByLabel('When listing, also write every prime to a file').check();
    await card.getByLabel('File', { exact: true }).fill(file);
    await card.getByRole('button', { name: 'List', exact: true }).click();
    const expected = sievePrimes(1000, 1500).map(String);
    await expect.poll(() => card.locator('.primes-result-card__count').textContent(), { timeout: 20_000 }).toBe(`${expected.length} primes in [1,000, 1,500]`);
    await expect(card.getByText(`${expected.length} shown`).count()).resolves.toBe(1);
    const list = card.getByRole('list', { name: 'Primes' });
    // The list is virtualised: the first rows are in the DOM, in order.
    const shown = await list.locator('.prime-list__prime').allTextContents();
    expect(shown.length).toBeGreaterThan(5);
    expect(shown).toEqual(expected.slice(0, shown.length));
    await list.evaluate((element) => {
      const box = element as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = box.scrollHeight;
    });
    await expect.poll(async () => (await list.locator('.prime-list__prime').allTextContents()).at(-1)).toBe(expected.at(-1));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toEqual(expected);
    await expect(card.getByText(`All primes written to ${file}`).count()).resolves.toBe(1);
  });

  it('asks before replacing a file that exists: Cancel leaves it as it was, Replace writes the primes over it', async () => {
    const card = rangeCard();
    const file = join(outDir, 'my-notes.txt');
    await writeFile(file, 'notes I keep\n');
    await card.getByLabel('From', { exact: true }).fill('10');
    await card.getByLabel('To', { exact: true }).fill('30');
    await card.getByLabel('When listing, also write every prime to a file').check();
    await card.getByLabel('File', { exact: true }).fill(file);
    const dialog = page.getByRole('dialog', { name: 'Replace my-notes.txt?' });

    await card.getByRole('button', { name: 'List', exact: true }).click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect(dialog.textContent()).resolves.toContain(`${file} already exists.`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('notes I keep\n');
    // Nothing ran and nothing failed: the earlier result is still what the card shows.
    await expect(card.locator('.primes-result-card__count').textContent()).resolves.toMatch(/in \[1,000, 1,500\]$/);
    await expect(card.getByText(/The range failed/).count()).resolves.toBe(0);

    await card.getByRole('button', { name: 'List', exact: true }).click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Replace' }).click();
    await expect.poll(() => card.locator('.primes-result-card__count').textContent(), { timeout: 20_000 }).toBe('6 primes in [10, 30]');
    expect(await readFile(file, 'utf8')).toBe('11\n13\n17\n19\n23\n29\n');
    await expect(card.getByText(`All primes written to ${file}`).count()).resolves.toBe(1);
    expect(await dialog.isVisible()).toBe(false);
  });

  it('shows the size a list will write to its file before it starts, and refuses a list the disk cannot hold', async () => {
    const card = rangeCard();
    const file = join(outDir, 'every-prime.txt');
    await card.getByLabel('From', { exact: true }).fill('0');
    await card.getByLabel('To', { exact: true }).fill('1e7');
    await card.getByLabel('When listing, also write every prime to a file').check();
    await card.getByLabel('File', { exact: true }).fill(file);
    const estimate = card.locator('.primes-range__estimate');
    // The list of [0, 1e7] is 5.0 MiB: the estimate is a little above it.
    await expect.poll(() => estimate.textContent()).toBe('File size when listed: about 5.1 MiB');
    await card.getByLabel('To', { exact: true }).fill('1e17');
    await expect.poll(() => estimate.textContent()).toBe('File size when listed: about 42.1 PiB');
    await card.getByLabel('When listing, also write every prime to a file').uncheck();
    expect(await estimate.count()).toBe(0);
    await card.getByLabel('When listing, also write every prime to a file').check();

    await card.getByRole('button', { name: 'List', exact: true }).click();
    // Years of work: asked about first; the disk is the services' to check, when the list is really started.
    const dialog = page.getByRole('dialog', { name: 'This will take a long time' });
    await expect.poll(() => dialog.textContent()).toMatch(/Listing the primes from 0 to 100,000,000,000,000,000 with 2 workers will take about \d+ years/);
    await dialog.getByRole('button', { name: 'Start anyway' }).click();
    const refusal = card.getByRole('alert');
    await expect.poll(() => refusal.textContent()).toMatch(
      new RegExp(`^Not started: listing these primes needs about 42.1 PiB, but ${outDir} has only [\\d.]+ [KMGT]iB free\\. Free some space, choose a file on another disk, or list a smaller range\\.$`),
    );
    // Nothing started: no progress, no file, and what the card showed before is still there.
    expect(await card.getByRole('progressbar').count()).toBe(0);
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
    await expect(card.getByText(/The range failed/).count()).resolves.toBe(0);
    // A smaller range clears the refusal, and runs.
    await card.getByLabel('To', { exact: true }).fill('100');
    expect(await refusal.count()).toBe(0);
    await card.getByRole('button', { name: 'List', exact: true }).click();
    await expect.poll(() => card.locator('.primes-result-card__count').textContent(), { timeout: 20_000 }).toBe('25 primes in [0, 100]');
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(26);
  });

  it('replaces a file chosen in the native save dialog without asking again (the OS asked), once', async () => {
    const file = join(outDir, 'chosen.txt');
    await writeFile(file, 'an older list\n');
    // A host with native dialogs: app.info says so and dialog.chooseSaveFile answers with `file`, as Electron's would
    // after its own "Replace?" question; primes.range calls are recorded. The rest is the real bridge.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    await context.addInitScript({
      content: `(() => {
        const calls = (window.__rangeCalls = []);
        const define = Object.defineProperty;
        Object.defineProperty = function (target, key, descriptor) {
          if (target === window && key === 'api' && descriptor && descriptor.value) {
            const api = descriptor.value;
            const invoke = async (command, ...args) => {
              if (command === 'app.info') return { ...(await api.invoke(command, ...args)), nativeDialogs: true };
              if (command === 'dialog.chooseSaveFile') return ${JSON.stringify(file)};
              if (command === 'primes.range') calls.push(args[0]);
              return api.invoke(command, ...args);
            };
            descriptor = { ...descriptor, value: { ...api, invoke } };
          }
          return define.call(this, target, key, descriptor);
        };
      })();`,
    });
    try {
      const native = await context.newPage();
      await native.goto(serve.url);
      await native.getByRole('tab', { name: 'Primes' }).click();
      const card = native.getByRole('region', { name: 'Count or list primes in a range' });
      await card.getByLabel('From', { exact: true }).fill('0');
      await card.getByLabel('To', { exact: true }).fill('10');
      await card.getByLabel('When listing, also write every prime to a file').check();
      await card.getByRole('button', { name: 'Choose…' }).click();
      await expect.poll(() => card.getByLabel('File', { exact: true }).inputValue()).toBe(file);
      await card.getByRole('button', { name: 'List', exact: true }).click();
      await expect.poll(() => card.locator('.primes-result-card__count').textContent(), { timeout: 20_000 }).toBe('4 primes in [0, 10]');
      expect(await readFile(file, 'utf8')).toBe('2\n3\n5\n7\n');
      const calls = () => native.evaluate(() => (globalThis as unknown as { __rangeCalls: { output: string | null; overwrite?: boolean }[] }).__rangeCalls);
      expect(await calls()).toEqual([expect.objectContaining({ output: file, overwrite: true })]);

      // The OS's consent covered that run only: the next one to the same file asks.
      await card.getByLabel('To', { exact: true }).fill('20');
      await card.getByRole('button', { name: 'List', exact: true }).click();
      const dialog = native.getByRole('dialog', { name: 'Replace chosen.txt?' });
      await expect.poll(() => dialog.isVisible()).toBe(true);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await readFile(file, 'utf8')).toBe('2\n3\n5\n7\n');
      expect((await calls()).map((call) => call.overwrite)).toEqual([true, false]);
    } finally {
      await context.close();
    }
  });

  it('keeps the first 10,000 listed primes in the window and says how many there are', async () => {
    const card = rangeCard();
    await card.getByLabel('When listing, also write every prime to a file').uncheck();
    await card.getByLabel('From', { exact: true }).fill('0');
    await card.getByLabel('To', { exact: true }).fill('2e5');
    await card.getByRole('button', { name: 'List', exact: true }).click();
    const total = sievePrimes(0, 200_000).length;
    await expect.poll(() => card.getByText(`first 10,000 of ${total.toLocaleString('en-US')} shown`).count(), { timeout: 20_000 }).toBe(1);
    await expect(card.getByText('The window shows the first 10,000 primes. To keep all of them, write them to a file.').count()).resolves.toBe(1);
  });

  it('speaks Chinese when the language is switched', async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => page.getByRole('region', { name: '判断素数' }).count()).toBe(1);
    await expect(page.getByRole('region', { name: '统计或列出区间内的素数' }).getByRole('button', { name: '统计', exact: true }).count()).resolves.toBe(1);
    await page.getByLabel('语言').selectOption('en');
    await expect.poll(() => checkCard().count()).toBe(1);
  });

  it('asks before a range estimated to take days, in words, and starts nothing unless told to', async () => {
    const card = rangeCard();
    await card.getByLabel('When listing, also write every prime to a file').uncheck();
    await card.getByLabel('From', { exact: true }).fill('1e15');
    await card.getByLabel('To', { exact: true }).fill('1e17');
    await expect.poll(() => card.getByTestId('primes-time-estimate').textContent()).toMatch(/^Counting this range takes about \d+ days with 2 workers \(an estimate\)\.$/);
    await card.getByRole('button', { name: 'Count', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'This will take a long time' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect(dialog.textContent()).resolves.toMatch(
      /Counting the primes from 1,000,000,000,000,000 to 100,000,000,000,000,000 with 2 workers will take about \d+ days \(an estimate\)\. Start it anyway\?/,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    // Nothing started.
    await expect(card.getByRole('progressbar').count()).resolves.toBe(0);
    await expect(card.getByRole('button', { name: 'Count', exact: true }).isEnabled()).resolves.toBe(true);
    // A range of a few seconds is not asked about.
    await card.getByLabel('To', { exact: true }).fill('1000000100000000');
    await expect.poll(() => card.getByTestId('primes-time-estimate').count()).toBe(0);
  });

  it('Esc cancels a running count wherever the focus is, and a cancelled count shows no speed-up', async () => {
    const card = rangeCard();
    await card.getByLabel('From', { exact: true }).fill('0');
    await card.getByLabel('To', { exact: true }).fill('1e12');
    await card.getByRole('button', { name: 'Count', exact: true }).click();
    const bar = card.getByRole('progressbar');
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    // The Count button is disabled while it runs: the focus is on the page, outside the card.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('Escape');
    await expect.poll(() => card.getByText(/^Cancelled/).count(), { timeout: 10_000 }).toBe(1);
    await expect(card.locator('.primes-result-card').getByText('Speed-up over one worker').count()).resolves.toBe(0);
  });

  it('Esc cancels both jobs when neither card has the focus', async () => {
    // Products of two 20-digit primes: each one's factor search runs its full time in a worker and gives up, so the
    // check lasts many seconds.
    const nextPrime = (from: bigint) => {
      let n = from | 1n;
      while (!isPrime(n)) n += 2n;
      return n;
    };
    const q = nextPrime(10n ** 19n + 12345n);
    const numbers: string[] = [];
    for (let p = nextPrime(10n ** 19n + 10n ** 18n); numbers.length < 300; p = nextPrime(p + 2n)) numbers.push(String(p * q));
    const check = checkCard();
    await check.getByLabel('Numbers').fill(numbers.join('\n'));
    await check.getByRole('button', { name: /^Check/ }).click();
    const range = rangeCard();
    await range.getByLabel('From', { exact: true }).fill('0');
    await range.getByLabel('To', { exact: true }).fill('1e12');
    await range.getByRole('button', { name: 'Count', exact: true }).click();
    await expect.poll(() => range.getByRole('button', { name: 'Cancel' }).isVisible(), { timeout: 20_000 }).toBe(true);
    await expect(check.getByRole('status').textContent()).resolves.toMatch(/^Checking…/);
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('Escape');
    await expect.poll(() => check.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/^Cancelled after \d+ of 300/);
    await expect.poll(() => range.getByText(/^Cancelled/).count(), { timeout: 10_000 }).toBe(1);
  });

  it('shows the ranges of earlier results whole at 1024 × 700', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      const card = rangeCard();
      for (const [from, to] of [
        ['1000000000000000', '1000000001000000'],
        ['10000000000000000', '10000000001000000'],
      ] as const) {
        await card.getByLabel('From', { exact: true }).fill(from);
        await card.getByLabel('To', { exact: true }).fill(to);
        await card.getByRole('button', { name: 'Count', exact: true }).click();
        const range = `[${BigInt(from).toLocaleString('en-US')}, ${BigInt(to).toLocaleString('en-US')}]`;
        await expect.poll(() => card.locator('.primes-result-card').textContent(), { timeout: 20_000 }).toContain(` primes in ${range}`);
      }
      const recent = card.getByRole('region', { name: 'Earlier results' });
      await expect(recent.getByText('[1,000,000,000,000,000, 1,000,000,001,000,000]', { exact: true }).count()).resolves.toBe(1);
      const cut = await recent.locator('td, th').evaluateAll((cells) =>
        (cells as unknown as PageBox[]).filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => `${cell.textContent} (${cell.scrollWidth} > ${cell.clientWidth})`),
      );
      expect(cut).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('cancels a big count promptly', async () => {
    const card = rangeCard();
    await card.getByLabel('When listing, also write every prime to a file').uncheck();
    await card.getByLabel('From', { exact: true }).fill('0');
    await card.getByLabel('To', { exact: true }).fill('1e14');
    await card.getByRole('button', { name: 'Count', exact: true }).click();
    // Hours of work: asked first.
    const dialog = page.getByRole('dialog', { name: 'This will take a long time' });
    await expect.poll(() => dialog.textContent()).toMatch(/will take about \d+ hours/);
    await dialog.getByRole('button', { name: 'Start anyway' }).click();
    const bar = card.getByRole('progressbar');
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    // The window stays responsive while the workers sieve: a check runs and answers meanwhile.
    const check = checkCard();
    await check.getByLabel('Numbers').fill('2305843009213693951 2305843009213693953');
    await check.getByRole('button', { name: /^Check/ }).click();
    await expect.poll(() => check.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^2 checked · 1 prime · 1 composite/);
    expect(await card.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(true);
    await card.getByRole('button', { name: 'Cancel' }).click();
    // Promptly: the job reports itself cancelled well within this generous bound (workers are stopped, not drained).
    await expect.poll(() => card.getByText(/^Cancelled/).count(), { timeout: 5_000 }).toBe(1);
    await expect(card.getByRole('button', { name: 'Count', exact: true }).isEnabled()).resolves.toBe(true);
    expect(app.errors).toEqual([]);
  });
});
