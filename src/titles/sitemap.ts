/**
 * Sitemaps as input: a sitemap (`<urlset>`), a sitemap index (`<sitemapindex>`, whose sitemaps are fetched in turn),
 * a robots.txt (its `Sitemap:` lines) or the protocol's plain-text form (one URL per line), from a URL, a file or
 * bytes, gzip-compressed or not (`.xml.gz`: recognised by its bytes). URLs come out one at a time as the parser finds
 * them, so a run starts on the first ones at once and a million-URL index streams through in bounded memory: one file
 * at a time (kept whole only as the bytes on the wire, up to the per-file cap), parsed in pieces.
 *
 * Bounded and safe: the XML is read by saxes, a streaming parser that never expands entities; a sitemap with a
 * DOCTYPE (where an XML bomb declares its entities) is refused outright. Caps on the nesting of indexes, the sitemaps
 * of one index, the URLs in all and the inflated bytes of each file and of all files each stop with a message that
 * says which. A problem with one file (unreachable, not a sitemap, over a cap) is reported through `onProblem` and
 * skipped; the rest goes on. Node only.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { SaxesParser, SaxesTagNS } from 'saxes';
import type { Dispatcher } from 'undici';
import { fetchSmall, SmallFetchError } from './fetch-small.js';
import { withoutCredentialHeaders } from './redirects.js';
import { loadRobotsParser } from './robots.js';
import { errorMessage } from '../errors.js';

export interface SitemapLimits {
  /** Indexes within indexes: a sitemap named on the command line is depth 0; deeper ones are skipped. */
  maxDepth: number;
  /** Sitemaps one index (or robots.txt) may list; the protocol allows 50,000. */
  maxFilesPerIndex: number;
  /** URLs in all; expansion stops there. */
  maxUrls: number;
  /** Bytes of one file once inflated; the protocol allows 50 MB. */
  maxFileBytes: number;
  /** Inflated bytes of all files together. */
  maxTotalBytes: number;
  /** Time to download one sitemap. */
  timeoutMs: number;
}

export const defaultSitemapLimits: Readonly<SitemapLimits> = Object.freeze({
  maxDepth: 3,
  maxFilesPerIndex: 50_000,
  maxUrls: 5_000_000,
  maxFileBytes: 50 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  timeoutMs: 60_000,
});

/** A sitemap to read: a URL (http or https), a file, or bytes already in hand (an upload). */
export type SitemapSource = { url: string } | { path: string } | { name: string; bytes: Uint8Array };

/** One file that could not be read (whole or in part), and why. */
export interface SitemapProblem {
  /** The URL or file name. */
  sitemap: string;
  message: string;
}

export interface SitemapOptions {
  /** Where sitemaps are fetched from (the run's proxy setting). */
  dispatcher: Dispatcher;
  /** Request headers: user agent and the run's own. */
  headers: Record<string, string>;
  limits?: Partial<SitemapLimits>;
  signal?: AbortSignal;
  onProblem?(problem: SitemapProblem): void;
  /** A file was read to its end: its name and the URLs it gave. */
  onSitemap?(sitemap: string, urls: number): void;
}

const SITEMAP_NAMESPACES = new Set(['', 'http://www.sitemaps.org/schemas/sitemap/0.9', 'http://www.google.com/schemas/sitemap/0.84', 'http://www.google.com/schemas/sitemap/0.9']);
/** A <loc> longer than this is not a URL anyone should fetch (the protocol says under 2,048 characters). */
const MAX_LOC_CHARS = 8192;
/** Bytes parsed per step: URLs found in one step are handed out before the next is read. */
const STEP_BYTES = 64 * 1024;

/** Stops the whole expansion (a cap on all files, or the signal). */
class StopExpansion extends Error {}
/** Stops one file: reported, and the next file is read. */
class FileProblem extends Error {}

interface Found {
  urls: string[];
  children: string[];
}

/** Where one file's bytes come from, and what to call it in messages. */
interface OpenedFile {
  name: string;
  /** Its URL, to resolve relative sitemap URLs and to recognise robots.txt; null for a file or upload. */
  url: URL | null;
  chunks: AsyncIterable<Buffer>;
}

