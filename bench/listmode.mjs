// List mode (issue 13): sitemaps in and workbooks out, each piece in a process of its own (time and peak memory).
// - a 50,000-URL sitemap: first URL and all of them, against Python's urllib + ElementTree.iterparse
// - a 1,000,000-URL index (20 gzip sitemaps of 50,000): all of them, and the peak memory while they stream
// - 100,000 records to .xlsx: ours (streaming) against exceljs's in-memory Workbook, the usual way
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const ns = 'http://www.sitemaps.org/schemas/sitemap/0.9';

function urlset(prefix, count) {
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${ns}">\n`];
  for (let i = 0; i < count; i += 1) parts.push(`  <url><loc>https://www.example.com/${prefix}/item-${i}.html</loc><lastmod>2024-05-01</lastmod></url>\n`);
  parts.push('</urlset>\n');
  return parts.join('');
}

const run = promisify(execFile);

// Not execFileSync: the sitemaps are served from this process, which must keep answering while a child reads them.
async function child(args) {
  return JSON.parse((await run(process.execPath, [join(here, 'listmode-child.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })).stdout.trim());
}

async function peer(url) {
  return JSON.parse((await run('/usr/bin/python3', [join(here, 'peers', 'sitemap_iterparse.py'), url], { encoding: 'utf8' })).stdout.trim());
}

async function repeat(times, piece) {
  const results = [];
  for (let i = 0; i < times; i += 1) results.push(await piece());
  return results;
}

function best(runs, key = 'ms') {
  return runs.reduce((a, b) => (b[key] < a[key] ? b : a));
}

export default async function bench(log) {
  const files = new Map();
  const server = createServer((request, response) => {
    const body = files.get(request.url);
    if (body === undefined) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  files.set('/sitemap-50k.xml', Buffer.from(urlset('one', 50_000)));
  const children = [];
  for (let i = 0; i < 20; i += 1) {
    files.set(`/part-${i}.xml.gz`, zlib.gzipSync(urlset(`part${i}`, 50_000)));
    children.push(`<sitemap><loc>${origin}/part-${i}.xml.gz</loc></sitemap>`);
  }
  files.set('/index-1m.xml', Buffer.from(`<?xml version="1.0"?><sitemapindex xmlns="${ns}">${children.join('')}</sitemapindex>`));
  const work = mkdtempSync(join(tmpdir(), 'titlewave-bench-listmode-'));
  const rows = [];
  try {
    log(`sitemap of 50,000 URLs (${(files.get('/sitemap-50k.xml').length / 2 ** 20).toFixed(1)} MiB)`);
    const ours50k = best(await repeat(3, () => child(['sitemap', `${origin}/sitemap-50k.xml`])));
    const peer50k = best(await repeat(3, () => peer(`${origin}/sitemap-50k.xml`)));
    if (ours50k.urls !== 50_000 || peer50k.urls !== 50_000) throw new Error(`sitemap: ${ours50k.urls} and ${peer50k.urls} URLs, not 50,000`);
    rows.push({ name: '50,000-URL sitemap: first URL', ours: ours50k.firstMs, peer: peer50k.firstMs, unit: 'ms', ratio: ours50k.firstMs / peer50k.firstMs, note: 'from the start of the process piece, fetch included' });
    rows.push({ name: '50,000-URL sitemap: all URLs', ours: ours50k.ms, peer: peer50k.ms, unit: 'ms', ratio: ours50k.ms / peer50k.ms, target: '< 1000 ms', pass: ours50k.ms < 1000 });

    log('sitemap index of 1,000,000 URLs (20 gzip sitemaps)');
    const ours1m = best(await repeat(2, () => child(['sitemap', `${origin}/index-1m.xml`])));
    const peer1m = await peer(`${origin}/index-1m.xml`);
    if (ours1m.urls !== 1_000_000) throw new Error(`index: ${ours1m.urls} URLs, not 1,000,000`);
    rows.push({ name: '1,000,000-URL index: all URLs', ours: ours1m.ms, peer: peer1m.ms, unit: 'ms', ratio: ours1m.ms / peer1m.ms });
    rows.push({ name: '1,000,000-URL index: peak RSS while streaming', ours: ours1m.peakRssMiB, peer: peer1m.peakRssMiB, unit: 'MiB', ratio: ours1m.peakRssMiB / peer1m.peakRssMiB, target: '< 150 MiB (bounded)', pass: ours1m.peakRssMiB < 150 });

    log('100,000 records to .xlsx');
    const file = join(work, 'titles.xlsx');
    const oursXlsx = best(await repeat(2, () => child(['xlsx', '100000', file])));
    const bytes = statSync(file).size;
    const peerXlsx = await child(['xlsx-in-memory', '100000', join(work, 'peer.xlsx')]);
    rows.push({ name: '100,000 rows to .xlsx: time', ours: oursXlsx.ms, peer: peerXlsx.ms, unit: 'ms', ratio: oursXlsx.ms / peerXlsx.ms, note: `${(bytes / 2 ** 20).toFixed(1)} MiB workbook; peer: exceljs in-memory Workbook` });
    rows.push({ name: '100,000 rows to .xlsx: peak RSS', ours: oursXlsx.peakRssMiB, peer: peerXlsx.peakRssMiB, unit: 'MiB', ratio: oursXlsx.peakRssMiB / peerXlsx.peakRssMiB, target: 'bounded (< 200 MiB)', pass: oursXlsx.peakRssMiB < 200 });
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
