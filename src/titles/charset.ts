/**
 * Deciding how to read a response: is it HTML, and in which encoding (WHATWG encoding sniffing as Chromium does it).
 * Labels and decoders come from @exodus/bytes (the Encoding Standard's label table and decoders); MIME types are
 * parsed by Node's WHATWG MIME type parser.
 */
import { MIMEType } from 'node:util';
import { labelToName } from '@exodus/bytes/encoding.js';
import { Tokenizer, TokenizerMode, type Token, type TokenHandler } from 'parse5';
import { RunsTokenizer } from './tokenizer-runs.js';

/** The Encoding Standard's name for a label ("iso-8859-1" -> "windows-1252"), or null when it names no encoding. */
export function encodingForLabel(label: string): string | null {
  return labelToName(label);
}

export interface ContentType {
  /** The header as received (last one when repeated). */
  raw: string;
  /** "type/subtype", lowercased; null when the header does not parse as a MIME type. */
  essence: string | null;
  /** The charset parameter as given, or null. */
  charset: string | null;
}

// Servers send the same few Content-Type values again and again; parsing one costs microseconds, a lookup nothing.
const parsedContentTypes = new Map<string, ContentType>();

export function parseContentType(header: string | string[] | undefined): ContentType | null {
  const raw = Array.isArray(header) ? header[header.length - 1] : header;
  if (raw === undefined) return null;
  let parsed = parsedContentTypes.get(raw);
  if (parsed === undefined) {
    try {
      const mime = new MIMEType(raw);
      parsed = { raw, essence: mime.essence, charset: mime.params.get('charset') };
    } catch {
      parsed = { raw, essence: null, charset: null };
    }
    if (parsedContentTypes.size >= 512) parsedContentTypes.clear();
    parsedContentTypes.set(raw, parsed);
  }
  return parsed;
}

/** Types a browser renders with its HTML parser (XHTML gets ours too: its title is found the same way). */
export function isHtmlType(essence: string): boolean {
  return essence === 'text/html' || essence === 'application/xhtml+xml';
}

/** Types that mean "unknown, sniff it" in the MIME Sniffing standard. */
export function isUnknownType(contentType: ContentType | null): boolean {
  return contentType === null || contentType.essence === null || contentType.essence === 'unknown/unknown' || contentType.essence === 'application/unknown' || contentType.essence === '*/*';
}

/** Bytes the MIME Sniffing standard looks at when the type is unknown. */
export const sniffLength = 512;

// The MIME Sniffing standard's HTML signatures: after leading whitespace, one of these (any case) then a space or ">".
const htmlSignatures = ['<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A', '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--'];

/** Does a body with no usable Content-Type look like HTML (MIME Sniffing "rules for identifying an unknown MIME type")? */
export function sniffsAsHtml(head: Uint8Array): boolean {
  let start = 0;
  while (start < head.length && (head[start] === 0x09 || head[start] === 0x0a || head[start] === 0x0c || head[start] === 0x0d || head[start] === 0x20)) start += 1;
  const text = Buffer.from(head.buffer, head.byteOffset + start, Math.min(head.length - start, sniffLength)).toString('latin1').toUpperCase();
  return htmlSignatures.some((signature) => {
    if (!text.startsWith(signature)) return false;
    const next = text.charCodeAt(signature.length);
    return next === 0x20 || next === 0x3e;
  });
}

/** The encoding a byte order mark announces (the Encoding Standard's "BOM sniff"), and how many bytes it takes. */
export function bomEncoding(bytes: Uint8Array): { encoding: string; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'UTF-8', length: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'UTF-16BE', length: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'UTF-16LE', length: 2 };
  return null;
}

/**
 * "Extracting a character encoding from a meta element" (HTML standard) for `<meta http-equiv content="...">`:
 * the value after "charset=", quoted or not.
 */
export function charsetFromContent(content: string): string | null {
  let position = 0;
  const lower = content.toLowerCase();
  for (;;) {
    const found = lower.indexOf('charset', position);
    if (found === -1) return null;
    position = found + 7;
    while (position < content.length && /[\t\n\f\r ]/.test(content[position] ?? '')) position += 1;
    if (content[position] !== '=') continue;
    position += 1;
    while (position < content.length && /[\t\n\f\r ]/.test(content[position] ?? '')) position += 1;
    const quote = content[position];
    if (quote === '"' || quote === "'") {
      const end = content.indexOf(quote, position + 1);
      return end === -1 ? null : content.slice(position + 1, end);
    }
    let end = position;
    while (end < content.length && !/[\t\n\f\r ;]/.test(content[end] ?? '')) end += 1;
    return end === position ? null : content.slice(position, end);
  }
}

