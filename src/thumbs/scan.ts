/**
 * Turn the paths a user gave (files and folders) into the list of images to thumbnail.
 * Folders are walked recursively in name order; hidden entries (".name") inside them are skipped; symlinks are
 * followed, but a folder reached twice (a symlink loop, or two given paths that overlap) is walked once; FIFOs,
 * sockets and devices are never opened. Files are images by their extension, or by their first bytes when the name
 * has no image extension. Everything left out, except hidden entries, is reported with a reason.
 */
import type { Dirent } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ThumbsScanResult } from '../contract.js';
import { kindFromBytes, kindFromName, readHead } from './sniff.js';

/** Reasons a path is reported as skipped (stable strings; the UI and docs list them). */
export const skipReasons = {
  notFound: 'not found',
  notAnImage: 'not an image',
  notARegularFile: 'not a regular file or folder',
  permissionDenied: 'permission denied',
  alreadyIncluded: 'already included',
  symlinkLoop: 'folder already walked (symlink loop)',
} as const;

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

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The scan was cancelled', 'AbortError');
}

async function looksLikeImage(path: string): Promise<boolean> {
  if (kindFromName(path)) return true;
  return kindFromBytes(await readHead(path)) !== null;
}

export async function scanInputs(paths: string[], options: { signal?: AbortSignal } = {}): Promise<ThumbsScanResult> {
  const { signal } = options;
  const result: ThumbsScanResult = { images: [], skipped: [], roots: [] };
  // Real paths of the files and folders taken so far: a file is listed once, a folder walked once.
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();

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

  const considerFile = async (path: string, root: string | null) => {
    try {
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
      let entries: Dirent[];
      try {
        const real = await realpath(folder);
        if (seenFolders.has(real)) {
          result.skipped.push({ path: folder, reason: folder === root ? skipReasons.alreadyIncluded : skipReasons.symlinkLoop });
          continue;
        }
        seenFolders.add(real);
        entries = [];
        for await (const entry of await opendir(folder)) entries.push(entry);
      } catch (error) {
        result.skipped.push({ path: folder, reason: reasonFor(error) });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subfolders: string[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const path = join(folder, entry.name);
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
        else if (isFile) await considerFile(path, root);
        else result.skipped.push({ path, reason: skipReasons.notARegularFile });
      }
      // Depth-first in name order: push in reverse so the first name is walked first.
      for (let i = subfolders.length - 1; i >= 0; i--) pending.push(subfolders[i] as string);
    }
  };

  for (const given of paths) {
    if (signal?.aborted) throw abortError(signal);
    const path = resolve(given);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      result.skipped.push({ path, reason: reasonFor(error) });
      continue;
    }
    // A file given by name is taken even when hidden: the user asked for it.
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) await considerFile(path, null);
    else result.skipped.push({ path, reason: skipReasons.notARegularFile });
  }
  return result;
}
