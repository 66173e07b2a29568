/**
 * One attempt at one URL: request, follow redirects by hand, decompress within a cap, and feed the body to a
 * PageReader until it knows the answer; all under one deadline that also ends bodies that drip forever, and parsing
 * that takes too long.
 * Requests go through undici's dispatch API: no stream per response, which matters at thousands a second.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import type { Dispatcher } from 'undici';
import { isHtmlType, isUnknownType, parseContentType } from './charset.js';
import { classifyNetworkError, failure, isRetryableStatus, parseRetryAfter, type Failure } from './errors.js';
import { maxDepth } from './head-parser.js';
import { PageReader, type PageResult } from './page.js';
import { redirectStatuses, redirectTarget } from './redirects.js';
import type { RedirectHop, TitlesOptions } from './types.js';
import { toError } from '../errors.js';

/** After the answer is known, read up to this much more so the connection can be reused; beyond it, close it. */
const drainLimit = 64 * 1024;
/**
 * How long after the answer is known the first bytes of a page are still waited for, for render mode's body signals:
 * a body that streams slowly (or stalls) is looked through as far as it came, and its record is not held up longer.
 */
const signalWaitMs = 500;
/** Parse at most this much of a body at a time, so a big head or a long search for a title never blocks the loop. */
const sliceBytes = 16 * 1024;
/** Parsing done back to back by all attempts together, at most, before the event loop gets a turn. */
const turnBudgetMs = 8;
/** A pause in parsing this long means the loop had its turn: the budget starts afresh. */
const idleGapMs = 1;
/** Content codings undone at most ("gzip, gzip, ..." a thousand times would be a thousand inflaters). */
const maxCodings = 4;

interface Waiter {
  deadline: number;
  seq: number;
  resolve: () => void;
}

const before = (a: Waiter, b: Waiter): boolean => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);

/**
 * Parsing turns shared by every attempt in the process: one slice at a time, and at most `turnBudgetMs` of them back
 * to back before the event loop gets a turn (setImmediate). Yielding with one setImmediate per attempt would not do:
 * all the attempts waiting run in the same loop turn, so 64 pages each parsing a slice would hold the loop 64 slices
 * long. After a pause in parsing (`idleGapMs` with no slice), the budget starts afresh.
 *
 * Waiting slices go earliest deadline first (attempts started at the same time: in the order they asked). Taking
 * turns round the attempts would be fairer but worse: when there is more parsing than time (many title-less pages
 * at once on a busy machine), every page would miss its deadline together; this way they finish one after another.
 */
class ParseTurns {
  /** A binary min-heap on (deadline, seq). */
  readonly #waiting: Waiter[] = [];
  #seq = 0;
  #busy = false;
  #turnStartedAt = -Infinity;
  #lastSliceEndedAt = -Infinity;
  #scheduled = false;

  /** Wait until this caller may parse one slice (null: at once); call `done()` right after the slice. */
  take(deadline: number): Promise<void> | null {
    if (!this.#busy && this.#waiting.length === 0) {
      const now = performance.now();
      if (now - this.#lastSliceEndedAt > idleGapMs) this.#turnStartedAt = now;
      if (now - this.#turnStartedAt < turnBudgetMs) {
        this.#busy = true;
        return null;
      }
    }
    const turn = new Promise<void>((resolve) => this.#push({ deadline, seq: this.#seq++, resolve }));
    if (!this.#busy) this.#next();
    return turn;
  }

  done(): void {
    this.#busy = false;
    this.#lastSliceEndedAt = performance.now();
    this.#next();
  }

  #next(): void {
    if (this.#waiting.length === 0) return;
    if (performance.now() - this.#turnStartedAt < turnBudgetMs) {
      this.#busy = true;
      this.#pop().resolve();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#turnStartedAt = performance.now();
        if (!this.#busy) this.#next();
      });
    }
  }

  #push(waiter: Waiter): void {
    const heap = this.#waiting;
    let i = heap.push(waiter) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(waiter, heap[parent] as Waiter)) break;
      heap[i] = heap[parent] as Waiter;
      i = parent;
    }
    heap[i] = waiter;
  }

  #pop(): Waiter {
    const heap = this.#waiting;
    const top = heap[0] as Waiter;
    const last = heap.pop() as Waiter;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right] as Waiter, heap[left] as Waiter) ? right : left;
        if (!before(heap[child] as Waiter, last)) break;
        heap[i] = heap[child] as Waiter;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