/**
 * The encoding a `<meta>` tag declares, as Chromium reads it (EncodingFromMetaAttributes): `charset`, or `content`
 * with a charset when `http-equiv="content-type"` is there too. UTF-16 from a meta tag means UTF-8, and
 * x-user-defined means windows-1252 (HTML standard); an unknown label declares nothing.
 */
export function encodingFromMeta(attrs: readonly Token.Attribute[]): string | null {
  let gotPragma = false;
  let mode: 'none' | 'charset' | 'pragma' = 'none';
  let charset = '';
  for (const { name, value } of attrs) {
    if (name === 'http-equiv') {
      if (value.trim().toLowerCase() === 'content-type') gotPragma = true;
    } else if (charset === '') {
      if (name === 'charset') {
        charset = value;
        mode = 'charset';
      } else if (name === 'content') {
        charset = charsetFromContent(value) ?? '';
        if (charset !== '') mode = 'pragma';
      }
    }
  }
  if (mode === 'none' || (mode === 'pragma' && !gotPragma)) return null;
  const encoding = encodingForLabel(charset.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, ''));
  if (encoding === null) return null;
  if (encoding === 'UTF-16LE' || encoding === 'UTF-16BE') return 'UTF-8';
  if (encoding === 'x-user-defined') return 'windows-1252';
  return encoding;
}

// Tags that keep Chromium's meta charset scanner "in the head" (HTMLMetaCharsetParser::CheckForMetaCharset).
const headTags = new Set(['script', 'noscript', 'style', 'link', 'meta', 'object', 'title', 'base']);
const rcdataTags = new Set(['title', 'textarea']);
const rawtextTags = new Set(['style', 'iframe', 'xmp', 'noembed', 'noframes']);
// Chromium scans at least this many characters before it gives up, even once the head is over.
const bytesToCheckUnconditionally = 1024;

/**
 * Looks for a `<meta>` charset declaration the way Chromium does: tokenizes the bytes (as Latin-1, enough for the
 * ASCII-compatible tags) while they are still in the head, however far the head goes, and at least the first
 * 1024 bytes. Feed it bytes until `done`; then `encoding` is the declared encoding or null.
 */
export class MetaCharsetScanner {
  done = false;
  encoding: string | null = null;
  #inHead = true;
  readonly #tokenizer: Tokenizer;

  constructor() {
    const onTag = (token: Token.TagToken, end: boolean): void => {
      if (this.done) return;
      const name = token.tagName;
      if (!end) {
        this.#enterTextState(name);
        if (name === 'meta') {
          const encoding = encodingFromMeta(token.attrs);
          if (encoding !== null) {
            this.encoding = encoding;
            this.#finish();
            return;
          }
        }
      }
      if (!headTags.has(name) && (end || (name !== 'html' && name !== 'head'))) this.#inHead = false;
      this.#checkGiveUp();
    };
    const ignore = (): void => this.#checkGiveUp();
    const handler: TokenHandler = {
      onStartTag: (token) => onTag(token, false),
      onEndTag: (token) => onTag(token, true),
      onComment: ignore,
      onDoctype: ignore,
      onCharacter: ignore,
      onNullCharacter: ignore,
      onWhitespaceCharacter: ignore,
      onEof: () => this.#finish(),
    };
    this.#tokenizer = new RunsTokenizer({ sourceCodeLocationInfo: false }, handler);
  }

  /** Scan more bytes; `last` when the body ended. */
  write(bytes: Uint8Array, last = false): void {
    if (this.done) return;
    this.#tokenizer.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), last);
  }

  end(): void {
    if (!this.done) this.#tokenizer.write('', true);
  }

  #enterTextState(name: string): void {
    // Chromium's scanner runs without scripting, so <noscript> content is markup to it.
    if (rcdataTags.has(name)) this.#tokenizer.state = TokenizerMode.RCDATA;
    else if (name === 'script') this.#tokenizer.state = TokenizerMode.SCRIPT_DATA;
    else if (name === 'plaintext') this.#tokenizer.state = TokenizerMode.PLAINTEXT;
    else if (rawtextTags.has(name)) this.#tokenizer.state = TokenizerMode.RAWTEXT;
  }

  #checkGiveUp(): void {
    if (!this.#inHead && this.#tokenizer.preprocessor.offset >= bytesToCheckUnconditionally) this.#finish();
  }

  #finish(): void {
    this.done = true;
    this.#tokenizer.pause();
  }
}
