/**
 * Which encoding a URL list file is in, and its text. Browser-safe: the CLI (streamed files and stdin), the desktop
 * host (files opened with the native dialog) and browser mode (its file input) all read lists the same way.
 *
 * A byte order mark decides: UTF-8, UTF-16LE or UTF-16BE (Windows Notepad and PowerShell's `>` write UTF-16LE with
 * one). Without one the text is UTF-8, with invalid bytes replaced by U+FFFD as a browser does. A list without a BOM
 * that holds NUL bytes is refused rather than read as garbage: UTF-16 without a BOM (named, with its byte order) or
 * not text at all. Decoding is the Encoding Standard's, from @exodus/bytes.
 */
// encoding-browser.js: @exodus/bytes' own decoders on Node and Electron (whatever their ICU ships), the browser's
// native TextDecoder in a browser bundle (no decoder tables in browser mode's bridge).
import { getBOMEncoding, TextDecoder } from '@exodus/bytes/encoding-browser.js';

export type TextFileEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE';

/** Bytes looked at to tell text without a BOM from UTF-16 without one, or from binary data. */
export const SNIFF_BYTES = 4096;

/** A file that is not text this app reads; `message` names the file and says what it looks like. */
export class TextEncodingError extends Error {
  readonly code = 'UNSUPPORTED_ENCODING';
  override readonly name = 'TextEncodingError';
}

const labels: Record<TextFileEncoding, string> = { 'UTF-8': 'utf-8', 'UTF-16LE': 'utf-16le', 'UTF-16BE': 'utf-16be' };
const byBom: Record<string, TextFileEncoding> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE' };

/**
 * The encoding of a text file from its first bytes (SNIFF_BYTES of them, or the whole file when it is shorter).
 * Throws TextEncodingError for UTF-16 without a byte order mark and for binary data. `name` is for the message.
 */
export function sniffTextEncoding(head: Uint8Array, name: string): TextFileEncoding {
  const bom = getBOMEncoding(head);
  if (bom !== null) return byBom[bom] ?? 'UTF-8';
  const sample = head.subarray(0, SNIFF_BYTES);
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < sample.length; i += 1) {
    if (sample[i] === 0) {
      if (i % 2 === 0) evenNuls += 1;
      else oddNuls += 1;
    }
  }
  if (evenNuls + oddNuls === 0) return 'UTF-8';
  // ASCII text in UTF-16 has a NUL in every other byte: at odd offsets little-endian, at even ones big-endian.
  const pairs = Math.floor(sample.length / 2);
  const fix = 'save it as UTF-8 (or as UTF-16 with a byte order mark) and try again';
  if (oddNuls >= pairs / 4 && evenNuls <= oddNuls / 8) throw new TextEncodingError(`${name} looks like UTF-16LE text without a byte order mark; ${fix}`);
  if (evenNuls >= pairs / 4 && oddNuls <= evenNuls / 8) throw new TextEncodingError(`${name} looks like UTF-16BE text without a byte order mark; ${fix}`);
  throw new TextEncodingError(`${name} is not a text file (it holds NUL bytes); give a list of URLs, one per line`);
}

/** A decoder for a file's bytes, fed in pieces: the BOM is dropped, a character split between pieces is kept whole. */
export function textDecoderFor(encoding: TextFileEncoding): { decode(bytes: Uint8Array, last?: boolean): string } {
  const decoder = new TextDecoder(labels[encoding]);
  return { decode: (bytes, last = false) => decoder.decode(bytes, { stream: !last }) };
}

/** A whole file's text (see sniffTextEncoding for what is refused). */
export function decodeTextFile(bytes: Uint8Array, name: string): string {
  return textDecoderFor(sniffTextEncoding(bytes, name)).decode(bytes, true);
}