/** A URL's origin, or the text itself when it is not a URL (fetching it fails later, with its message). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

function describeSource(source: SitemapSource): string {
  if ('url' in source) return source.url;
  if ('path' in source) return source.path;
  return source.name;
}

/** A robots.txt by its name, or by its lines. */
function looksLikeRobots(name: string, head: string): boolean {
  if (/(^|\/)robots\.txt$/i.test(name.replace(/[?#].*$/, ''))) return true;
  return /^\s*(user-agent|disallow|allow|sitemap|crawl-delay)\s*:/im.test(head);
}

/** Bytes in steps of at most STEP_BYTES, inflated when they are gzip (by their magic bytes), counted against the caps. */
async function* inflated(chunks: AsyncIterable<Buffer>, limits: SitemapLimits, totals: { bytes: number }): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return;
  const head = first.value;
  const rest = (async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  })();
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const source: AsyncIterable<Buffer> = gzip ? Readable.from(rest).pipe(zlib.createGunzip({ chunkSize: STEP_BYTES })) : rest;
  let fileBytes = 0;
  try {
    for await (const chunk of source) {
      for (let offset = 0; offset < chunk.length; offset += STEP_BYTES) {
        const piece = chunk.subarray(offset, offset + STEP_BYTES);
        fileBytes += piece.length;
        totals.bytes += piece.length;
        if (fileBytes > limits.maxFileBytes) throw new FileProblem(`over ${Math.round(limits.maxFileBytes / 2 ** 20)} MiB once inflated (the sitemap cap); the rest of it is skipped`);
        if (totals.bytes > limits.maxTotalBytes) throw new StopExpansion(`the sitemaps came to over ${Math.round(limits.maxTotalBytes / 2 ** 30)} GiB once inflated (the cap for all sitemaps); reading them stopped there`);
        yield piece;
      }
    }
  } catch (error) {
    if (error instanceof FileProblem || error instanceof StopExpansion) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_') === true) throw new FileProblem(`not valid gzip (${errorMessage(error)})`);
    throw error;
  } finally {
    if (gzip) (source as Readable).destroy();
  }
}

/**
 * One file's URLs and child sitemaps, a step at a time: each step yields what that piece of the file held, so URLs
 * reach the run before the file is read to its end.
 */
async function* parseFile(file: OpenedFile, limits: SitemapLimits, totals: { bytes: number }): AsyncGenerator<Found> {
  // Loaded when a sitemap is read, not at every run's start-up.
  const [{ SaxesParser: Parser }, robotsParser] = await Promise.all([import('saxes'), loadRobotsParser()]);
  const bytes = inflated(file.chunks, limits, totals);
  const decoder = new TextDecoder('utf-8');
  let kind: 'xml' | 'robots' | 'text' | null = null;
  let pending = '';
  let parser: SaxesParser<{ xmlns: true }> | null = null;
  let found: Found = { urls: [], children: [] };
  let failure: string | null = null;
  /** Refused outright (a DOCTYPE): nothing of it is used. */
  let refused = false;
  let locTooLong = false;

  const startXml = (): SaxesParser<{ xmlns: true }> => {
    const xml = new Parser({ xmlns: true, position: true });
    // Element path by local name; the sitemap vocabulary only counts in the root's namespace.
    const path: string[] = [];
    let rootKind: 'urlset' | 'sitemapindex' | null = null;
    let rootUri = '';
    let loc: string[] | null = null;
    let locLength = 0;
    xml.on('doctype', () => {
      refused = true;
      failure = 'it has a DOCTYPE, which no sitemap has (entity declarations are how an XML bomb starts); it is refused';
    });
    xml.on('error', (error) => {
      failure ??= `not well-formed XML (${error.message})`;
    });
    xml.on('opentag', (tag: SaxesTagNS) => {
      path.push(tag.local);
      if (path.length === 1) {
        if (tag.local !== 'urlset' && tag.local !== 'sitemapindex') failure ??= `not a sitemap (its root element is <${tag.name}>)`;
        else if (!SITEMAP_NAMESPACES.has(tag.uri)) failure ??= `not a sitemap (<${tag.name}> in the namespace ${tag.uri})`;
        else {
          rootKind = tag.local;
          rootUri = tag.uri;
        }
        return;
      }
      const entry = rootKind === 'urlset' ? 'url' : 'sitemap';
      if (path.length === 3 && tag.local === 'loc' && tag.uri === rootUri && path[1] === entry) {
        loc = [];
        locLength = 0;
      }
    });
    xml.on('text', (text) => {
      if (loc === null) return;
      locLength += text.length;
      if (locLength <= MAX_LOC_CHARS) loc.push(text);
    });
    xml.on('cdata', (text) => {
      if (loc === null) return;
      locLength += text.length;
      if (locLength <= MAX_LOC_CHARS) loc.push(text);
    });
    xml.on('closetag', () => {
      if (loc !== null && path.length === 3) {
        // Tabs and line breaks in a URL are dropped, as the URL parser does: one URL is one line of the run's input.
        const value = loc.join('').replace(/[\t\r\n]/g, '').trim();
        loc = null;
        if (locLength > MAX_LOC_CHARS) locTooLong = true;
        else if (value !== '') (rootKind === 'urlset' ? found.urls : found.children).push(value);
      }
      path.pop();
    });
    return xml;
  };

  const feed = (text: string, last: boolean): void => {
    if (kind === null) {
      pending += text;
      const start = pending.replace(/^\uFEFF/, '').trimStart();
      if (last && start === '') {
        failure = 'it is empty';
        return;
      }
      // Decide once enough is in: XML starts with "<"; otherwise a robots.txt, or the plain-text form.
      if (!last && start.length < 1 && pending.length < 4096) return;
      kind = start.startsWith('<') ? 'xml' : looksLikeRobots(file.url?.href ?? file.name, start.slice(0, 65536)) ? 'robots' : 'text';
      if (kind === 'robots' && !last) {
        // robots.txt is read whole (it is small), then its Sitemap lines are the children.
        return;
      }
      text = pending;
      pending = '';
      if (kind === 'xml') parser = startXml();
    }
    if (kind === 'robots') {
      pending += text;
      if (pending.length > limits.maxFileBytes) throw new FileProblem('a robots.txt over the sitemap cap');
      if (!last) return;
      const robots = robotsParser(file.url?.href ?? 'http://robots.invalid/robots.txt', pending);
      found.children.push(...robots.getSitemaps());
      pending = '';
      return;
    }
    if (kind === 'text') {
      const lines = (pending + text).split(/\r\n|\r|\n/);
      pending = last ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        const value = line.trim();
        if (value !== '') found.urls.push(value);
      }
      return;
    }
    const xml = parser as SaxesParser<{ xmlns: true }>;
    if (text !== '') xml.write(text);
    if (last && failure === null) xml.close();
  };

  for await (const piece of bytes) {
    feed(decoder.decode(piece, { stream: true }), false);
    if (failure !== null) break;
    if (found.urls.length > 0 || found.children.length > 0) {
      yield found;
      found = { urls: [], children: [] };
    }
  }
  if (failure === null) feed(decoder.decode(), true);
  // What came before a problem is used (a file cut short still lists good URLs), unless the file was refused.
  if (!refused && (found.urls.length > 0 || found.children.length > 0)) yield found;
  if (failure !== null) throw new FileProblem(failure);
  if (locTooLong) throw new FileProblem(`a <loc> over ${MAX_LOC_CHARS} characters was skipped`);
}

/**
 * The URLs of the sitemaps, in order, one at a time. Problems go to `onProblem` (the file is skipped, or the rest of
 * it); caps on all files end the expansion with a problem. The caller reads as fast as it needs: nothing is read ahead.
 */
export async function* expandSitemaps(sources: readonly SitemapSource[], options: SitemapOptions): AsyncGenerator<string> {
  const limits: SitemapLimits = { ...defaultSitemapLimits, ...options.limits };
  const totals = { bytes: 0, urls: 0 };
  const visited = new Set<string>();
  const problem = (sitemap: string, message: string): void => options.onProblem?.({ sitemap, message });
  const cancelled = (): boolean => options.signal?.aborted === true;
  const headers = { accept: 'application/xml,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5', 'accept-encoding': 'gzip, deflate, br', ...options.headers };
  // Credentials (-H Authorization, Cookie) go to the origins of the sitemaps given, not to those an index points to.
  const givenOrigins = new Set(sources.flatMap((source) => ('url' in source ? [originOf(source.url)] : [])));
  const publicHeaders = withoutCredentialHeaders(headers);

  const open = async (source: SitemapSource): Promise<OpenedFile> => {
    if ('bytes' in source) return { name: source.name, url: null, chunks: once(Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength)) };
    if ('path' in source) return { name: source.path, url: null, chunks: createReadStream(source.path, { highWaterMark: STEP_BYTES }) as AsyncIterable<Buffer> };
    let response;
    try {
      response = await fetchSmall(source.url, { dispatcher: options.dispatcher, headers: givenOrigins.has(originOf(source.url)) ? headers : publicHeaders, timeoutMs: limits.timeoutMs, maxBytes: limits.maxFileBytes, maxRedirects: 5, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
    } catch (error) {
      if (error instanceof SmallFetchError && error.failure === null) throw new StopExpansion('cancelled');
      throw new FileProblem(`could not be fetched: ${error instanceof SmallFetchError && error.failure !== null ? `${error.failure.code}, ${error.failure.message}` : errorMessage(error)}`);
    }
    if (response.status < 200 || response.status >= 300) throw new FileProblem(`could not be fetched: HTTP ${response.status}`);
    if (response.truncated) throw new FileProblem(`over ${Math.round(limits.maxFileBytes / 2 ** 20)} MiB (the sitemap cap)`);
    const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
    let body = response.body;
    // Content-Encoding gzip over a .gz file is gzip twice; the first layer is taken off here, the second by its bytes.
    if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate' || encoding === 'br') {
      try {
        body = encoding === 'br' ? zlib.brotliDecompressSync(body, { maxOutputLength: limits.maxFileBytes }) : zlib.unzipSync(body, { maxOutputLength: limits.maxFileBytes });
      } catch (error) {
        throw new FileProblem((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `over ${Math.round(limits.maxFileBytes / 2 ** 20)} MiB once inflated (the sitemap cap)` : `its ${encoding} encoding is corrupt`);
      }
    }
    return { name: response.url, url: new URL(response.url), chunks: once(body) };
  };

  /** Depth-first: a file's URLs as they come, then the sitemaps it listed, each in turn. */
  async function* read(source: SitemapSource, depth: number, parent: URL | null): AsyncGenerator<string> {
    const name = describeSource(source);
    if (cancelled()) throw new StopExpansion('cancelled');
    let urls = 0;
    const children: string[] = [];
    let droppedChildren = 0;
    try {
      const file = await open(source);
      for await (const found of parseFile(file, limits, totals)) {
        for (const url of found.urls) {
          if (totals.urls >= limits.maxUrls) throw new StopExpansion(`stopped at ${limits.maxUrls.toLocaleString('en')} URLs (the cap for all sitemaps)`);
          totals.urls += 1;
          urls += 1;
          yield url;
        }
        for (const child of found.children) {
          if (children.length >= limits.maxFilesPerIndex) droppedChildren += 1;
          else children.push(child);
        }
        if (cancelled()) throw new StopExpansion('cancelled');
      }
      options.onSitemap?.(file.name, urls);
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      problem(name, error.message);
    }
    if (droppedChildren > 0) problem(name, `lists ${(children.length + droppedChildren).toLocaleString('en')} sitemaps; only the first ${limits.maxFilesPerIndex.toLocaleString('en')} are read (the cap per index)`);
    const base = 'url' in source ? new URL(source.url) : parent;
    for (const child of children) {
      let url: URL;
      try {
        url = base !== null ? new URL(child, base) : new URL(child);
      } catch {
        problem(child, 'not a URL');
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problem(child, 'only http and https sitemaps are fetched');
        continue;
      }
      url.hash = '';
      if (visited.has(url.href)) continue;
      visited.add(url.href);
      if (depth + 1 > limits.maxDepth) {
        problem(url.href, `nested ${depth + 1} levels deep (the cap is ${limits.maxDepth}); skipped`);
        continue;
      }
      yield* read({ url: url.href }, depth + 1, url);
    }
  }

  try {
    for (const source of sources) {
      if ('url' in source) visited.add(new URL(source.url).href);
      yield* read(source, 0, null);
    }
  } catch (error) {
    if (!(error instanceof StopExpansion)) throw error;
    if (error.message !== 'cancelled') problem(sources.length === 1 ? describeSource(sources[0] as SitemapSource) : 'sitemaps', error.message);
  }
}
