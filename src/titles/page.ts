/**
 * Reads a response body (already decompressed) piece by piece and says, as early as it can, what a browser would
 * show: is it HTML, which encoding and where that came from, the title and the head's metadata. It asks for no more
 * bytes once the answer is known, and never takes more than `maxBytes`.
 *
 * Taking bytes (`push`) and parsing them (`work`) are separate, so the caller can parse a big backlog — the bytes
 * held while a <meta> charset is looked for — a slice at a time between event-loop turns. `end()` parses whatever
 * is left at once.
 */
import { TextDecoder } from '@exodus/bytes/encoding.js';
import { bomEncoding, encodingForLabel, isUnknownType, MetaCharsetScanner, sniffLength, sniffsAsHtml, type ContentType } from './charset.js';
import { HeadParser, type HeadInfo } from './head-parser.js';
import { findBodySignal, type BodySignal } from './render/body-signals.js';
import type { EncodingSource } from './types.js';

/** The encoding of a page that declares none (the HTML standard's default for most locales). */
export const defaultEncoding = 'windows-1252';

export interface PageResult extends HeadInfo {
  /** False when the body turned out not to be HTML (sniffed, because no usable Content-Type was given). */
  html: boolean;
  encoding: string | null;
  encodingSource: EncodingSource | null;
  /**
   * Why reading stopped before the answer was known: `bytes` when `maxBytes` was reached, `nesting` when the markup
   * was nested too deep to go on (head-parser's maxDepth); null when the answer is complete.
   */
  cappedBy: 'bytes' | 'nesting' | null;
  /** A complete <title> element had been read (its end tag too) when reading stopped. */
  titleRead: boolean;
  /** Render mode's sign that the static title may not be the real one (render/body-signals.ts); null when none was looked for or found. */
  bodySignal: BodySignal | null;
}

/**
 * sniff: is it HTML; scan: which encoding; parse: the head; signals: the answer is known, and the page's first bytes
 * are kept for render mode's body signals; done.
 */
type Phase = 'sniff' | 'scan' | 'parse' | 'signals' | 'done';

/**
 * Bytes decoded and parsed at a time. Parsing stops as soon as the head is read, so the rest of a big network chunk
 * (a whole page, often) is never decoded to a string.
 */
const PARSE_STEP = 8192;

function joined(chunks: Uint8Array[], length: number): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, length);
}

export class PageReader {
  /** Bytes taken so far (decompressed). */
  bytes = 0;
  #phase: Phase;
  #capped = false;
  #inputEnded = false;
  #notHtml = false;
  /** Bytes held back while the page is sniffed or its encoding is not decided yet. */
  #held: Uint8Array[] = [];
  #heldLength = 0;
  /** Bytes waiting to be decoded and parsed (the encoding is known). */
  #queue: Uint8Array[] = [];
  #queueHead = 0;
  #queued = 0;
  #encoding: string | null = null;
  #source: EncodingSource | null = null;
  #bomChecked = false;
  #scanner: MetaCharsetScanner | null = null;
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  /** The "replacement" encoding decodes any non-empty body to one U+FFFD. */
  #replacementEmitted = false;
  readonly #parser: HeadParser;
  readonly #httpEncoding: string | null;
  readonly #unknownType: boolean;
  /** The page's first bytes, as taken (views, not copies), while they may be needed for body signals; else null. */
  #kept: Uint8Array[] | null = null;
  #keptLength = 0;
  readonly #signalBytes: number;
  #bodySignal: BodySignal | null = null;

