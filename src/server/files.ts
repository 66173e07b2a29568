/**
 * Opening the files browser mode serves, so that a link cannot widen what is served: a file of the renderer build
 * only when it is a regular file whose real path (every symlink resolved) is inside the build's real root, and a
 * preview only when the path still names the very file the services wrote (same device and inode, not a symlink).
 * Each check is made on the open file descriptor, so the file streamed is the file checked.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';
import type { PreviewFile } from '../services/previews.js';

export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/**
 * O_NOFOLLOW: the last component must not be a symlink (swapped in after realpath looked). O_NONBLOCK: opening a
 * named pipe returns at once (it is then refused as not a regular file) instead of waiting for a writer. Neither
 * exists on Windows.
 */
const readFlags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

async function openRegular(path: string, accept: (info: { dev: bigint; ino: bigint }) => boolean = () => true): Promise<OpenedFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, readFlags);
  } catch {
    return null;
  }
  try {
    const info = await handle.stat({ bigint: true });
    if (info.isFile() && accept(info)) return { handle, size: Number(info.size) };
  } catch {
    // unreadable: refused below
  }
  await handle.close();
  return null;
}

/** `path`, opened, when it is a regular file whose real path lies inside the real path of `root`; else null. */
export async function openInsideRoot(root: string, path: string): Promise<OpenedFile | null> {
  let realRoot: string;
  let realFile: string;
  try {
    [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]);
  } catch {
    return null;
  }
  if (!realFile.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return null;
  return openRegular(realFile);
}

/** The preview's file, opened, when its path still names the regular file the services wrote; else null. */
export function openPreview(file: PreviewFile): Promise<OpenedFile | null> {
  return openRegular(file.path, (info) => info.dev === file.dev && info.ino === file.ino);
}
