/**
 * The titles engine: URL lines in, one record per distinct entry out, as soon as each is known.
 * Input is read lazily (a bounded look-ahead), requests go through a fair per-host pool over one keep-alive undici
 * Agent, failures are retried with backoff, and the run can be paused, resumed and cancelled. Node only.
 */
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { failure, isRetryableStatus } from './errors.js';
import { AttemptGroup, runAttempt, type AttemptContext, type AttemptResult } from './fetch.js';
import { withoutCredentialHeaders } from './redirects.js';
import { EntryIndexer } from './input.js';
import { goesThroughProxy } from './list-settings.js';
import { createDispatcher } from './proxy.js';
import { HostPacer, PROXIED_RATE_GUARD_MS, RATE_GUARD_MS } from './rate.js';
import { CANCELLED, RobotsRules, robotsToken } from './robots.js';
import { renderReason } from './render/auto.js';
import { bodySignalBytes, type BodySignal } from './render/body-signals.js';
import type { PageRenderer, RenderResult } from './render/renderer.js';
import { HostScheduler } from './scheduler.js';
import { emptyRecord, invalidEntryRecord, resolveTitlesOptions } from './options.js';
import type { TitleRecord, TitlesOptions, TitlesProgress, TitlesSummary } from './types.js';
import { errorMessage } from '../errors.js';

export { defaultTitlesOptions } from './defaults.js';

export interface TitlesJobInit {
  /** Raw input lines; the engine trims, skips blanks, normalises and dedupes. */
  lines: AsyncIterable<string> | Iterable<string>;
  options?: Partial<TitlesOptions>;
  /** Cancel: in-flight requests abort, waiting ones never start, and no record comes after `done`. */
  signal?: AbortSignal;
  /**
   * Called once per distinct entry (valid or invalid) with its index and its line as given (trimmed, the record's
   * `url`); return true to not fetch it and emit no record (resume). Skipped entries count as done.
   */
  skip?: (index: number, url: string) => boolean;
  /** One per distinct entry, as soon as it is known. */
  onRecord: (record: TitleRecord) => void;
  /**
   * Entries read ahead of the requests (default: 16 per request in flight, at least 1024). When every queued entry
   * waits for a busy host while slots are free, reading goes on up to 8 times this, so other hosts get their turn.
   */
  lookahead?: number;
  /**
   * Render mode's browser engine, asked for the first time a page needs a render (never when none does); null when
   * there is none (the page keeps its static title, with a RENDER_UNAVAILABLE warning). The job closes the renderer
   * it was given when it ends. Without it, no page is rendered.
   */
  renderer?: () => Promise<PageRenderer | null>;
  /**
   * Look into the first bytes of pages for render mode's body signals (render/body-signals.ts) in `auto`; default
   * true when there is a renderer. False where it is known up front that no page can be rendered (no browser found):
   * the signals then cost nothing and change nothing.
   */
  bodySignals?: boolean;
}

export interface TitlesJob {
  /** No new requests start; in-flight ones finish. */
  pause(): void;
  resume(): void;
  /** A cheap snapshot. */
  progress(): TitlesProgress;
  /** Resolves (never rejects) when every record is out, or on cancel. */
  readonly done: Promise<TitlesSummary>;
}

type Entry = FetchEntry;

/** RENDER_UNAVAILABLE's sentence in a run that goes through a proxy (renderer/titles/error-text.ts knows it). */
export const proxiedRenderMessage = 'this page needs a browser engine to show its title, and render mode does not go through a proxy';

/** Event-loop delay sampling interval; the monitor's samples include it, so it is subtracted from the figures. */
const loopDelayResolutionMs = 2;
/** Completions per 100 ms over the last 5 s give the rate. */
const rateBuckets = 50;
const rateBucketMs = 100;

/** The pace a run's scheduler keeps: requests per second per host, and robots.txt's Crawl-delay when respected. */
export function pacerFor(options: TitlesOptions, env: NodeJS.ProcessEnv = process.env): HostPacer | null {
  if (options.rate === null && options.robots !== 'respect') return null;
  return new HostPacer({ perSecond: options.rate, guardMs: goesThroughProxy(options.proxy, env) ? PROXIED_RATE_GUARD_MS : RATE_GUARD_MS });
}

/** Request headers: ours, then the user's (any case) on top. */
function requestHeaders(options: TitlesOptions): string[] {
  const headers: Record<string, string> = {
    'user-agent': options.userAgent,
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
  };
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  // Flat [name, value, ...]: the cheapest form for undici to write, request after request.
  return Object.entries(headers).flat();
}

