/**
 * robots.txt for a run that respects it (`--robots respect`): fetched once per origin (scheme, host and port) and
 * kept while the run needs it, parsed by `robots-parser` (RFC 9309: longest match wins, `*` and `$` patterns), and
 * asked about every URL before it is requested, redirects included. Its Crawl-delay for our user agent becomes a
 * per-host pace. As RFC 9309 says: a robots.txt that is missing (any 4xx) allows everything, and so does one with
 * nothing that parses; one that cannot be reached (5xx, no answer, a network error) disallows everything, since the
 * site may be in trouble. Redirects are followed (up to 5); at most 500 KiB of it is read. Node only.
 */
import zlib from 'node:zlib';
import { failure, type Failure } from './errors.js';
import { fetchSmall, SmallFetchError, type SmallFetchOptions } from './fetch-small.js';
import { errorMessage } from '../errors.js';

/** robots.txt gets at most this long, or the run's --timeout when shorter (a slow robots.txt holds back its origin). */
export const ROBOTS_TIMEOUT_MS = 10_000;
/** RFC 9309 asks crawlers to read at least 500 KiB; the rest is ignored. */
export const ROBOTS_MAX_BYTES = 500 * 1024;
const ROBOTS_MAX_REDIRECTS = 5;
/** Parsed files kept at once (least recently used go first); an origin dropped is fetched again if it comes back. */
const CACHE_ENTRIES = 10_000;
const CACHE_BYTES = 32 * 1024 * 1024;

/** What robots-parser gives (its typings describe an ES default export; the package is CommonJS). */
interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
/** robots-parser, loaded the first time a robots.txt is read (runs that read none do not pay for it at start-up). */
export async function loadRobotsParser(): Promise<(url: string, text: string) => Robot> {
  const module = await import('robots-parser');
  return module.default as unknown as (url: string, text: string) => Robot;
}

/** What robots.txt says for one origin. */
interface RobotsEntry {
  /** Parsed rules, or everything allowed (`null`), or everything disallowed (with why). */
  robot: Robot | null;
  disallowAll: string | null;
  crawlDelayMs: number;
  /** Bytes of text kept for it (the cache's budget). */
  size: number;
}

/**
 * The product token robots.txt groups are matched against: the name after "compatible;" in a browser-like user agent
 * (`Mozilla/5.0 (compatible; Titlewave)` → `titlewave`), else the user agent's first product name.
 */
export function robotsToken(userAgent: string): string {
  const compatible = /compatible;\s*([A-Za-z0-9_-]+)/i.exec(userAgent)?.[1];
  const first = /^\s*([A-Za-z0-9_-]+)/.exec(userAgent)?.[1];
  return (compatible ?? first ?? '*').toLowerCase();
}

/**
 * How robots.txt requests get their turn: the run's gate (slots, pacing), and what they go through (the run's
 * dispatcher and headers).
 */
export interface RobotsGate {
  acquire(host: string): Promise<boolean>;
  move(from: string, to: string): Promise<boolean>;
  release(host: string): void;
  written(host: string, sent: boolean): void;
  setCrawlDelay(host: string, ms: number): void;
}

/** The check was cut short by a cancel: no verdict (nothing is cached, no record is due). */
export const CANCELLED = Symbol('cancelled');

/**
 * The first `max` bytes of a compressed body, inflated a chunk at a time and no further: a bomb costs a chunk past the
 * cap, not its inflated size. null for a body that is not what its coding says (or is cut where it cannot be read).
 */
