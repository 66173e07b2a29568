// One measured piece of `npm run bench -- listmode`, in a process of its own so its peak memory is its own.
// Usage: node bench/listmode-child.mjs sitemap URL | xlsx ROWS FILE | xlsx-in-memory ROWS FILE
import { createWriteStream } from 'node:fs';
import { Agent } from 'undici';

const [kind, arg, file] = process.argv.slice(2);
const started = performance.now();
const result = { kind };

if (kind === 'sitemap') {
  const { expandSitemaps } = await import('../dist/src/titles/sitemap.js');
  const dispatcher = new Agent();
  let urls = 0;
  let problems = 0;
  for await (const url of expandSitemaps([{ url: arg }], { dispatcher, headers: {}, onProblem: () => (problems += 1) })) {
    if (urls === 0) result.firstMs = performance.now() - started;
    urls += url.length > 0 ? 1 : 0;
  }
  await dispatcher.destroy();
  Object.assign(result, { urls, problems });
} else {
  const rows = Number(arg);
  const record = (index) => ({
    index,
    url: `https://www.example${index % 500}.com/path/to/page-${index}?q=${index}`,
    finalUrl: `https://www.example${index % 500}.com/path/to/page-${index}?q=${index}`,
    status: 200,
    title: `京东(JD.COM)-正品低价、品质保障 ${index} — a title of a usual length`,
    ogTitle: null,
    description: 'A description of the page, as sites write them, some sixty to a hundred and fifty characters long.',
    canonical: null,
    lang: 'zh-CN',
    contentType: 'text/html; charset=utf-8',
    encoding: 'UTF-8',
    encodingSource: 'http',
    redirects: [],
    bytes: 12_345,
    durationMs: 87,
    attempts: 1,
    error: null,
    staticTitle: `京东(JD.COM)-正品低价、品质保障 ${index} — a title of a usual length`,
    rendered: false,
    renderMs: null,
    warning: null,
  });
  if (kind === 'xlsx') {
    const { writeXlsx } = await import('../dist/src/titles/xlsx.js');
    await writeXlsx(
      (function* () {
        for (let i = 0; i < rows; i += 1) yield record(i);
      })(),
      createWriteStream(file),
    );
  } else {
    // The peer: the usual way, a whole workbook in memory, then written.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Titles');
    for (let i = 0; i < rows; i += 1) {
      const r = record(i);
      sheet.addRow([r.index, r.url, r.finalUrl, r.status, r.title, r.ogTitle, r.description, r.canonical, r.lang, r.contentType, r.encoding, r.encodingSource, '', r.bytes, r.durationMs, r.attempts, null, null]);
    }
    await workbook.xlsx.writeFile(file);
  }
  result.rows = rows;
}
result.ms = performance.now() - started;
result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify(result)}\n`);