const parseTurns = new ParseTurns();

/**
 * Give the reader body bytes in slices (1, 2, 4, 8, then 16 KiB: most heads end in the first few KiB, and what the
 * reader never sees is never decoded), each in a parse turn, until the reader knows the answer or the attempt is
 * aborted (the caller then sees `control.reason`).
 */
async function feed(reader: PageReader, bytes: Uint8Array, control: AttemptControl): Promise<void> {
  let size = reader.bytes === 0 ? 1024 : sliceBytes;
  let offset = 0;
  while ((offset < bytes.length && reader.wantsMore) || reader.backlog > 0) {
    if (reader.collecting) {
      // The answer is known: the rest is only kept for body signals (no parsing, so no parse turn).
      reader.push(bytes.subarray(offset));
      return;
    }
    const turn = parseTurns.take(control.deadline);
    if (turn !== null) await turn;
    try {
      if (control.reason !== null) return;
      // Bytes held back while the encoding was decided are parsed first, a slice per turn.
      if (reader.backlog === 0) {
        reader.push(bytes.subarray(offset, offset + size), false);
        offset += size;
        size = Math.min(size * 2, sliceBytes);
      }
      reader.work(sliceBytes);
    } finally {
      parseTurns.done();
    }
  }
}

/** A zlib stream starts with a CMF/FLG pair: deflate, a window of at most 32 KiB, and a multiple of 31. */
function hasZlibHeader(head: Uint8Array): boolean {
  const cmf = head[0] as number;
  const flg = head[1] as number;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * `Content-Encoding: deflate` means a zlib stream, but many servers send raw deflate, and browsers accept both. Node
 * has no inflater that detects which (createUnzip tells gzip from zlib, not zlib from raw), so this one looks at the
 * first two bytes and hands the body to the right one; output goes on only while it is read (backpressure), so the
 * cap on inflated bytes works as for the other codings.
 */
class DeflateDecoder extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | null = null;
  #head: Buffer | null = null;

  constructor(private readonly zlibOptions: zlib.ZlibOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#inner === null) {
      const head = this.#head === null ? chunk : Buffer.concat([this.#head, chunk]);
      if (head.length < 2) {
        this.#head = head;
        callback();
        return;
      }
      this.#head = null;
      this.#start(hasZlibHeader(head));
      chunk = head;
    }
    (this.#inner as zlib.Inflate).write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    // One byte (or none) can only be the start of a raw stream; let the inflater say what it makes of it.
    if (this.#inner === null && this.#head === null) return callback();
    if (this.#inner === null) {
      this.#start(false);
      (this.#inner as unknown as zlib.InflateRaw).write(this.#head as Buffer);
    }
    const inner = this.#inner as zlib.Inflate;
    inner.once('end', () => callback());
    inner.end();
  }

  override _read(size: number): void {
    this.#inner?.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#inner?.destroy();
    callback(error);
  }

  #start(zlibWrapped: boolean): void {
    const inner = zlibWrapped ? zlib.createInflate(this.zlibOptions) : zlib.createInflateRaw(this.zlibOptions);
    inner.on('data', (out: Buffer) => {
      if (!this.push(out)) inner.pause();
    });
    inner.on('error', (error) => this.destroy(error));
    this.#inner = inner;
  }
}

export interface AttemptContext {
  dispatcher: Dispatcher;
  options: TitlesOptions;
  /** Request headers, flat: [name, value, ...]. */
  headers: string[];
  /** The same without credentials (Authorization, Cookie, Proxy-Authorization): sent after a redirect to another origin. */
  crossOriginHeaders: string[];
  /** Bytes of a page, from its first, kept for render mode's body signals when its head holds a script; 0: none. */
  signalBytes: number;
  /**
   * Before every redirect: move the slot this request holds to the next hop's host, or, on the same host, wait for
   * its pacing (requests per second); false when the run is closing.
   */
  moveHost(from: string, to: string): Promise<boolean>;
  /** Give back a slot on `host` (one a redirect waited for after its attempt had ended). */
  releaseHost(host: string): void;
  /**
   * Give back the slot on `host` of a request whose whole body is in hand, before it is parsed, so the next request
   * starts at once; false (keep the slot) when `earlyReleaseDone` is owed for as many as the pool has slots already,
   * which bounds the bodies held this way. Call `earlyReleaseDone` when such an attempt ends.
   */
  releaseEarly(host: string): boolean;
  earlyReleaseDone(): void;
  /** The request granted on `host` was written to the wire (`sent`), or ended without being written (pacing). */
  requestWritten?(host: string, sent: boolean): void;
  /** robots.txt, when respected: null when `url` may be fetched (a redirect's target), else the failure to record. */
  robotsCheck?(url: string, host: string): Promise<Failure | null | 'cancelled'>;
  /** Requests go through a proxy: a 407 answer is the proxy's, not the site's. */
  proxied?: boolean;
}

export interface AttemptResult {
  finalUrl: string;
  status: number | null;
  contentType: string | null;
  redirects: RedirectHop[];
  /** Body bytes read from the network, as on the wire. */
  bytes: number;
  page: PageResult | null;
  error: Failure | null;
  /** What the server asked for with Retry-After, in milliseconds. */
  retryAfterMs: number | null;
  /** The host whose slot this request holds now (redirects move it); null when the slot was already given back. */
  host: string | null;
  /** The run was cancelled during the attempt: no record. */
  cancelled: boolean;
}

/** The abort reason when the whole-request deadline passes (made only then: an Error costs a stack trace). */
class Deadline extends Error {}
/** The abort reason when we close a connection rather than read the rest of a body we do not need (one instance:
 * it is made once, not per request). */
class Dropped extends Error {}
const dropped = new Dropped('body not needed');
/** Above this much unread body, the connection stops reading until we catch up. */
const queueHighWater = 1024 * 1024;
const checkPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A body received whole gives its slot back before it is parsed if it is at most this big (see releaseEarly). */
const earlyReleaseMaxBytes = 256 * 1024;

/** No Content-Encoding (most pages): no decoders, and nothing to split per response. */
const noDecoders: Transform[] = [];

function decodersFor(contentEncoding: string | string[] | undefined): Transform[] | Failure {
  if (contentEncoding === undefined) return noDecoders;
  const header = Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '');
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > maxCodings) return failure('PROTOCOL', `${codings.length} content codings (at most ${maxCodings} are undone)`);
  const decoders: Transform[] = [];
  // Codings are listed in the order they were applied: undo them last to first.
  for (const coding of codings.reverse()) {
    // Inflated pieces of sliceBytes reach the parser a slice at a time.
    const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: sliceBytes };
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createUnzip(flush));
    else if (coding === 'deflate') decoders.push(new DeflateDecoder(flush));
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, chunkSize: sliceBytes }));
    else return failure('PROTOCOL', `unsupported Content-Encoding "${coding}"`);
  }
  return decoders;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One HTTP request and its response: headers arrive as a promise, the body as chunks read with `next()` (null at
 * the end), with the connection paused while too much is unread.
 */