function recordFrom(entry: FetchEntry, attempt: AttemptResult, attempts: number, bytes: number, durationMs: number): TitleRecord {
  const page = attempt.page;
  return {
    index: entry.index,
    url: entry.line,
    finalUrl: attempt.finalUrl,
    status: attempt.status,
    title: page?.title ?? null,
    ogTitle: page?.ogTitle ?? null,
    description: page?.description ?? null,
    canonical: page?.canonical ?? null,
    lang: page?.lang ?? null,
    contentType: attempt.contentType,
    encoding: page?.encoding ?? null,
    encodingSource: page?.encodingSource ?? null,
    redirects: attempt.redirects,
    bytes,
    durationMs: Math.round(durationMs),
    attempts,
    error: attempt.error === null ? null : { code: attempt.error.code, message: attempt.error.message },
    staticTitle: page?.title ?? null,
    rendered: false,
    renderMs: null,
    warning: null,
  };
}

/** A counting semaphore for render slots; waiters are refused when `signal` aborts. */
class Slots {
  #free: number;
  readonly #waiters: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(grant);
        if (at !== -1) this.#waiters.splice(at, 1);
        resolve(false);
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#free += 1;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Where a request waits for its turn: the local run's HostScheduler, or anything else that bounds requests per host
 * the same way (a scale-out worker adds leases shared with other machines). `front`: a retry, ahead of new work.
 */
export interface SlotGate {
  acquire(host: string, front: boolean): Promise<boolean>;
  release(host: string): void;
  /** To another host (a redirect), or on the same host its next request's pace. */
  move(from: string, to: string): Promise<boolean>;
  /** A granted request was written to the wire, or ended without being written (pacing counts writes). */
  written?(host: string, sent: boolean): void;
  /** A host's Crawl-delay (robots.txt). */
  setMinInterval?(host: string, ms: number): void;
}

/** One distinct entry to fetch: its index in the run, its line as given, and the normalised URL and host. */
export interface FetchEntry {
  index: number;
  line: string;
  url: string;
  host: string;
}

/** What fetching an entry gives: its record, and render mode's body signal of its page (null when none). */
export interface FetchedEntry {
  record: TitleRecord;
  bodySignal: BodySignal | null;
}

/** Fetches entries through a gate, with retries and backoff: the request side of a titles run. */
export interface EntryFetcher {
  /** The entry's record, or null when it was cancelled (by the fetcher's signal or `signal`): no record then. */
  fetch(entry: FetchEntry, signal?: AbortSignal): Promise<FetchedEntry | null>;
  /** Close the fetcher's connections. */
  close(): Promise<void>;
}

/**
 * A fetcher over one keep-alive undici Agent. Every request waits on `gate` for its slot; `signal` cancels all of
 * them (in-flight requests abort, waiting ones never start). `signalBytes`: how much of a page to look through for
 * render mode's body signals (0: none; a page is then read no further than its title needs).
 */
export function createEntryFetcher(options: TitlesOptions, gate: SlotGate, signal: AbortSignal, signalBytes = 0): EntryFetcher {
  // Direct, through a proxy, or as the environment says (src/titles/proxy.ts).
  const { dispatcher, proxied } = createDispatcher(options.proxy, { connections: options.perHost, connectTimeoutMs: options.timeoutMs });
  const sharedGroup = new AttemptGroup(signal);
  const headers = requestHeaders(options);
  const paced = options.rate !== null || options.robots === 'respect';
  /** Attempts that gave their slot back with their body in hand, not parsed yet: at most `concurrency` of them. */
  let releasedUnparsed = 0;
  const written = gate.written?.bind(gate);
  const robots =
    options.robots === 'respect'
      ? new RobotsRules(
          robotsToken(options.userAgent),
          { dispatcher, headers: headers.map((value, i) => (i % 2 === 1 && headers[i - 1] === 'accept' ? 'text/plain,*/*;q=0.5' : value)), signal, timeoutMs: options.timeoutMs },
          {
            acquire: (host) => gate.acquire(host, false),
            move: (from, to) => gate.move(from, to),
            release: (host) => gate.release(host),
            written: (host, sent) => written?.(host, sent),
            setCrawlDelay: (host, ms) => gate.setMinInterval?.(host, ms),
          },
        )
      : null;
  const context: AttemptContext = {
    dispatcher,
    options,
    headers,
    crossOriginHeaders: withoutCredentialHeaders(headers),
    signalBytes,
    moveHost: (from, to) => gate.move(from, to),
    releaseHost: (host) => gate.release(host),
    releaseEarly: (host) => {
      // Not in a paced run (--rate, or robots.txt's Crawl-delay): there the next request waits for the host's pace, not
      // for the slot, so nothing is gained. Measured against hosts that log arrivals on a loaded 2-core machine, the
      // pacer's write times never put more than N in a window either way; what a host sees late is delivery (our
      // write to its stamp took 20-90 ms under load, beyond the guard), and with early release the arrival log went
      // over N in 6-11 of 16 runs against 3 of 16 without it.
      if (paced || releasedUnparsed >= options.concurrency) return false;
      releasedUnparsed += 1;
      gate.release(host);
      return true;
    },
    earlyReleaseDone: () => {
      releasedUnparsed -= 1;
    },
    proxied,
    ...(written !== undefined ? { requestWritten: written } : {}),
    ...(robots !== null ? { robotsCheck: async (url: string, host: string) => {
      const verdict = await robots.check(url, host);
      return verdict === CANCELLED ? 'cancelled' : verdict;
    } } : {}),
  };

  const fetch = async (entry: FetchEntry, entrySignal?: AbortSignal): Promise<FetchedEntry | null> => {
    const stop = entrySignal === undefined ? signal : AbortSignal.any([signal, entrySignal]);
    const attemptGroup = entrySignal === undefined ? sharedGroup : new AttemptGroup(stop);
    // From the first request on: time spent waiting for a free slot is the run's, not this URL's.
    let started = 0;
    let attempts = 0;
    let bytes = 0;
    if (robots !== null) {
      // Asked before the first request: a disallowed URL is never requested.
      const verdict = await robots.check(entry.url, null, stop);
      if (verdict === CANCELLED || stop.aborted) return null;
      if (verdict !== null) return { record: emptyRecord(entry, { code: verdict.code, message: verdict.message }), bodySignal: null };
    }
    for (;;) {
      if (stop.aborted || !(await gate.acquire(entry.host, attempts > 0))) return null;
      if (stop.aborted) {
        gate.release(entry.host);
        return null;
      }
      if (attempts === 0) started = performance.now();
      attempts += 1;
      let attempt: AttemptResult;
      try {
        attempt = await runAttempt(entry.url, entry.host, context, attemptGroup, attempts > options.retries);
      } catch (error) {
        // runAttempt turns every network failure into a result; anything else is a bug, reported on the record.
        attempt = { finalUrl: entry.url, status: null, contentType: null, redirects: [], bytes: 0, page: null, error: failure('NETWORK', errorMessage(error)), retryAfterMs: null, host: entry.host, cancelled: false };
      }
      if (attempt.host !== null) gate.release(attempt.host);
      bytes += attempt.bytes;
      if (attempt.cancelled || stop.aborted) return null;
      // A 5xx or 429 answer is tried again whatever it holds; a failure is, unless the title was read before it.
      const retryable = (attempt.status !== null && isRetryableStatus(attempt.status)) || (attempt.error?.retryable === true && attempt.page?.titleRead !== true);
      if (retryable && attempts <= options.retries) {
        const backoff = options.retryBaseMs * 2 ** (attempts - 1) * (0.5 + Math.random() * 0.5);
        await sleep(Math.min(options.maxRetryDelayMs, Math.max(backoff, attempt.retryAfterMs ?? 0)), stop);
        if (stop.aborted) return null;
        continue;
      }
      return { record: recordFrom(entry, attempt, attempts, bytes, performance.now() - started), bodySignal: attempt.page?.bodySignal ?? null };
    }
  };

  return { fetch, close: () => dispatcher.destroy().catch(() => undefined) };
}

export function startTitlesJob(init: TitlesJobInit): TitlesJob {
  const options = resolveTitlesOptions(init.options);
  const cancel = new AbortController();
  // Every request and every retry wait listens for cancel; that is many listeners by design.
  setMaxListeners(0, cancel.signal);
  const onCallerAbort = (): void => cancel.abort(init.signal?.reason);
  if (init.signal?.aborted) cancel.abort(init.signal.reason);
  else init.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const scheduler = new HostScheduler(options.concurrency, options.perHost, pacerFor(options));
  cancel.signal.addEventListener('abort', () => scheduler.close(), { once: true });
  // Body signals are looked for only where they can change something: `auto`, with a browser engine to render in.
  const fetcher = createEntryFetcher(options, scheduler, cancel.signal, options.render === 'auto' && init.renderer !== undefined && init.bodySignals !== false ? bodySignalBytes : 0);
  const loopDelay = monitorEventLoopDelay({ resolution: loopDelayResolutionMs });
  loopDelay.enable();

  const startedAt = performance.now();
  const indexer = new EntryIndexer();
  let total = 0;
  let inputDone = false;
  let done = 0;
  let failed = 0;
  let outstanding = 0;
  // Input read ahead of the requests: enough to interleave many hosts, bounded so memory does not grow with the list.
  const lookahead = init.lookahead ?? Math.max(1024, options.concurrency * 16);
  const farLookahead = lookahead * 8;
  /** Read on? Below the look-ahead, yes; beyond it only while slots sit idle (queued work all waits on busy hosts). */
  const wantsInput = (): boolean => outstanding < lookahead || (!scheduler.saturated && outstanding < farLookahead);
  let roomWaiter: (() => void) | null = null;
  let allSettled: (() => void) | null = null;
  const rateCounts = new Float64Array(rateBuckets);
  const rateSlots = new Float64Array(rateBuckets).fill(-1);

  const emit = (record: TitleRecord): void => {
    if (cancel.signal.aborted) return;
    done += 1;
    if (record.error !== null) failed += 1;
    const slot = Math.floor(performance.now() / rateBucketMs);
    const at = slot % rateBuckets;
    if (rateSlots[at] !== slot) {
      rateSlots[at] = slot;
      rateCounts[at] = 0;
    }
    rateCounts[at] = (rateCounts[at] ?? 0) + 1;
    try {
      init.onRecord(record);
    } catch (error) {
      // A consumer that cannot take records ends the run rather than losing them silently.
      process.emitWarning(`titles: onRecord threw, cancelling the run: ${errorMessage(error)}`);
      cancel.abort(error);
    }
  };

  const finishOne = (): void => {
    outstanding -= 1;
    if (roomWaiter !== null && (outstanding < lookahead - lookahead / 4 || (!scheduler.saturated && outstanding < farLookahead))) {
      const wake = roomWaiter;
      roomWaiter = null;
      wake();
    }
    if (outstanding === 0 && inputDone && allSettled !== null) allSettled();
  };

  // Render mode: pages whose static title is not the real one are loaded in a browser engine, `renderers` at a
  // time, each holding a slot of the run and of its host like a request. Pause stops the renders in flight (they
  // start again on resume); cancel ends them.
  const renderSlots = new Slots(options.renderers);
  const proxiedRun = goesThroughProxy(options.proxy, process.env);
  let rendererReady: Promise<PageRenderer | null> | null = null;
  let renderPause = new AbortController();
  const renderWith = (): Promise<PageRenderer | null> =>
    (rendererReady ??= (init.renderer?.() ?? Promise.resolve(null)).catch((error: unknown) => {
      process.emitWarning(`titles: the page renderer could not start: ${errorMessage(error)}`);
      return null;
    }));

  /** The record with the rendered title, or null when the run was cancelled meanwhile. */
  const renderRecord = async (record: TitleRecord): Promise<TitleRecord | null> => {
    // The browser engine does not go through the run's proxy: rather than let its requests leave outside the proxy
    // the user chose, such a page keeps its static title.
    if (proxiedRun) return { ...record, warning: { code: 'RENDER_UNAVAILABLE', message: proxiedRenderMessage } };
    const renderer = await renderWith();
    if (renderer === null) return { ...record, warning: { code: 'RENDER_UNAVAILABLE', message: 'this page needs a browser engine to show its title, and none was found' } };
    const url = record.finalUrl ?? record.url;
    const host = new URL(url).host;
    for (;;) {
      if (!(await renderSlots.acquire(cancel.signal))) return null;
      if (!(await scheduler.acquire(host, true))) {
        renderSlots.release();
        return null;
      }
      // The render loads the page now: the pacer (--rate, Crawl-delay) counts it as a request to its host.
      scheduler.written(host, true);
      const paused = renderPause.signal;
      let result: RenderResult | null = null;
      let failure: unknown = null;
      try {
        result = await renderer.render({ url, timeoutMs: options.renderTimeoutMs, signal: AbortSignal.any([cancel.signal, paused]) });
      } catch (error) {
        failure = error;
      } finally {
        scheduler.release(host);
        renderSlots.release();
      }
      if (cancel.signal.aborted) return null;
      if (result !== null) {
        return {
          ...record,
          title: result.title,
          rendered: true,
          renderMs: Math.round(result.ms),
          warning: result.settled ? null : { code: 'RENDER_UNSETTLED', message: `the title was still changing, or requests still going, after ${options.renderTimeoutMs / 1000} s; this is the title at that moment` },
        };
      }
      // Paused mid-render: the render waits for resume (the scheduler grants nothing while paused), then starts over.
      if (paused.aborted) continue;
      return { ...record, warning: { code: 'RENDER_FAILED', message: `the page could not be rendered (${errorMessage(failure)}); this is its static title` } };
    }
  };

  const fetchEntry = async (entry: Entry): Promise<void> => {
    const fetched = await fetcher.fetch(entry);
    let record = fetched?.record ?? null;
    if (fetched !== null && record !== null && init.renderer !== undefined) {
      const reason = renderReason(options.render, { status: record.status, html: record.error === null, failed: record.error !== null, title: record.title, bodySignal: fetched.bodySignal });
      if (reason !== null) record = await renderRecord(record);
    }
    if (record !== null) emit(record);
  };

  const readInput = async (): Promise<void> => {
    const source = init.lines;
    const iterator: AsyncIterator<string> | Iterator<string> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    // Cancel wakes a wait for room and ends a wait for input (a terminal's stdin may never send more).
    // (No Promise.race against one long-lived promise: every race would leave a reaction on it.)
    const onCancel = (): void => {
      roomWaiter?.();
      void (iterator.return?.() as Promise<unknown> | undefined)?.catch?.(() => undefined);
    };
    cancel.signal.addEventListener('abort', onCancel, { once: true });
    let sinceYield = 0;
    try {
      while (!cancel.signal.aborted) {
        if (!wantsInput()) await new Promise<void>((resolve) => (roomWaiter = resolve));
        if (cancel.signal.aborted) break;
        const next = await iterator.next();
        if (next.done === true || cancel.signal.aborted) break;
        // Reading ahead (and starting requests) is work too: let the event loop breathe every few dozen lines.
        if (++sinceYield >= 64) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        const item = indexer.next(String(next.value));
        if (item.kind !== 'entry') continue;
        const { index, parsed } = item;
        total = index + 1;
        if (init.skip?.(index, parsed.line) === true) {
          done += 1;
          continue;
        }
        if (parsed.kind === 'invalid') {
          emit(invalidEntryRecord(index, parsed.line, parsed.reason));
          continue;
        }
        const entry: Entry = { index, line: parsed.line, url: parsed.url, host: parsed.host };
        outstanding += 1;
        void fetchEntry(entry).finally(finishOne);
      }
    } finally {
      cancel.signal.removeEventListener('abort', onCancel);
      inputDone = true;
    }
  };

  const progress = (): TitlesProgress => {
    const now = performance.now();
    const elapsedMs = now - startedAt;
    const slot = Math.floor(now / rateBucketMs);
    let recent = 0;
    for (let i = 0; i < rateBuckets; i += 1) if (slot - (rateSlots[i] ?? -1) < rateBuckets) recent += rateCounts[i] ?? 0;
    const windowMs = Math.min(rateBuckets * rateBucketMs, Math.max(elapsedMs, 1));
    const rate = (recent * 1000) / windowMs;
    const remaining = total - done;
    return {
      total,
      inputDone,
      done,
      failed,
      inFlight: scheduler.inFlight,
      rate,
      etaMs: inputDone && remaining === 0 ? 0 : inputDone && rate > 0 ? Math.round((remaining / rate) * 1000) : null,
      elapsedMs: Math.round(elapsedMs),
      duplicates: indexer.duplicates,
      paused: scheduler.paused,
    };
  };

  const run = async (): Promise<TitlesSummary> => {
    try {
      await readInput();
      if (outstanding > 0) await new Promise<void>((resolve) => (allSettled = resolve));
    } catch (error) {
      // The input itself failed (an unreadable stream): stop the run, keep what was done.
      process.emitWarning(`titles: reading the input failed: ${errorMessage(error)}`);
      cancel.abort(error);
      inputDone = true;
      if (outstanding > 0) await new Promise<void>((resolve) => (allSettled = resolve));
    }
    loopDelay.disable();
    init.signal?.removeEventListener('abort', onCallerAbort);
    const summary: TitlesSummary = {
      ...progress(),
      inFlight: 0,
      cancelled: cancel.signal.aborted,
      eventLoopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - loopDelayResolutionMs),
    };
    await fetcher.close();
    // The browser closes in the background: the run is over for the user once its last record is out.
    if (rendererReady !== null) void rendererReady.then((renderer) => renderer?.close()).catch(() => undefined);
    return summary;
  };

  return {
    pause: () => {
      scheduler.pause();
      renderPause.abort(new Error('paused'));
    },
    resume: () => {
      if (renderPause.signal.aborted) renderPause = new AbortController();
      scheduler.resume();
    },
    progress,
    done: run(),
  };
}
