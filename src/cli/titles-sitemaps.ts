/**
 * `titlewave titles --sitemap URL|FILE`: the sitemaps named on the command line, checked before any work, expanded
 * into the run's input lines (src/titles/sitemap.ts) after the URL files.
 *
 * With `--output FILE`, every URL read from them is also written, in the order read and before the run takes it, to
 * a list beside the output (`.FILE.titlewave-sitemap.txt`). That list is the run's record of what its sitemaps said:
 * `--resume` reads it first (so each URL keeps its index even if the live sitemap has changed since), and then, if the
 * run had not read its sitemaps to their end, reads them again for what comes after (URLs already listed are
 * duplicates, fetched once). A live sitemap is thus never trusted to be the same twice. Node only.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkInputFile } from '../fs/paths.js';
import { expandSitemaps, type SitemapOptions, type SitemapSource } from '../titles/sitemap.js';
import { LineDecoder } from './titles-input.js';

/** A --sitemap value that is neither an http(s) URL nor a file path. */
export class SitemapArgError extends Error {
  override readonly name = 'SitemapArgError';
}

export interface SitemapArgs {
  sources: SitemapSource[];
  /** For the run record and messages: each URL as parsed, or the file's absolute path. */
  names: string[];
}

/** Check `--sitemap` values before any work: http(s) URLs, or files that exist and are not folders. */
export async function prepareSitemaps(args: readonly string[]): Promise<SitemapArgs> {
  const sources: SitemapSource[] = [];
  const names: string[] = [];
  for (const arg of args) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      let url: URL;
      try {
        url = new URL(arg);
      } catch {
        throw new SitemapArgError(`--sitemap ${arg} is not a valid URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SitemapArgError(`--sitemap takes an http(s) URL or a file, not ${url.protocol}//`);
      url.hash = '';
      sources.push({ url: url.href });
      names.push(url.href);
      continue;
    }
    await checkInputFile(arg);
    sources.push({ path: arg });
    names.push(resolve(arg));
  }
  return { sources, names };
}

/** The complete lines of a file (a last line without its line break was cut short by a kill: not used). */
async function* completeLines(path: string): AsyncGenerator<string> {
  const decoder = new LineDecoder(path);
  let last = -1;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
    yield* decoder.push(bytes);
  }
  const rest = decoder.end();
  yield* last === 0x0a ? rest : rest.slice(0, -1);
}

export interface SitemapLinesOptions extends Omit<SitemapOptions, 'limits'> {
  limits?: SitemapOptions['limits'];
  /** The list beside the output: written as URLs are read; read first when resuming. */
  list: { path: string; resume: boolean; complete: boolean } | null;
  /** Every URL has been read (the run record says so next). */
  onComplete?: () => Promise<void>;
  /** URLs read from the sitemaps in this run (not counting the list's). */
  onUrl?: () => void;
}

/** URLs written to the list in one write: a few syscalls for a million URLs, and little read ahead. */
const BATCH = 256;

/** The sitemaps' URLs as input lines, through the list beside the output when there is one. */
export async function* sitemapLines(sitemaps: SitemapArgs, options: SitemapLinesOptions): AsyncGenerator<string> {
  const { list } = options;
  if (list?.resume === true) {
    yield* completeLines(list.path);
    if (list.complete) return;
  }
  const fd = list === null ? null : openSync(list.path, 'a');
  try {
    const urls = expandSitemaps(sitemaps.sources, options);
    for (let done = false; !done; ) {
      const batch: string[] = [];
      while (batch.length < BATCH) {
        const next = await urls.next();
        if (next.done === true) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
      // On disk before the run takes them: a record can only name a URL the list holds.
      if (fd !== null && batch.length > 0) writeSync(fd, `${batch.join('\n')}\n`);
      for (const url of batch) {
        options.onUrl?.();
        yield url;
      }
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
  await options.onComplete?.();
}