class Exchange implements Dispatcher.DispatchHandler {
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly started: Promise<void>;
  /** Called when the exchange fails, so a wait on something else (a decoder) ends too. */
  onFailure: (() => void) | null = null;
  /** Told once whether the request was written to the wire (true) or ended without being written (false). */
  onWritten: ((sent: boolean) => void) | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #abortReason: Error | null = null;
  #error: Error | null = null;
  #ended = false;
  #queue: Buffer[] = [];
  #queued = 0;
  #paused = false;
  #waiter: { resolve: (chunk: Buffer | null) => void; reject: (error: Error) => void } | null = null;
  #start: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor() {
    this.started = new Promise<void>((resolve, reject) => (this.#start = { resolve, reject }));
  }

  get failed(): boolean {
    return this.#error !== null;
  }

  /** `next()` answers at once: a chunk is queued, or the response has ended or failed. */
  get ready(): boolean {
    return this.#queue.length > 0 || this.#ended || this.#error !== null;
  }

  /** The response has ended and every body chunk has been taken with `next()`. */
  get received(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // undici calls this right before it writes the request.
    this.#reportWritten(this.#abortReason === null);
    if (this.#abortReason !== null) controller.abort(this.#abortReason);
  }

  #reportWritten(sent: boolean): void {
    const report = this.onWritten;
    this.onWritten = null;
    report?.(sent);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // informational answers come before the real one
    this.status = status;
    this.headers = headers;
    this.#start?.resolve();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#waiter !== null) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > queueHighWater && !this.#paused) {
      this.#paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#waiter?.resolve(null);
    this.#waiter = null;
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#reportWritten(false);
    this.#error = error;
    this.#start?.reject(error);
    this.#waiter?.reject(error);
    this.#waiter = null;
    this.onFailure?.();
  }

  /** The next body chunk, or null at the end. */
  next(): Promise<Buffer | null> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queued -= chunk.length;
      if (this.#paused && this.#queued < queueHighWater / 4) {
        this.#paused = false;
        this.#controller?.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  abort(reason: Error): void {
    if (this.#ended || this.#error !== null) return;
    this.#abortReason ??= reason;
    // Not started yet: it never will be (onRequestStart aborts it).
    if (this.#controller === null) this.#reportWritten(false);
    this.#controller?.abort(reason);
  }
}

/** Resolve when `stream` emits one of `events`, or when the exchange fails. */
function settle(stream: NodeJS.EventEmitter, events: string[], exchange: Exchange): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) stream.off(event, done);
      exchange.onFailure = null;
      resolve();
    };
    for (const event of events) stream.on(event, done);
    exchange.onFailure = done;
    if (exchange.failed) done();
  });
}

