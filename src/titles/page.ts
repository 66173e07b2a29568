/**
 * Reads a response body (already decompressed) piece by piece and says, as early as it can, what a browser would
 * show: is it HTML, which encoding and where that came from, the title and the head's metadata. It asks for no more
 * bytes once the answer is known, and never takes more than `maxBytes`.
 */
import { TextDecoder } from '@exodus/bytes/encoding.js';
import { bomEncoding, encodingForLabel, isUnknownType, MetaCharsetScanner, sniffLength, sniffsAsHtml, type ContentType } from './charset.js';
import { HeadParser, type HeadInfo } from './head-parser.js';
import type { EncodingSource } from './types.js';

/** The encoding of a page that declares none (the HTML standard's default for most locales). */
export const defaultEncoding = 'windows-1252';

export interface PageResult extends HeadInfo {
  /** False when the body turned out not to be HTML (sniffed, because no usable Content-Type was given). */
  html: boolean;
  encoding: string | null;
  encodingSource: EncodingSource | null;
  /** True when `maxBytes` was reached before the answer was known. */
  capped: boolean;
}

type Phase = 'sniff' | 'scan' | 'parse' | 'done';

export class PageReader {
  /** Bytes taken so far (decompressed). */
  bytes = 0;
  #phase: Phase;
  #capped = false;
  #notHtml = false;
  /** Bytes held back while the encoding is not decided yet. */
  #pending: Uint8Array[] = [];
  #pendingLength = 0;
  #encoding: string | null = null;
  #source: EncodingSource | null = null;
  #scanner: MetaCharsetScanner | null = null;
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  /** The "replacement" encoding decodes any non-empty body to one U+FFFD. */
  #replacementEmitted = false;
  readonly #parser: HeadParser;
  readonly #httpEncoding: string | null;
  readonly #unknownType: boolean;

  constructor(
    url: string,
    contentType: ContentType | null,
    private readonly maxBytes: number,
  ) {
    this.#parser = new HeadParser(url);
    this.#unknownType = isUnknownType(contentType);
    const charset = contentType?.charset ?? null;
    this.#httpEncoding = charset === null ? null : encodingForLabel(charset);
    this.#phase = this.#unknownType ? 'sniff' : 'scan';
  }

  /** Whether the reader wants more of the body. */
  get wantsMore(): boolean {
    return this.#phase !== 'done';
  }

  push(chunk: Uint8Array): void {
    if (this.#phase === 'done' || chunk.length === 0) return;
    const room = this.maxBytes - this.bytes;
    if (chunk.length >= room) {
      chunk = chunk.subarray(0, room);
      this.#capped = true;
    }
    this.bytes += chunk.length;
    this.#take(chunk, false);
    if (this.#capped) this.#finish();
  }

  /** The body ended (or will not be read further): settle everything with what arrived. */
  end(): PageResult {
    this.#finish();
    // An empty body of unknown type is an empty page, not a non-HTML resource.
    if (this.bytes === 0 && this.#unknownType) return { html: true, encoding: null, encodingSource: null, capped: false, title: null, ogTitle: null, description: null, canonical: null, lang: null };
    if (this.#notHtml) return { html: false, encoding: null, encodingSource: null, capped: this.#capped, title: null, ogTitle: null, description: null, canonical: null, lang: null };
    return { html: true, encoding: this.#encoding, encodingSource: this.#source, capped: this.#capped && !this.#parser.complete, ...this.#parser.result() };
  }

  #take(chunk: Uint8Array, last: boolean): void {
    if (this.#phase === 'sniff' || this.#phase === 'scan') {
      if (chunk.length > 0) {
        this.#pending.push(chunk);
        this.#pendingLength += chunk.length;
      }
      if (this.#phase === 'sniff') {
        if (this.#pendingLength < sniffLength && !last) return;
        if (!sniffsAsHtml(this.#pendingBytes())) {
          this.#notHtml = true;
          this.#phase = 'done';
          return;
        }
        this.#phase = 'scan';
      }
      if (!this.#decideEncoding(chunk, last)) return;
      this.#phase = 'parse';
      const held = this.#pendingBytes();
      this.#pending = [];
      this.#pendingLength = 0;
      this.#parse(held, last);
      return;
    }
    if (this.#phase === 'parse') this.#parse(chunk, last);
  }

  /** BOM, then the HTTP charset, then a <meta> declaration, then the default. True once decided. */
  #decideEncoding(chunk: Uint8Array, last: boolean): boolean {
    if (this.#encoding !== null) return true;
    if (this.#pendingLength < 3 && !last) return false;
    const bom = bomEncoding(this.#pendingBytes().subarray(0, 3));
    if (bom !== null) return this.#decided(bom.encoding, 'bom');
    if (this.#httpEncoding !== null) return this.#decided(this.#httpEncoding, 'http');
    if (this.#scanner === null) {
      this.#scanner = new MetaCharsetScanner();
      this.#scanner.write(this.#pendingBytes(), last);
    } else {
      this.#scanner.write(chunk, last);
    }
    if (this.#scanner.encoding !== null) return this.#decided(this.#scanner.encoding, 'meta');
    if (this.#scanner.done || last) return this.#decided(defaultEncoding, 'default');
    return false;
  }

  #decided(encoding: string, source: EncodingSource): true {
    this.#encoding = encoding;
    this.#source = source;
    if (encoding !== 'replacement') this.#decoder = new TextDecoder(encoding);
    return true;
  }

  #parse(bytes: Uint8Array, last: boolean): void {
    let text: string;
    if (this.#decoder === null) {
      text = !this.#replacementEmitted && bytes.length > 0 ? '\uFFFD' : '';
      if (text !== '') this.#replacementEmitted = true;
    } else {
      text = this.#decoder.decode(bytes, { stream: !last });
    }
    if (text !== '') this.#parser.write(text);
    if (last) this.#parser.end();
    if (this.#parser.complete) this.#phase = 'done';
  }

  #finish(): void {
    if (this.#phase !== 'done') this.#take(new Uint8Array(0), true);
    this.#phase = 'done';
    if (!this.#notHtml) this.#parser.end();
  }

  #pendingBytes(): Uint8Array {
    if (this.#pending.length === 1) return this.#pending[0] as Uint8Array;
    const joined = Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [joined];
    return joined;
  }
}
