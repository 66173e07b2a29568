// The services layer's own responsiveness (issue 3: the main event loop's p99 delay under 50 ms during a 20,000-URL
// run): createServices + the browser-mode server in this process, as `titlewave serve` runs them, with a page's
// WebSocket client in a worker thread (receiving every batched update) and the loopback web in a child process, so
// neither shares this event loop. Run: npm run build && npm run bench -- services
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { startTitlePages } from './fixtures/title-pages.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const urlCount = Number(process.env.SERVICES_BENCH_URLS ?? 20_000);
const hosts = 16;


// The page: connects below the server's secret prefix, starts the run, counts updates and records, reports the final summary.
const clientSource = `
import { parentPort, workerData } from 'node:worker_threads';
const { port, wsPath, text, wsModule } = workerData;
const { default: WebSocket } = await import(wsModule);
const ws = new WebSocket('ws://127.0.0.1:' + port + wsPath, { headers: { Origin: 'http://127.0.0.1:' + port } });
let updates = 0, records = 0, bytes = 0, maxGapMs = 0, last = 0;
ws.on('open', () => ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'titles.start', args: [{ text, settings: { concurrency: 64, perHost: 6, timeoutMs: 15000, retries: 2, userAgent: '' } }] })));
ws.on('message', (data) => {
  bytes += data.length;
  const message = JSON.parse(String(data));
  if (message.type === 'result' && !message.ok) { parentPort.postMessage({ error: message.error }); ws.close(); }
  if (message.type !== 'event' || message.event !== 'titles.update') return;
  const now = performance.now();
  if (last) maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
  updates++;
  records += message.payload.records.length;
  if (message.payload.state === 'done' || message.payload.state === 'cancelled') {
    parentPort.postMessage({ updates, records, bytes, summary: message.payload.summary });
    ws.close();
  }
});
`;


export default async function run(log) {
  const { createServices } = await import(join(root, 'dist/src/services/index.js'));
  const { startBrowserServer } = await import(join(root, 'dist/src/server/server.js'));
  const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-bench-services-'));
  const web = startTitlePages(hosts);
  const services = createServices({ dataDir });
  const server = await startBrowserServer({ services, dataDir, port: 0 });
  try {
    const { ports } = await web;
    const text = Array.from({ length: urlCount }, (_, i) => `http://127.0.0.1:${ports[i % ports.length]}/page/${i}`).join('\n');
    log(`services: ${urlCount} URLs over ${hosts} loopback hosts, through the browser-mode server and a WebSocket client`);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const client = new Worker(new URL(`data:text/javascript,${encodeURIComponent(clientSource)}`), {
      // A data: module has no folder to resolve 'ws' from: hand it this package's copy.
      workerData: { port: server.port, wsPath: `${server.basePath}ws`, text, wsModule: pathToFileURL(createRequire(import.meta.url).resolve('ws')).href },
    });
    const result = await new Promise((resolve, reject) => {
      client.once('message', resolve);
      client.once('error', reject);
    });
    const wallMs = performance.now() - started;
    delay.disable();
    await client.terminate();
    if (result.error) throw new Error(result.error);

    // monitorEventLoopDelay's samples include its own resolution; subtract it, as the engine's summary does.
    const p99 = Math.max(0, delay.percentile(99) / 1e6 - 10);
    const max = Math.max(0, delay.max / 1e6 - 10);
    const perSecond = result.updates / (wallMs / 1000);
    log(
      `services: ${result.records} records in ${(wallMs / 1000).toFixed(1)} s, ${result.updates} updates (${perSecond.toFixed(1)}/s), ` +
        `${(result.bytes / 1e6).toFixed(1)} MB over the socket; loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ` +
        `engine's own p99 ${result.summary?.eventLoopDelayP99Ms?.toFixed(1)} ms`,
    );
    return [
      { name: `services + server: event-loop delay p99 over a ${urlCount}-URL run`, ours: p99, unit: 'ms', target: '< 50 ms', pass: p99 < 50 },
      { name: 'services + server: titles.update events per second', ours: perSecond, unit: '/s', target: '<= ~10/s', pass: perSecond <= 11 },
      { name: 'services + server: records delivered', ours: result.records, unit: '', target: `${urlCount}`, pass: result.records === urlCount },
    ];
  } finally {
    await server.close();
    await services.close();
    (await web.catch(() => null))?.child.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}