/** What aborts an attempt: the exchange in progress, and any started later. */
export class AttemptControl {
  reason: Error | null = null;
  /** When the attempt's deadline passes (performance.now() time): parse turns go earliest deadline first. */
  deadline = Infinity;
  current: Exchange | null = null;
  /** Called once on abort (a wait that is not an exchange: a slot on another host). */
  onAbort: (() => void) | null = null;
  /** The final response's body is in hand, unparsed, and is `bytes` long: give the slot back early if allowed. */
  bodyReceived: ((bytes: number) => Promise<void>) | null = null;
  abort(reason: Error): void {
    this.reason ??= reason;
    this.current?.abort(reason);
    const onAbort = this.onAbort;
    this.onAbort = null;
    onAbort?.();
  }

  /** `promise`'s value, or `aborted` if the attempt is aborted first. */
  race<T>(promise: Promise<T>): Promise<T | typeof aborted> {
    if (this.reason !== null) return Promise.resolve(aborted);
    return new Promise((resolve, reject) => {
      this.onAbort = () => resolve(aborted);
      promise.then(
        (value) => {
          this.onAbort = null;
          resolve(value);
        },
        (error: unknown) => {
          this.onAbort = null;
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

const aborted = Symbol('aborted');
const late = Symbol('late');

/**
 * The attempts in flight, aborted together on cancel (one listener on the run's signal for all of them: adding and
 * removing a listener per request costs a lot at thousands of requests a second).
 */
export class AttemptGroup {
  readonly #active = new Set<AttemptControl>();
  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => {
      for (const attempt of this.#active) attempt.abort(new Error('cancelled'));
    });
  }
  add(attempt: AttemptControl): void {
    if (this.signal.aborted) attempt.abort(new Error('cancelled'));
    else this.#active.add(attempt);
  }
  delete(attempt: AttemptControl): void {
    this.#active.delete(attempt);
  }
}

function dispatch(ctx: AttemptContext, url: string, host: string, control: AttemptControl, headers: string[]): Exchange {
  const exchange = new Exchange();
  const requestWritten = ctx.requestWritten;
  if (requestWritten !== undefined) exchange.onWritten = (sent) => requestWritten(host, sent);
  control.current = exchange;
  if (control.reason !== null) exchange.abort(control.reason);
  // url is a normalised href: scheme://host[:port]/path?query. Split it without parsing it again, unless it carries
  // user info (which is not part of the origin).
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  const authority = url.slice(0, pathStart);
  const target = authority.includes('@') ? new URL(url) : null;
  try {
    ctx.dispatcher.dispatch(
      {
        origin: target?.origin ?? authority,
        path: target === null ? url.slice(pathStart) : `${target.pathname}${target.search}`,
        method: 'GET',
        headers,
        // Our own deadline covers the whole request; undici's per-request timers would only add work.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      exchange,
    );
  } catch (error) {
    // A dispatcher that refuses the request at once (a proxy agent's checks) fails it like any other error.
    exchange.onResponseError(null as unknown as Dispatcher.DispatchController, toError(error));
  }
  return exchange;
}

/**
 * One attempt at `url`. `final` says no retry can follow: a 5xx or 429 answer is then read like any other; otherwise
 * its body is not read at all (the status alone decides that the request is tried again).
 */
export async function runAttempt(url: string, host: string, ctx: AttemptContext, group: AttemptGroup, final = true): Promise<AttemptResult> {
  const { options } = ctx;
  const result: AttemptResult = { finalUrl: url, status: null, contentType: null, redirects: [], bytes: 0, page: null, error: null, retryAfterMs: null, host, cancelled: false };
  const control = new AttemptControl();
  control.deadline = performance.now() + options.timeoutMs;
  const timer = setTimeout(() => control.abort(new Deadline()), options.timeoutMs);
  group.add(control);
  let releasedEarly = false;
  control.bodyReceived = async (bytes) => {
    if (releasedEarly || result.host === null || bytes > earlyReleaseMaxBytes || !ctx.releaseEarly(result.host)) return;
    releasedEarly = true;
    result.host = null;
    // undici writes the request this slot starts from a setImmediate (it first makes sure an idle keep-alive socket
    // got no unsolicited bytes), and one more when it reuses the connection that just finished (a full loop turn
    // before reuse): parse after those, two check phases on, not ahead of them.
    await checkPhase();
    await checkPhase();
  };
  // Made on the first redirect: most requests have none.
  let visited: Set<string> | null = null;
  let currentUrl = url;
  let headers = ctx.headers;
  let reader: PageReader | null = null;

  try {
    for (;;) {
      const response = dispatch(ctx, currentUrl, result.host ?? host, control, headers);
      await response.started;
      result.finalUrl = currentUrl;
      result.status = response.status;
      const responseHeaders = response.headers;
      if (ctx.proxied === true && response.status === 407) {
        // A proxy that forwards plain http answers 407 itself when it wants credentials.
        await drain(response, responseHeaders['content-length'], result);
        result.error = failure('PROXY', 'the proxy refused the request: it wants credentials (407 Proxy Authentication Required)');
        return result;
      }
      const location = headerValue(responseHeaders.location);
      if (redirectStatuses.has(response.status) && location !== undefined) {
        await drain(response, responseHeaders['content-length'], result);
        result.redirects.push({ url: currentUrl, status: response.status });
        const next = redirectTarget(location, currentUrl);
        if (!(next instanceof URL)) {
          result.error = next;
          return result;
        }
        visited ??= new Set([url]);
        if (visited.has(next.href)) {
          result.finalUrl = next.href;
          result.error = failure('REDIRECT_LOOP', `redirect loop: ${next.href} was already visited`);
          return result;
        }
        if (result.redirects.length > options.maxRedirects) {
          result.finalUrl = next.href;
          result.error = failure('TOO_MANY_REDIRECTS', `more than ${options.maxRedirects} redirects`);
          return result;
        }
        visited.add(next.href);
        // Credentials go to the origin they were given for only (scheme, host and port), and once dropped stay dropped.
        if (headers !== ctx.crossOriginHeaders && next.origin !== new URL(currentUrl).origin) headers = ctx.crossOriginHeaders;
        // Every hop moves the slot: to the next host, or on the same host it waits for the host's pace (--rate).
        if (result.host !== null) {
          const from = result.host;
          const to = next.host;
          const move = ctx.moveHost(from, to);
          const moved = await control.race(move);
          if (moved === aborted) {
            // The deadline (or cancel) came while waiting for a slot or the pace: give the slot back when it comes,
            // and the pace's grant with it (that request is never written).
            result.host = null;
            void move.then((granted) => {
              if (!granted) return;
              ctx.requestWritten?.(to, false);
              ctx.releaseHost(to);
            });
            throw control.reason;
          }
          result.host = moved ? to : null;
          if (!moved) {
            result.cancelled = true;
            return result;
          }
        }
        const blocked = ctx.robotsCheck === undefined || result.host === null ? null : await ctx.robotsCheck(next.href, result.host);
        if (blocked === 'cancelled') {
          // The run is closing; the check gave the slot back.
          result.host = null;
          result.cancelled = true;
          return result;
        }
        if (blocked !== null) {
          result.finalUrl = next.href;
          result.error = blocked;
          return result;
        }
        currentUrl = next.href;
        continue;
      }

      // The status decides a retry before the content type is even looked at.
      if (isRetryableStatus(response.status)) {
        result.retryAfterMs = parseRetryAfter(responseHeaders['retry-after']);
        if (!final) {
          await drain(response, responseHeaders['content-length'], result);
          return result;
        }
      }
      const contentType = parseContentType(responseHeaders['content-type']);
      result.contentType = contentType?.raw ?? null;
      if (contentType !== null && !isUnknownType(contentType) && !isHtmlType(contentType.essence ?? '')) {
        await drain(response, responseHeaders['content-length'], result);
        result.error = failure('NOT_HTML', `not an HTML page (${contentType.essence})`);
        return result;
      }
      const decoders = decodersFor(responseHeaders['content-encoding']);
      if (!Array.isArray(decoders)) {
        response.abort(dropped);
        result.error = decoders;
        return result;
      }
      reader = new PageReader(currentUrl, contentType, options.maxBodyBytes, ctx.signalBytes);
      await readBody(response, decoders, reader, responseHeaders['content-length'], result, control, options.maxBodyBytes);
      const page = reader.end();
      result.page = page;
      if (!page.html) result.error = failure('NOT_HTML', 'not an HTML page (no Content-Type, and the body does not look like HTML)');
      else if (page.cappedBy === 'bytes' && page.title === null) result.error = failure('TOO_LARGE', `no title in the first ${Math.round(options.maxBodyBytes / 1024)} KiB`);
      else if (page.cappedBy === 'nesting' && page.title === null) result.error = failure('TOO_LARGE', `no title before the markup nested more than ${maxDepth} elements deep`);
      return result;
    }
  } catch (error) {
    if (group.signal.aborted) result.cancelled = true;
    else if (control.reason instanceof Deadline) result.error = failure('TIMEOUT', `no complete answer within ${options.timeoutMs / 1000} s`, true);
    else result.error = classifyNetworkError(error);
    // A body cut short after its </title>: the title a browser would show is known; the record keeps it with the error.
    result.page = reader?.titleRead === true ? reader.end() : null;
    return result;
  } finally {
    clearTimeout(timer);
    group.delete(control);
    if (releasedEarly) ctx.earlyReleaseDone();
    // Nothing of this attempt goes on reading.
    control.current?.abort(dropped);
  }
}

function contentLengthOf(header: string | string[] | undefined): number | null {
  const value = headerValue(header);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/** Read and drop a body we do not need, if it is small (keeps the connection); otherwise close it. */
async function drain(response: Exchange, lengthHeader: string | string[] | undefined, result: AttemptResult): Promise<void> {
  const length = contentLengthOf(lengthHeader);
  if (length === null || length > drainLimit) {
    response.abort(dropped);
    return;
  }
  try {
    for (let chunk = await response.next(); chunk !== null; chunk = await response.next()) result.bytes += chunk.length;
  } catch {
    // A broken body we were going to drop anyway.
  }
}

/**
 * Feed the body (through its decoders, if any) into the reader until the reader knows the answer (and has the page's
 * first bytes for body signals, when it wants them: for at most `signalWaitMs` more), then keep the connection if
 * little is left. At most `maxWireBytes` are read while the answer is unknown (a compressed body that inflates to
 * nothing would otherwise be read forever). Throws network, decoding and abort errors only while the answer is still
 * unknown.
 */
async function readBody(
  response: Exchange,
  decoders: Transform[],
  reader: PageReader,
  lengthHeader: string | string[] | undefined,
  result: AttemptResult,
  control: AttemptControl,
  maxWireBytes: number,
): Promise<void> {
  const length = contentLengthOf(lengthHeader);
  let received = 0;
  let drained = 0;
  let decodeError: unknown = null;
  const first = decoders[0];
  const last = decoders[decoders.length - 1];
  const stopDecoders = (): void => {
    for (const decoder of decoders) decoder.destroy();
  };
  let decoding: Promise<void> | null = null;
  /** When collecting for body signals ends, at the latest (set when the answer becomes known). */
  let collectUntil: number | null = null;
  let collectTimer: NodeJS.Timeout | null = null;
  /** The next body chunk; while collecting for body signals, `late` once the wait is over (collecting then stops). */
  const nextChunk = (): Promise<Buffer | null | typeof late> => {
    if (!reader.collecting) return response.next();
    collectUntil ??= performance.now() + signalWaitMs;
    if (response.ready) return response.next();
    const next = response.next();
    // Settled either way below; a failure after the wait is no one's concern.
    next.catch(() => undefined);
    return Promise.race([
      next,
      new Promise<typeof late>((resolve) => {
        collectTimer = setTimeout(() => resolve(late), Math.max(0, (collectUntil as number) - performance.now()));
      }),
    ]).finally(() => {
      if (collectTimer !== null) clearTimeout(collectTimer);
    });
  };
  if (first !== undefined && last !== undefined) {
    for (let i = 0; i + 1 < decoders.length; i += 1) (decoders[i] as Transform).pipe(decoders[i + 1] as Transform);
    for (const decoder of decoders)
      decoder.on('error', (error: unknown) => {
        decodeError ??= error;
        stopDecoders();
      });
    // Inflated bytes are read as fast as they are parsed, no faster: the inflaters wait (backpressure), so the cap on
    // inflated bytes ends a bomb after that much work and memory.
    decoding = (async () => {
      try {
        for await (const chunk of last as AsyncIterable<Buffer>) {
          await feed(reader, chunk, control);
          if (!reader.wantsMore || control.reason !== null) break;
        }
      } catch {
        // A decoder failed (decodeError says how) or was stopped.
      } finally {
        stopDecoders();
      }
    })();
  }

  try {
    for (let bytes = await nextChunk(); bytes !== null; bytes = await nextChunk()) {
      // After a deadline or a cancel, what was already queued is not read.
      if (control.reason !== null) break;
      if (bytes === late) {
        // Body signals get what came in time; the rest of a slow body is not waited for.
        reader.cap();
        response.abort(dropped);
        break;
      }
      result.bytes += bytes.length;
      received += bytes.length;
      if (reader.wantsMore && decodeError === null) {
        if (first === undefined) {
          // The whole body is here: its slot can start the next request while this one is parsed.
          if (response.received && control.bodyReceived !== null) await control.bodyReceived(received);
          await feed(reader, bytes, control);
        }
        else if (received > maxWireBytes) reader.cap();
        else if (!first.destroyed && !first.write(bytes)) await settle(first, ['drain', 'close', 'error'], response);
        if (reader.wantsMore && decodeError === null) continue;
        if (decodeError !== null && reader.wantsMore) break;
      } else {
        drained += bytes.length;
      }
      // The answer is known: read on only if little is left, so the connection can serve the next request.
      if (length !== null ? length - received > drainLimit : drained > drainLimit) {
        response.abort(dropped);
        break;
      }
    }
    // The body ended: let the decoders finish. Otherwise (the answer is known, the cap was reached, a failure) stop them.
    if (first !== undefined && reader.wantsMore && decodeError === null && !first.destroyed && !response.failed && control.reason === null) first.end();
    else stopDecoders();
    if (decoding !== null) await decoding;
  } catch (error) {
    if (reader.answerPending) throw error;
  } finally {
    if (decoding !== null) {
      stopDecoders();
      await decoding;
    }
  }
  if (control.reason !== null && reader.answerPending) throw control.reason;
  if (decodeError !== null && reader.answerPending) throw decodeError;
  // A body that failed, or was cut, while only its first bytes were being kept for body signals: what came is looked through.
  if (reader.collecting) reader.cap();
}