async function inflatedPrefix(body: Buffer, coding: 'br' | 'zlib', max: number): Promise<Buffer | null> {
  const inflater = coding === 'br' ? zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }) : zlib.createUnzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const chunks: Buffer[] = [];
  let length = 0;
  inflater.end(body);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= max) break;
    }
  } catch {
    return null;
  } finally {
    inflater.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

async function decode(body: Buffer, encoding: string | undefined): Promise<string> {
  const coding = (encoding ?? '').trim().toLowerCase();
  let bytes: Buffer | null = body;
  if (coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate') bytes = await inflatedPrefix(body, 'zlib', ROBOTS_MAX_BYTES);
  else if (coding === 'br') bytes = await inflatedPrefix(body, 'br', ROBOTS_MAX_BYTES);
  // A corrupt body parses as nothing (allow all); past the cap, what the cap allows is kept.
  if (bytes === null) return '';
  let text = new TextDecoder('utf-8').decode(bytes.subarray(0, ROBOTS_MAX_BYTES));
  // A file cut at the cap keeps only its whole lines.
  if (bytes.length >= ROBOTS_MAX_BYTES) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  return text;
}

export class RobotsRules {
  readonly #cache = new Map<string, RobotsEntry>();
  readonly #pending = new Map<string, Promise<RobotsEntry | typeof CANCELLED>>();
  #bytes = 0;

  constructor(
    private readonly token: string,
    private readonly request: Pick<SmallFetchOptions, 'dispatcher' | 'headers' | 'signal'> & { timeoutMs: number },
    private readonly gate: RobotsGate,
  ) {}

  /** Origins whose robots.txt is kept now. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * Null when `url` may be requested, else the ROBOTS failure to record; CANCELLED when the run (or `signal`) stopped
   * first. `holding`: the caller holds a slot on the URL's host (a redirect's target); robots.txt is then fetched on
   * that slot, and the slot's pace is taken again for the caller's own request.
   */
  async check(url: string, holding: string | null = null, signal?: AbortSignal): Promise<Failure | null | typeof CANCELLED> {
    const target = new URL(url);
    const origin = target.origin;
    let entry = this.#cache.get(origin);
    while (entry === undefined) {
      let pending = this.#pending.get(origin);
      const mine = pending === undefined;
      if (pending === undefined) {
        pending = this.#load(origin, holding).finally(() => this.#pending.delete(origin));
        this.#pending.set(origin, pending);
      }
      const loaded = await pending;
      if (loaded === CANCELLED) {
        // Another request's fetch was cancelled (its job handed back): this one asks again, unless it stops too.
        if (mine || signal?.aborted === true || this.request.signal?.aborted === true) return CANCELLED;
        continue;
      }
      // (A caller holding a slot that waited on another's fetch still has its own turn, unused.)
      entry = loaded;
    }
    // Most recently used last.
    this.#cache.delete(origin);
    this.#cache.set(origin, entry);
    this.gate.setCrawlDelay(target.host, entry.crawlDelayMs);
    if (entry.disallowAll !== null) return failure('ROBOTS', entry.disallowAll);
    if (entry.robot === null) return null;
    if (entry.robot.isAllowed(target.href, this.token) === false) {
      const line = entry.robot.getMatchingLineNumber(target.href, this.token);
      const where = line > 0 ? ` (line ${line})` : '';
      return failure('ROBOTS', `robots.txt disallows it for ${this.token}${where}`);
    }
    return null;
  }

  async #load(origin: string, holding: string | null): Promise<RobotsEntry | typeof CANCELLED> {
    const robotsUrl = `${origin}/robots.txt`;
    const answer = await this.#fetch(robotsUrl, holding);
    if (answer === CANCELLED) return CANCELLED;
    let entry: RobotsEntry;
    if (!('body' in answer)) {
      entry = { robot: null, disallowAll: `robots.txt could not be fetched (${answer.message}), so the site counts as disallowing everything (RFC 9309)`, crawlDelayMs: 0, size: 64 };
    } else if (answer.status >= 500) {
      entry = { robot: null, disallowAll: `robots.txt answered ${answer.status}, so the site counts as disallowing everything (RFC 9309)`, crawlDelayMs: 0, size: 64 };
    } else if (answer.status < 200 || answer.status >= 300) {
      // Missing (4xx), or a redirect chain too long: everything is allowed.
      entry = { robot: null, disallowAll: null, crawlDelayMs: 0, size: 64 };
    } else {
      const text = await decode(answer.body, answer.encoding);
      const robot = (await loadRobotsParser())(robotsUrl, text);
      const delay = robot.getCrawlDelay(this.token);
      entry = { robot, disallowAll: null, crawlDelayMs: typeof delay === 'number' && Number.isFinite(delay) && delay > 0 ? delay * 1000 : 0, size: 64 + text.length };
    }
    this.#remember(origin, entry);
    return entry;
  }

  /**
   * Fetch a robots.txt. Without `holding`, its requests take a slot like any other (and give it back); with it, they
   * use the caller's slot on that host (whose pace the caller's move took), and pace it again for the caller after.
   * CANCELLED with `holding` means the caller's slot has been given back.
   */
  async #fetch(robotsUrl: string, holding: string | null): Promise<{ status: number; body: Buffer; encoding: string | undefined } | Failure | typeof CANCELLED> {
    const gate = this.gate;
    let held: string | null = null;
    // Whether the request about to go out had its pace granted (a cross-host hop on a held slot has none).
    let paced = true;
    let refused = false;
    // The caller's slot was given back (a move refused: the run is closing).
    let slotGone = false;
    try {
      const response = await fetchSmall(robotsUrl, {
        ...this.request,
        timeoutMs: Math.min(ROBOTS_TIMEOUT_MS, this.request.timeoutMs),
        maxBytes: ROBOTS_MAX_BYTES,
        maxRedirects: ROBOTS_MAX_REDIRECTS,
        written: (host, sent) => {
          if (paced) gate.written(host, sent);
        },
        beforeRequest: async (from, host) => {
          let ok: boolean;
          if (holding === null) {
            ok = from === null ? await gate.acquire(host) : await gate.move(from, host);
            held = ok ? host : null;
          } else if (from === null) {
            paced = host === holding;
            ok = true;
          } else {
            paced = host === holding;
            // A closed run gives the caller's slot back here.
            ok = paced ? await gate.move(holding, holding) : true;
            slotGone ||= !ok;
          }
          refused ||= !ok;
          return ok;
        },
      });
      if (holding !== null && !(await gate.move(holding, holding))) {
        slotGone = true;
        return CANCELLED;
      }
      const encoding = response.headers['content-encoding'];
      return { status: response.status, body: response.body, encoding: Array.isArray(encoding) ? encoding.join(',') : encoding };
    } catch (error) {
      if (refused || this.request.signal?.aborted === true || (error instanceof SmallFetchError && error.failure === null)) {
        if (holding !== null && !slotGone) gate.release(holding);
        return CANCELLED;
      }
      if (holding !== null && !(await gate.move(holding, holding))) return CANCELLED;
      return error instanceof SmallFetchError && error.failure !== null ? error.failure : failure('NETWORK', errorMessage(error));
    } finally {
      if (held !== null) gate.release(held);
    }
  }

  #remember(origin: string, entry: RobotsEntry): void {
    this.#cache.set(origin, entry);
    this.#bytes += entry.size;
    while (this.#cache.size > CACHE_ENTRIES || (this.#bytes > CACHE_BYTES && this.#cache.size > 1)) {
      const [oldest, old] = this.#cache.entries().next().value as [string, RobotsEntry];
      this.#cache.delete(oldest);
      this.#bytes -= old.size;
    }
  }
}
