/**
 * The inputs of `titlewave titles`: URL list files and standard input, checked before any work (missing, unreadable,
 * a folder, not text), decoded by their byte order mark (src/titles/text-encoding.ts) and split into lines as they
 * stream; and their fingerprints for the run record (src/cli/titles-sidecar.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { checkInputFile } from '../fs/paths.js';
import { EntryIndexer } from '../titles/input.js';
import { sniffTextEncoding, SNIFF_BYTES, textDecoderFor } from '../titles/text-encoding.js';
import { EntryDigest, hashFile, type EntriesFingerprint, type InputFingerprint } from './titles-sidecar.js';
import { toError } from '../errors.js';

export const STANDARD_INPUT = 'standard input';

export interface InputSource {
  /** As given on the command line ("-" for standard input): for messages. */
  arg: string;
  /** The run record's name: the absolute path, or "standard input". */
  name: string;
  /** Null for standard input. */
  path: string | null;
  /** A regular file, which can be read twice (fingerprinted first, then run); pipes and stdin cannot. */
  regular: boolean;
}

/**
 * Check every input before any work and describe it. Throws a PathProblem (missing, unreadable, a folder) or a
 * TextEncodingError (UTF-16 without a byte order mark, binary) naming the file.
 */
export async function prepareInputs(files: readonly string[]): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  for (const arg of files.length === 0 ? ['-'] : files) {
    if (arg === '-') {
      sources.push({ arg, name: STANDARD_INPUT, path: null, regular: false });
      continue;
    }
    const info = await checkInputFile(arg);
    const regular = info.isFile();
    // A regular file's encoding is checked now; a pipe's when its first bytes arrive.
    if (regular) sniffTextEncoding(await readHead(arg), arg);
    sources.push({ arg, name: resolve(arg), path: arg, regular });
  }
  return sources;
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A source's fingerprint: a regular file's by its bytes now; a stream's from `replay` (its bytes read whole) or unknown. */
export async function fingerprint(source: InputSource, replay?: Buffer): Promise<InputFingerprint> {
  if (replay !== undefined) return { name: source.name, bytes: replay.length, sha256: createHash('sha256').update(replay).digest('hex') };
  if (source.regular && source.path !== null) return { name: source.name, ...(await hashFile(source.path)) };
  return { name: source.name, bytes: null, sha256: null };
}

/** Thrown when a stream to be read whole (to resume from it) is bigger than the cap. */
export class InputTooLargeError extends Error {}

