/**
 * Turn the paths a user gave (files and folders) into the list of images to thumbnail.
 * Folders are walked recursively in name order; hidden entries (".name") inside them are skipped; symlinks are
 * followed, but a folder reached twice (a symlink loop, or two given paths that overlap) is walked once; FIFOs,
 * sockets and devices are never opened. Files are images by their extension, or by their first bytes when the name
 * has no image extension. The job's output folder is not walked, and thumbnails Titlewave wrote (own-outputs.ts) are
 * not sources. Everything left out, except hidden entries, is reported with a reason.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ThumbsScanResult } from '../contract.js';
import { outputRootFor } from './options.js';
import { isOwnOutput, isOwnOutputsList, readOwnOutputs, type OwnOutputs } from './own-outputs.js';
import { kindFromBytes, kindFromName, readHead } from './sniff.js';

/** Reasons a path is reported as skipped (stable strings; the UI and docs list them). */
export const skipReasons = {
  notFound: 'not found',
  notAnImage: 'not an image',
  notARegularFile: 'not a regular file or folder',
  permissionDenied: 'permission denied',
  alreadyIncluded: 'already included',
  symlinkLoop: 'folder already walked (symlink loop)',
  /** The path names it with its bytes \xNN-escaped: it cannot be passed on as a string and still name the file. */
  notUtf8: 'file name is not valid UTF-8',
  /** A folder the job writes its thumbnails to, met inside an input folder: never walked. */
  outputFolder: 'the output folder of these thumbnails',
  /** A file Titlewave wrote as a thumbnail (own-outputs.ts): never a source. */
  ownThumbnail: 'a thumbnail Titlewave made',
} as const;

export interface ScanOptions {
  signal?: AbortSignal;
  /**
   * The job's output folder (ThumbsOptions.outDir; null or absent: the default `thumbnails` folder beside each given
   * path). Met inside an input folder, it is not walked: thumbnails are never made of the job's own thumbnails.
   */
  outDir?: string | null;
}

interface ErrnoLike {
  code?: string;
  message?: string;
}

function reasonFor(error: unknown): string {
  const code = (error as ErrnoLike).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return skipReasons.notFound;
  if (code === 'EACCES' || code === 'EPERM') return skipReasons.permissionDenied;
  if (code === 'ELOOP') return skipReasons.symlinkLoop;
  return `unreadable (${code ?? (error as ErrnoLike).message ?? 'error'})`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Length of the valid UTF-8 sequence at `bytes[at]`, or 0 when the byte there does not start one. */
function utf8SequenceAt(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length === 0 || at + length > bytes.length) return 0;
  for (let i = 1; i < length; i++) if (((bytes[at + i] as number) & 0xc0) !== 0x80) return 0;
  const second = bytes[at + 1] as number;
  // Overlong forms, UTF-16 surrogates, and code points above U+10FFFF.
  if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return 0;
  return length;
}

/** A name's bytes for people: valid UTF-8 as it is, every other byte as \xNN ("caf\xe9.png"). */
export function escapeNameBytes(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; ) {
    const length = utf8SequenceAt(bytes, at);
    if (length === 0) {
      text += `\\x${(bytes[at] as number).toString(16).padStart(2, '0')}`;
      at += 1;
    } else {
      text += strictUtf8.decode(bytes.subarray(at, at + length));
      at += length;
    }
  }
  return text;
}

/** The name as a string, or null when its bytes are not valid UTF-8 (a string could not name the file again). */
function decodeName(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The scan was cancelled', 'AbortError');
}

async function looksLikeImage(path: string): Promise<boolean> {
  if (kindFromName(path)) return true;
  return kindFromBytes(await readHead(path)) !== null;
}

