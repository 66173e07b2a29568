/**
 * The files the native dialogs hand over: URL lists read with a size cap (a 10 GB file picked by mistake costs a
 * stat, not the machine's memory), and exports written atomically (a crash mid-write leaves the old file whole).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from '../services/atomic.js';
import { decodeTextFile } from '../titles/text-encoding.js';
import { TitlewaveError } from '../errors.js';

/** The contract's limit for a titles run's text (titles.start), for all the files opened together. */
export const MAX_OPEN_BYTES = 200 * 1024 * 1024;

export class FileTooLargeError extends TitlewaveError<'TOO_LARGE'> {
  constructor(message: string) {
    super('TOO_LARGE', message);
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/**
 * A URL list's text: by its byte order mark (UTF-8, UTF-16LE, UTF-16BE), else UTF-8 with invalid bytes replaced as
 * a browser does. UTF-16 without a BOM and binary files throw a TextEncodingError that names the file and what it
 * looks like. The same rules as the CLI and browser mode (src/titles/text-encoding.ts).
 */
export function decodeText(bytes: Uint8Array, name = 'the file'): string {
  return decodeTextFile(bytes, name);
}

/**
 * Check, before reading any, that files chosen together fit in `maxBytes` (a folder or a missing file is refused
 * too): the first that does not fit throws FileTooLargeError, so nothing big is read only to be thrown away.
 */
export async function checkTotalSize(paths: readonly string[], maxBytes: number): Promise<void> {
  let budget = maxBytes;
  for (const path of paths) {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`Not a file: ${path}`);
    if (info.size > budget) throw new FileTooLargeError(`${basename(path)} is too large (${mebibytes(info.size)}; at most ${mebibytes(budget)} can be opened at once)`);
    budget -= info.size;
  }
}

/**
 * Read a text file of at most `maxBytes`; throws FileTooLargeError without reading it when it is bigger (checked
 * before reading, and again while reading, in case the file grows in between).
 */
export async function readTextFile(path: string, maxBytes: number): Promise<{ text: string; bytes: number }> {
  const bytes = await readFileCapped(path, maxBytes);
  return { text: decodeText(bytes, basename(path)), bytes: bytes.length };
}

/** A file's bytes, at most `maxBytes` (FileTooLargeError otherwise, checked before reading and while reading). */
export async function readFileCapped(path: string, maxBytes: number): Promise<Buffer> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`Not a file: ${path}`);
  if (info.size > maxBytes) throw new FileTooLargeError(`${basename(path)} is too large (${mebibytes(info.size)}; at most ${mebibytes(maxBytes)} can be opened at once)`);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) throw new FileTooLargeError(`${basename(path)} grew past ${mebibytes(maxBytes)} while it was read`);
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Write text (or bytes) to `path` through a temporary file beside it, fsynced, then renamed over it. An existing file
 * keeps its permissions; a new one gets the usual ones (0666 less the umask), like any file the user saves.
 */
export async function writeTextFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  let mode = 0o666;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // a new file
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}