/** A stream's bytes, whole (standard input or a pipe read once to check it before a resume); at most `maxBytes`. */
export async function readWhole(source: InputSource, stdin: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source.path === null ? stdin : createReadStream(source.path)) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    length += bytes.length;
    if (length > maxBytes) throw new InputTooLargeError(`${source.arg === '-' ? STANDARD_INPUT : source.arg} is over ${Math.round(maxBytes / 2 ** 20)} MiB`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The chunks of a source: from `replay` when it was read whole, else from the file or stdin. */
function chunksOf(source: InputSource, stdin: Readable, replay?: Buffer): AsyncIterable<Buffer | string> | Iterable<Buffer> {
  if (replay !== undefined) return [replay];
  return source.path === null ? (stdin as AsyncIterable<Buffer | string>) : createReadStream(source.path);
}

/**
 * Bytes in, lines out: decoded by the byte order mark (UTF-8 without one), split at LF, CRLF or CR as readline
 * does, the last line without a line break included. Throws TextEncodingError when the first bytes are UTF-16
 * without a BOM, or binary. A class rather than a generator: each line then costs one async step, not three.
 */
export class LineDecoder {
  #decoder: ReturnType<typeof textDecoderFor> | null = null;
  #head: Buffer = Buffer.alloc(0);
  #carry = '';
  readonly #breaks = /\r\n|\r|\n/g;

  constructor(private readonly name: string) {}

  push(bytes: Buffer): string[] {
    if (this.#decoder !== null) return this.#split(this.#decoder.decode(bytes), false);
    // Wait for enough bytes to see a byte order mark (a terminal may send one character at a time).
    this.#head = this.#head.length === 0 ? bytes : Buffer.concat([this.#head, bytes]);
    if (this.#head.length < 4) return [];
    this.#decoder = textDecoderFor(sniffTextEncoding(this.#head, this.name));
    return this.#split(this.#decoder.decode(this.#head), false);
  }

  end(): string[] {
    if (this.#decoder === null) {
      if (this.#head.length === 0) return [];
      this.#decoder = textDecoderFor(sniffTextEncoding(this.#head, this.name));
      return this.#split(this.#decoder.decode(this.#head, true), true);
    }
    return this.#split(this.#decoder.decode(new Uint8Array(0), true), true);
  }

  #split(text: string, last: boolean): string[] {
    const carry = this.#carry + text;
    const lines: string[] = [];
    let from = 0;
    const breaks = this.#breaks;
    breaks.lastIndex = 0;
    for (let match = breaks.exec(carry); match !== null; match = breaks.exec(carry)) {
      // A CR at the end may be the first half of a CRLF.
      if (!last && match[0] === '\r' && match.index === carry.length - 1) break;
      lines.push(carry.slice(from, match.index));
      from = match.index + match[0].length;
    }
    this.#carry = carry.slice(from);
    if (last && this.#carry !== '') {
      lines.push(this.#carry);
      this.#carry = '';
    }
    return lines;
  }
}

export interface SourceLinesHooks {
  /** Streams already read whole (to check a resume): their lines come from here. */
  replay?: ReadonlyMap<InputSource, Buffer> | undefined;
  /** Every chunk of source `index`, as read (to fingerprint a stream). */
  onBytes?: (index: number, bytes: Buffer) => void;
  /** Reading failed (a pipe's bytes that are not text, an I/O error): the lines end here. */
  onError: (error: Error) => void;
  /** Every source has been read to its end and every line taken. */
  onEnd?: () => Promise<void>;
}

/**
 * The lines of every source in order, as the engine takes them (one at a time: a line is handed over only when the
 * one before it has been taken). Errors end the lines and go to `onError` rather than to the engine, so the command
 * reports them in its own words.
 */
export async function* sourceLines(sources: readonly InputSource[], stdin: Readable, hooks: SourceLinesHooks): AsyncGenerator<string> {
  try {
    for (const [index, source] of sources.entries()) {
      const decoder = new LineDecoder(source.arg === '-' ? STANDARD_INPUT : source.arg);
      for await (const chunk of chunksOf(source, stdin, hooks.replay?.get(source))) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hooks.onBytes?.(index, bytes);
        for (const line of decoder.push(bytes)) yield line;
      }
      for (const line of decoder.end()) yield line;
    }
  } catch (error) {
    hooks.onError(toError(error));
    return;
  }
  await hooks.onEnd?.();
}

/**
 * The entry list's fingerprint of the sources as they are now (read once more from the files, or from `replay`):
 * deduplicated as the engine does (src/titles/input.ts), so it matches what a run records through its `skip` hook.
 */
export async function entriesOf(sources: readonly InputSource[], stdin: Readable, replay: ReadonlyMap<InputSource, Buffer>, sitemapList: string | null = null): Promise<EntriesFingerprint> {
  const digest = new EntryDigest();
  const indexer = new EntryIndexer();
  const add = (line: string): void => {
    const item = indexer.next(line);
    if (item.kind === 'entry') digest.add(item.parsed.line);
  };
  // After the files, the URLs the run's sitemaps gave (the list beside the output), as the run read them.
  const all: InputSource[] = sitemapList === null ? [...sources] : [...sources, { arg: sitemapList, name: sitemapList, path: sitemapList, regular: true }];
  for (const source of all) {
    const decoder = new LineDecoder(source.arg === '-' ? STANDARD_INPUT : source.arg);
    for await (const chunk of chunksOf(source, stdin, replay.get(source))) decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk).forEach(add);
    decoder.end().forEach(add);
  }
  return digest.finish();
}