export async function scanInputs(paths: string[], options: ScanOptions = {}): Promise<ThumbsScanResult> {
  const { signal } = options;
  const result: ThumbsScanResult = { images: [], skipped: [], roots: [], given: [] };
  // Real paths of the files and folders taken so far: a file is listed once, a folder walked once.
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();
  // Real paths of the job's output folders, compared with each folder walked (a symlink or "a/../b" cannot hide one):
  // the chosen one, or each given path's own default one (a folder's differs from a file's).
  const outputFolders = new Set<string>();
  const outDir = options.outDir ? resolve(options.outDir) : null;
  for (const given of paths) {
    const path = resolve(given);
    try {
      const root = outDir === null && (await stat(path)).isDirectory() ? path : null;
      outputFolders.add(await realpath(outputRootFor(path, root, { outDir })));
    } catch {
      // Not there (yet): nothing of it to walk.
    }
  }
  // The thumbnails Titlewave wrote, by folder (read once per folder that has a list of them).
  const ownOutputsByFolder = new Map<string, Promise<OwnOutputs>>();
  const ownOutputsOf = (folder: string, names?: readonly string[]): Promise<OwnOutputs> => {
    let outputs = ownOutputsByFolder.get(folder);
    if (!outputs) {
      outputs = readOwnOutputs(folder, names);
      ownOutputsByFolder.set(folder, outputs);
    }
    return outputs;
  };

  const addImage = async (path: string, root: string | null) => {
    const real = await realpath(path);
    if (seenFiles.has(real)) {
      result.skipped.push({ path, reason: skipReasons.alreadyIncluded });
      return;
    }
    seenFiles.add(real);
    result.images.push(path);
    result.roots.push(root);
  };

  /** `own`: the thumbnails Titlewave wrote into the file's folder (read here when not given). */
  const considerFile = async (path: string, root: string | null, own?: OwnOutputs) => {
    try {
      const name = basename(path);
      const outputs = own ?? (await ownOutputsOf(dirname(path)));
      if (outputs.has(name) && isOwnOutput(outputs, name, (await stat(path)).size)) {
        result.skipped.push({ path, reason: skipReasons.ownThumbnail });
        return;
      }
      if (await looksLikeImage(path)) await addImage(path, root);
      else result.skipped.push({ path, reason: skipReasons.notAnImage });
    } catch (error) {
      result.skipped.push({ path, reason: reasonFor(error) });
    }
  };

  const walk = async (root: string) => {
    const pending: string[] = [root];
    while (pending.length > 0) {
      if (signal?.aborted) throw abortError(signal);
      const folder = pending.pop() as string;
      const entries: { entry: Dirent<Buffer>; name: string | null; shown: string }[] = [];
      let own: OwnOutputs;
      try {
        const real = await realpath(folder);
        // A folder the user gave is walked even when it is the output folder too; its thumbnails are known by name.
        if (folder !== root && outputFolders.has(real)) {
          result.skipped.push({ path: folder, reason: skipReasons.outputFolder });
          continue;
        }
        if (seenFolders.has(real)) {
          result.skipped.push({ path: folder, reason: folder === root ? skipReasons.alreadyIncluded : skipReasons.symlinkLoop });
          continue;
        }
        seenFolders.add(real);
        // Names as bytes: a name that is not valid UTF-8 would come back as a string with U+FFFD in it, which names
        // no file (it was reported "not found"). Such a name is reported for what it is.
        const lists: string[] = [];
        for (const entry of await readdir(folder, { withFileTypes: true, encoding: 'buffer' })) {
          const name = decodeName(entry.name);
          if (name !== null && isOwnOutputsList(name)) lists.push(name);
          // Hidden entries (a leading ".") are left out without a word.
          if (entry.name[0] === 0x2e) continue;
          entries.push({ entry, name, shown: name ?? escapeNameBytes(entry.name) });
        }
        own = lists.length > 0 ? await ownOutputsOf(folder, lists) : new Map();
      } catch (error) {
        result.skipped.push({ path: folder, reason: reasonFor(error) });
        continue;
      }
      entries.sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
      const subfolders: string[] = [];
      for (const { entry, name, shown } of entries) {
        if (name === null) {
          result.skipped.push({ path: join(folder, shown), reason: skipReasons.notUtf8 });
          continue;
        }
        const path = join(folder, name);
        let isFile = entry.isFile();
        let isFolder = entry.isDirectory();
        if (entry.isSymbolicLink()) {
          try {
            const target = await stat(path);
            isFile = target.isFile();
            isFolder = target.isDirectory();
          } catch (error) {
            result.skipped.push({ path, reason: reasonFor(error) });
            continue;
          }
        }
        if (isFolder) subfolders.push(path);
        else if (isFile) await considerFile(path, root, own);
        else result.skipped.push({ path, reason: skipReasons.notARegularFile });
      }
      // Depth-first in name order: push in reverse so the first name is walked first.
      for (let i = subfolders.length - 1; i >= 0; i--) pending.push(subfolders[i] as string);
    }
  };

  for (const given of paths) {
    if (signal?.aborted) throw abortError(signal);
    const path = resolve(given);
    const imagesBefore = result.images.length;
    const skippedBefore = result.skipped.length;
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      result.skipped.push({ path, reason: reasonFor(error) });
    }
    // A file given by name is taken even when hidden: the user asked for it.
    if (info?.isDirectory()) await walk(path);
    else if (info?.isFile()) await considerFile(path, null);
    else if (info) result.skipped.push({ path, reason: skipReasons.notARegularFile });
    // What became of the path itself: its images, or why it gave none (missing, unreadable, not an image, …).
    const own = result.skipped.slice(skippedBefore).find((entry) => entry.path === path);
    result.given.push({ path, images: result.images.length - imagesBefore, problem: own?.reason ?? null });
  }
  return result;
}
