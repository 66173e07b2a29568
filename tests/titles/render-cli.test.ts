/** `titlewave titles --render ...`: the flags, what happens without a browser, and a rendered run end to end in Chromium. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import type { TitleRecord } from '../../src/titles/types.js';

// No browser at the usual paths: only --browser or TITLEWAVE_BROWSER can give one.
vi.mock('../../src/titles/render/browser-path.js', async (original) => ({ ...(await original<typeof import('../../src/titles/render/browser-path.js')>()), browserCandidates: () => [] }));

const work = mkdtempSync(join(tmpdir(), 'titlewave-render-cli-'));
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const body =
      request.url?.startsWith('/spa') === true
        ? '<title>React App</title><div id="root"></div><script>document.title = "Dashboard — =SUM(1)"</script>'
        : request.url?.startsWith('/shell') === true
          ? // A real-looking title, a head script and an empty mount point: a body signal (render/body-signals.ts).
            '<title>Acme Shop</title><script>addEventListener("DOMContentLoaded", () => { document.title = "Acme Shop — Orders"; })</script><div id="root"></div>'
          : '<title>Plain page</title>';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

let files = 0;
function urlFile(urls: string[]): string {
  const file = join(work, `urls-${(files += 1)}.txt`);
  writeFileSync(file, `${urls.join('\n')}\n`);
  return file;
}

async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('titlewave titles --render', () => {
  it('--help lists the render flags', async () => {
    const { code, stdout } = await inProcess(['titles', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--render', '--renderers', '--render-timeout', '--browser', 'RENDER_UNSETTLED']) expect(stdout).toContain(flag);
  });

  it.each([
    [['--render', 'sometimes']],
    [['--renderers', '0']],
    [['--render-timeout', 'later']],
    [['--browser', '/no/such/chromium']],
    [['--render', 'auto', '--redis', 'redis://127.0.0.1:1/0']],
  ])('bad usage %j exits 2 before any request', async (flags) => {
    const { code, stderr } = await inProcess(['titles', urlFile([`${base}/spa`]), ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/i);
  });

  it('always without a browser is a usage error naming what to install', async () => {
    const { code, stderr } = await inProcess(['titles', urlFile([`${base}/spa`]), '--render', 'always']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/install Chromium/);
    expect(stderr).toMatch(/--browser PATH/);
  });

  it('auto without a browser keeps static titles, says so once, and marks the pages that needed one', async () => {
    const out = join(work, 'no-browser.jsonl');
    const { code, stderr } = await inProcess(['titles', urlFile([`${base}/spa`, `${base}/spa?2`, `${base}/plain`, `${base}/shell`]), '-o', out]);
    expect(code).toBe(0);
    expect(stderr.match(/no Chromium or Chrome was found/g)).toHaveLength(1);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TitleRecord).sort((a, b) => a.index - b.index);
    // A body signal is not looked for without a browser: the shell's title may well be its real one.
    expect(records.map((r) => [r.title, r.rendered, r.warning?.code ?? null])).toEqual([
      ['React App', false, 'RENDER_UNAVAILABLE'],
      ['React App', false, 'RENDER_UNAVAILABLE'],
      ['Plain page', false, null],
      ['Acme Shop', false, null],
    ]);
  });

  it('renders the app shell in the browser given by --browser, and the CSV carries the new columns', async () => {
    const out = join(work, 'rendered.csv');
    const { code, stderr } = await inProcess(['titles', urlFile([`${base}/spa`, `${base}/plain`, `${base}/shell`]), '--browser', '/usr/bin/chromium', '-o', out]);
    expect(code, stderr).toBe(0);
    const rows = (parse(readFileSync(out, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[]).sort((a, b) => Number(a.index) - Number(b.index));
    expect(rows.map((row) => [row.title, row.staticTitle, row.rendered, row.warningCode])).toEqual([
      ['Dashboard — =SUM(1)', 'React App', 'true', ''],
      ['Plain page', 'Plain page', 'false', ''],
      ['Acme Shop — Orders', 'Acme Shop', 'true', ''],
    ]);
    expect(Number(rows[0]?.renderMs)).toBeGreaterThan(0);
  }, 60_000);
});
