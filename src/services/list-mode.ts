/**
 * The app's list-mode commands: "From sitemap…" (a sitemap URL or file read into URL lines, with its counts and
 * problems, before anything starts) and "Export → Excel" (a run's records as an .xlsx workbook). Both run in the
 * services, next to the network and the journal; the renderer gets text and bytes back.
 */
import { PassThrough } from 'node:stream';
import { MAX_APP_SITEMAP_URLS, MAX_SITEMAP_UPLOAD_BYTES, type CommandArgs, type SitemapExpansion } from '../contract.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { createDispatcher } from '../titles/proxy.js';
import { expandSitemaps, type SitemapSource } from '../titles/sitemap.js';
import type { TitleRecord } from '../titles/types.js';

/** The problems a result lists (more are counted). */
const MAX_LISTED_PROBLEMS = 100;

/** Read the sitemap a user named in the app: a URL, or a file's bytes. */
export async function expandSitemapForApp(request: CommandArgs<'titles.expandSitemap'>[0]): Promise<SitemapExpansion> {
  let source: SitemapSource;
  if (request.url !== undefined && request.file === undefined) {
    let url: URL;
    try {
      url = new URL(request.url.trim());
    } catch {
      throw new Error('Not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('A sitemap URL starts with http:// or https://');
    source = { url: url.href };
  } else if (request.file !== undefined && request.url === undefined) {
    const bytes = Buffer.from(request.file.base64, 'base64');
    if (bytes.length > MAX_SITEMAP_UPLOAD_BYTES) throw new Error(`The file is over ${MAX_SITEMAP_UPLOAD_BYTES / 2 ** 20} MiB`);
    source = { name: request.file.name, bytes };
  } else {
    throw new Error('Give a sitemap URL or a file');
  }
  const { settings } = request;
  const { dispatcher } = createDispatcher(settings.proxy, { connections: 2, connectTimeoutMs: settings.timeoutMs });
  const lines: string[] = [];
  const problems: SitemapExpansion['problems'] = [];
  let moreProblems = 0;
  let sitemaps = 0;
  try {
    for await (const url of expandSitemaps([source], {
      dispatcher,
      headers: { 'user-agent': settings.userAgent.trim() || defaultTitlesOptions.userAgent },
      limits: { maxUrls: MAX_APP_SITEMAP_URLS },
      onProblem: (problem) => {
        if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
        else moreProblems += 1;
      },
      onSitemap: () => {
        sitemaps += 1;
      },
    })) {
      lines.push(url);
    }
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
  return { text: lines.join('\n'), urls: lines.length, sitemaps, problems, moreProblems };
}

/** Records in index order as an .xlsx workbook, base64 (the renderer saves it where the user chooses). */
export async function workbookOf(records: Iterable<TitleRecord>): Promise<{ base64: string; rows: number }> {
  const { writeXlsx } = await import('../titles/xlsx.js');
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  let rows = 0;
  const counted = (function* (): Generator<TitleRecord> {
    for (const record of records) {
      rows += 1;
      yield record;
    }
  })();
  await writeXlsx(counted, sink);
  return { base64: Buffer.concat(chunks).toString('base64'), rows };
}