  /**
   * `signalBytes`: look for render mode's body signals in the first that many bytes, when the head holds a script
   * (0: never; the reader then reads no further than the answer needs).
   */
  constructor(
    url: string,
    contentType: ContentType | null,
    private readonly maxBytes: number,
    signalBytes = 0,
  ) {
    // Never more than the page's cap.
    this.#signalBytes = Math.min(signalBytes, maxBytes);
    if (this.#signalBytes > 0) this.#kept = [];
    this.#parser = new HeadParser(url);
    this.#unknownType = isUnknownType(contentType);
    const charset = contentType?.charset ?? null;
    this.#httpEncoding = charset === null ? null : encodingForLabel(charset);
    this.#phase = this.#unknownType ? 'sniff' : 'scan';
  }

  /** Whether the reader wants more of the body. */
  get wantsMore(): boolean {
    return this.#phase !== 'done' && !this.#inputEnded;
  }

  /** The answer is known and the reader only collects the page's first bytes for body signals: no parse turn needed. */
  get collecting(): boolean {
    return this.#phase === 'signals' && !this.#inputEnded;
  }

  /** The answer (HTML or not, encoding, title, metadata) still needs bytes: `wantsMore`, less body-signal collecting. */
  get answerPending(): boolean {
    return this.wantsMore && this.#phase !== 'signals';
  }

  /** Bytes taken but not parsed yet (see `work`). */
  get backlog(): number {
    return this.#phase === 'done' ? 0 : this.#queued;
  }

  /** Take a piece of the body, and parse it unless `parse` is false (then `work` parses it). */
  push(chunk: Uint8Array, parse = true): void {
    if (!this.wantsMore || chunk.length === 0) return;
    if (this.#phase === 'signals') {
      if (chunk.length > this.#signalBytes - this.bytes) chunk = chunk.subarray(0, this.#signalBytes - this.bytes);
      this.bytes += chunk.length;
      this.#keep(chunk);
      if (this.bytes >= this.#signalBytes) this.#phase = 'done';
      return;
    }
    const room = this.maxBytes - this.bytes;
    if (chunk.length >= room) {
      chunk = chunk.subarray(0, room);
      this.#capped = true;
    }
    this.bytes += chunk.length;
    if (this.#kept !== null) this.#keep(chunk);
    this.#take(chunk, false);
    if (this.#capped) this.endInput();
    if (parse) this.work(Infinity);
  }

  /** A complete <title> element has been read (see PageResult.titleRead). */
  get titleRead(): boolean {
    return this.#parser.titleRead;
  }

  /** Stop taking bytes as if `maxBytes` had been reached (the caller read as much as it will). */
  cap(): void {
    if (!this.wantsMore) return;
    this.#capped = true;
    this.endInput();
  }

  /** No more bytes will come (the body ended, or the cap was reached): the encoding is decided with what arrived. */
  endInput(): void {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    if (this.#phase === 'sniff' || this.#phase === 'scan') this.#take(new Uint8Array(0), true);
  }

  /** Parse up to `budget` bytes of the backlog, PARSE_STEP at a time. */
  work(budget: number): void {
    while (this.#phase === 'parse' && this.#queued > 0 && budget > 0) {
      const chunk = this.#queue[this.#queueHead] as Uint8Array;
      const step = Math.min(budget, PARSE_STEP);
      let piece = chunk;
      if (chunk.length > step) {
        piece = chunk.subarray(0, step);
        this.#queue[this.#queueHead] = chunk.subarray(step);
      } else {
        this.#queue[this.#queueHead] = undefined as unknown as Uint8Array;
        this.#queueHead += 1;
        if (this.#queueHead === this.#queue.length) {
          this.#queue = [];
          this.#queueHead = 0;
        }
      }
      this.#queued -= piece.length;
      budget -= piece.length;
      this.#parse(piece);
    }
  }

  /** The body ended (or will not be read further): settle everything with what arrived. */
  end(): PageResult {
    this.endInput();
    this.work(Infinity);
    if (this.#phase === 'parse') {
      // Flush what the decoder holds (an incomplete sequence becomes U+FFFD), then end of file.
      const rest = this.#decoder === null ? '' : this.#decoder.decode(new Uint8Array(0), { stream: false });
      if (rest !== '') this.#parser.write(rest);
    }
    this.#phase = 'done';
    this.#queue = [];
    this.#queued = 0;
    if (!this.#notHtml) this.#parser.end();
    if (this.#kept !== null) {
      if (!this.#notHtml && this.#parser.sawScript && this.#encoding !== null) this.#bodySignal = findBodySignal(joined(this.#kept, this.#keptLength), this.#encoding);
      this.#kept = null;
    }
    const cappedBy = this.#parser.complete ? null : this.#parser.overflowed ? 'nesting' : this.#capped ? 'bytes' : null;
    // An empty body of unknown type is an empty page, not a non-HTML resource.
    if ((this.bytes === 0 && this.#unknownType) || this.#notHtml) {
      const html = this.bytes === 0 && this.#unknownType;
      return { html, encoding: null, encodingSource: null, cappedBy: html ? null : cappedBy, titleRead: false, bodySignal: null, title: null, ogTitle: null, description: null, canonical: null, lang: null };
    }
    return { html: true, encoding: this.#encoding, encodingSource: this.#source, cappedBy, titleRead: this.#parser.titleRead, bodySignal: this.#bodySignal, ...this.#parser.result() };
  }

  #take(chunk: Uint8Array, last: boolean): void {
    if (this.#phase === 'parse') {
      if (chunk.length > 0) this.#enqueue(chunk);
      return;
    }
    if (this.#phase === 'done') return;
    if (chunk.length > 0) {
      this.#held.push(chunk);
      this.#heldLength += chunk.length;
    }
    if (this.#phase === 'sniff') {
      if (this.#heldLength < sniffLength && !last) return;
      if (!sniffsAsHtml(joined(this.#held, this.#heldLength))) {
        this.#notHtml = true;
        this.#phase = 'done';
        this.#held = [];
        return;
      }
      this.#phase = 'scan';
    }
    if (!this.#decideEncoding(chunk, last)) return;
    this.#phase = 'parse';
    for (const held of this.#held) this.#enqueue(held);
    this.#held = [];
    this.#heldLength = 0;
  }

  #keep(chunk: Uint8Array): void {
    const kept = this.#kept as Uint8Array[];
    const room = this.#signalBytes - this.#keptLength;
    if (room <= 0) return;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#keptLength += piece.length;
    // Pieces are mostly slices of one network chunk, one after the other: one view of them all, so no copy is made.
    const last = kept[kept.length - 1];
    if (last !== undefined && last.buffer === piece.buffer && last.byteOffset + last.byteLength === piece.byteOffset) kept[kept.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + piece.byteLength);
    else kept.push(piece);
  }

  #enqueue(chunk: Uint8Array): void {
    this.#queue.push(chunk);
    this.#queued += chunk.length;
  }

  /** BOM, then the HTTP charset, then a <meta> declaration, then the default. True once decided. */
  #decideEncoding(chunk: Uint8Array, last: boolean): boolean {
    if (this.#encoding !== null) return true;
    if (!this.#bomChecked) {
      if (this.#heldLength < 3 && !last) return false;
      this.#bomChecked = true;
      const all = joined(this.#held, this.#heldLength);
      this.#held = all.length > 0 ? [all] : [];
      const bom = bomEncoding(all.subarray(0, 3));
      if (bom !== null) return this.#decided(bom.encoding, 'bom');
      if (this.#httpEncoding !== null) return this.#decided(this.#httpEncoding, 'http');
      this.#scanner = new MetaCharsetScanner();
      this.#scanner.write(all, last);
    } else {
      this.#scanner?.write(chunk, last);
    }
    if (this.#scanner?.encoding != null) return this.#decided(this.#scanner.encoding, 'meta');
    if (this.#scanner?.done === true || last) return this.#decided(defaultEncoding, 'default');
    return false;
  }

  #decided(encoding: string, source: EncodingSource): true {
    this.#encoding = encoding;
    this.#source = source;
    this.#scanner = null;
    if (encoding !== 'replacement') this.#decoder = new TextDecoder(encoding);
    return true;
  }

  #parse(bytes: Uint8Array): void {
    let text: string;
    if (this.#decoder === null) {
      text = !this.#replacementEmitted && bytes.length > 0 ? '\uFFFD' : '';
      if (text !== '') this.#replacementEmitted = true;
    } else {
      text = this.#decoder.decode(bytes, { stream: true });
    }
    if (text !== '') this.#parser.write(text);
    if (this.#parser.complete || this.#parser.overflowed) {
      this.#queue = [];
      this.#queued = 0;
      // A page whose head holds no script gives no body signal (render/body-signals.ts): its bytes are let go.
      if (this.#kept !== null && !this.#parser.sawScript) this.#kept = null;
      this.#phase = this.#kept !== null && this.#parser.complete && !this.#inputEnded && this.bytes < this.#signalBytes ? 'signals' : 'done';
    }
  }
}
