// Render mode benchmark: a 1,000-URL list over 4 loopback hosts where 50 pages are app shells (a placeholder title,
// the real one set by a script after a JSON fetch) and 950 have real static titles. `titlewave titles --render auto`
// (2 renderers, Debian's /usr/bin/chromium) must render exactly those 50 and cost at most the static run's time
// (`--render never`, same list) plus 50 x (median render time) / renderers, + 15 %. Also printed: renders per second
// (the 50 renders over the time they added) and the peak memory of the whole process tree (CLI + Chromium; Pss,
// sampled from /proc, see treePss in proc-tree.mjs); it must stay under 1 GiB with 2 renderers.
// Each contender runs RENDER_ROUNDS times (default 3), alternating; the best wall time counts (the machine is shared).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treePss } from './proc-tree.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'titlewave.cjs');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const rounds = Number(process.env.RENDER_ROUNDS ?? 3);
const urls = 1000;
const shells = 50;
const renderers = 2;

function measure(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treePss(child.pid))), 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`titlewave ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      resolve({ wallMs: performance.now() - started, peakRss: peak });
    });
  });
}

async function startHosts(count) {
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer((request, response) => {
      const [path, query] = (request.url ?? '/').split('?');
      if (path === '/api') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ title: `Dashboard ${query}` }));
        return;
      }
      const body = path.startsWith('/shell/')
        ? `<!doctype html><html><head><meta charset="utf-8"><title>React App</title></head><body><div id="root"></div><script>fetch('/api?${path.slice(7)}').then((r) => r.json()).then((d) => { document.title = d.title; });</script></body></html>`
        : `<!doctype html><html><head><meta charset="utf-8"><title>Static page ${path}</title></head><body>${'<p>text</p>'.repeat(200)}</body></html>`;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return servers;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export default async function run(log) {
  if (!existsSync(chromium)) throw new Error(`render bench: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const servers = await startHosts(4);
  const work = await mkdtemp(join(tmpdir(), 'titlewave-bench-render-'));
  try {
    const list = [];
    // The shells spread evenly through the list, over every host.
    for (let i = 0; i < urls; i++) {
      const port = servers[i % servers.length].address().port;
      list.push(i % (urls / shells) === 7 ? `http://127.0.0.1:${port}/shell/${i}` : `http://127.0.0.1:${port}/page/${i}`);
    }
    const input = join(work, 'urls.txt');
    writeFileSync(input, `${list.join('\n')}\n`);
    const best = { never: null, auto: null };
    let autoRecords = null;
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 ? ['auto', 'never'] : ['never', 'auto']) {
        const out = join(work, `${mode}-${round}.jsonl`);
        const result = await measure(['titles', input, '-o', out, '--render', mode, '--renderers', String(renderers), '--browser', chromium]);
        log(`${mode} round ${round + 1}: ${(result.wallMs / 1000).toFixed(2)} s, peak ${(result.peakRss / 2 ** 20).toFixed(0)} MiB`);
        if (best[mode] === null || result.wallMs < best[mode].wallMs) {
          best[mode] = result;
          if (mode === 'auto') autoRecords = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
        }
      }
    }
    const rendered = autoRecords.filter((r) => r.rendered);
    const renderedRight = rendered.every((r) => r.url.includes('/shell/') && r.title.startsWith('Dashboard ')) && rendered.length === shells;
    const medianRenderMs = median(rendered.map((r) => r.renderMs));
    const budgetMs = (best.never.wallMs + (shells * medianRenderMs) / renderers) * 1.15;
    const addedMs = Math.max(1, best.auto.wallMs - best.never.wallMs);
    const peakMiB = best.auto.peakRss / 2 ** 20;
    return [
      {
        name: `${urls} URLs, ${shells} app shells: --render auto renders exactly them`,
        ours: rendered.length,
        peer: shells,
        unit: 'pages',
        ratio: null,
        target: `${shells}, every one's scripted title`,
        pass: renderedRight,
        note: `median render ${medianRenderMs.toFixed(0)} ms`,
      },
      {
        name: `--render auto (${renderers} renderers) vs --render never, same list`,
        ours: best.auto.wallMs / 1000,
        peer: best.never.wallMs / 1000,
        unit: 's',
        ratio: best.auto.wallMs / best.never.wallMs,
        target: `≤ ${(budgetMs / 1000).toFixed(2)} s (static + ${shells} × median / ${renderers}, +15 %)`,
        pass: best.auto.wallMs <= budgetMs,
        note: `${((shells * 1000) / addedMs).toFixed(1)} renders/s over the time they added`,
      },
      {
        name: 'peak memory (Pss), whole process tree (CLI + Chromium), --render auto',
        ours: peakMiB,
        peer: best.never.peakRss / 2 ** 20,
        unit: 'MiB',
        ratio: null,
        target: '< 1024 MiB',
        pass: peakMiB < 1024,
        note: 'peer: the same run with --render never',
      },
    ];
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await rm(work, { recursive: true, force: true });
  }
}
