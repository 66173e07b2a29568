/**
 * Checks on the files and folders a command is given, made before any work: an input that is missing, unreadable
 * or a folder, an output that is a folder or has no folder to go in, and an output that is one of the run's own
 * inputs (under another name, through a symlink or a hard link). Every command of the CLI and the services that
 * take paths from the app use them, so every one refuses the same things with the same words. Node only.
 *
 * A problem is thrown as a PathProblem whose message names the path as given and says what to do; the CLI prints it
 * as a usage error (exit 2), the services as the command's error.
 */
import { constants, fstat, type BigIntStats } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { TitlewaveError } from '../errors.js';

export type PathProblemCode = 'NOT_FOUND' | 'NOT_READABLE' | 'IS_FOLDER' | 'NOT_A_FOLDER' | 'NO_FOLDER' | 'NOT_WRITABLE' | 'EMPTY_PATH' | 'IS_INPUT';

export class PathProblem extends TitlewaveError<PathProblemCode> {
  constructor(
    code: PathProblemCode,
    readonly path: string,
    message: string,
  ) {
    super(code, message);
  }
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? '';
}

async function statOrNull(path: string): Promise<BigIntStats | null> {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return null;
    throw error;
  }
}

function notEmpty(path: string, what: string, noun = 'file name'): void {
  if (path === '' || path.includes('\u0000')) throw new PathProblem('EMPTY_PATH', path, `${what} needs a ${noun}`);
}

/**
 * An input file to read: it exists, is not a folder, and may be read. Pipes and devices are fine (`<(command)` gives
 * one). Returns its stats (bigint: an inode number can exceed 2^53).
 */
export async function checkInputFile(path: string): Promise<BigIntStats> {
  notEmpty(path, 'an input');
  let info: BigIntStats | null;
  try {
    info = await statOrNull(path);
  } catch (error) {
    if (errno(error) === 'EACCES') throw new PathProblem('NOT_READABLE', path, `cannot read ${path}: permission denied`);
    throw error;
  }
  if (info === null) throw new PathProblem('NOT_FOUND', path, `cannot read ${path}: no such file`);
  if (info.isDirectory()) throw new PathProblem('IS_FOLDER', path, `${path} is a folder; give a file (one entry per line)`);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new PathProblem('NOT_READABLE', path, `cannot read ${path}: permission denied`);
  }
  return info;
}

/** A folder the output may be created in: it exists, is a folder, and may be written. */
async function checkParentFolder(path: string, what: string): Promise<void> {
  const folder = dirname(resolve(path));
  const info = await statOrNull(folder).catch(() => null);
  if (info === null) throw new PathProblem('NO_FOLDER', path, `cannot write ${what} ${path}: the folder ${folder} does not exist`);
  if (!info.isDirectory()) throw new PathProblem('NO_FOLDER', path, `cannot write ${what} ${path}: ${folder} is not a folder`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new PathProblem('NOT_WRITABLE', path, `cannot write ${what} ${path}: the folder ${folder} is not writable`);
  }
}

/**
 * An output file to write: not a folder, in a folder that exists and may be written, and writable itself when it
 * exists. Returns its stats, or null when it does not exist yet. Whether an existing file may be replaced is the
 * caller's rule (--force, --resume); this only says it could be written.
 */
export async function checkOutputFile(path: string, what = 'the output'): Promise<BigIntStats | null> {
  notEmpty(path, what);
  const info = await statOrNull(path).catch(() => null);
  if (info?.isDirectory()) throw new PathProblem('IS_FOLDER', path, `${path} is a folder; give a file name for ${what}`);
  if (info === null) {
    await checkParentFolder(path, what);
    return null;
  }
  try {
    await access(path, constants.W_OK);
  } catch {
    throw new PathProblem('NOT_WRITABLE', path, `cannot write ${what} ${path}: permission denied`);
  }
  // The lock and the sidecar go beside the file.
  if (info.isFile()) await checkParentFolder(path, what);
  return info;
}

/** An output folder: a folder or nothing yet (it is created), never a file. */
export async function checkOutputFolder(path: string, what = 'the output folder'): Promise<void> {
  notEmpty(path, what, 'folder name');
  const info = await statOrNull(path).catch(() => null);
  if (info !== null && !info.isDirectory()) throw new PathProblem('NOT_A_FOLDER', path, `${path} is a file, not a folder; give a folder for ${what}`);
}

/** What a path names, to tell whether two paths are one file: its device and inode when it exists, else its real path. */
export interface FileIdentity {
  /** The path as given, for messages. */
  name: string;
  id: { dev: bigint; ino: bigint } | null;
  /** Real path (symlinks resolved; of the folder for a file that does not exist yet). */
  real: string;
}

const caseInsensitive = process.platform === 'darwin' || process.platform === 'win32';

async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    try {
      return resolve(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/**
 * The identity of a path, or of an open file descriptor (standard input) with `name` for messages. Only regular files
 * (and paths that do not exist yet) can be the same file: a terminal, a pipe or /dev/null read and written by one run
 * destroys nothing.
 */
export async function fileIdentity(target: string | { fd: number; name: string }): Promise<FileIdentity> {
  const stream = (name: string): FileIdentity => ({ name, id: null, real: '' });
  if (typeof target !== 'string') {
    try {
      const info = await new Promise<BigIntStats>((done, fail) => fstat(target.fd, { bigint: true }, (error, stats) => (error ? fail(error) : done(stats))));
      return info.isFile() ? { name: target.name, id: { dev: info.dev, ino: info.ino }, real: '' } : stream(target.name);
    } catch {
      return stream(target.name);
    }
  }
  const info = await statOrNull(target).catch(() => null);
  if (info !== null && !info.isFile()) return stream(target);
  return { name: target, id: info === null ? null : { dev: info.dev, ino: info.ino }, real: await realPathOf(target) };
}

/** Whether two identities are the same file: same device and inode, or (when one does not exist) the same real path. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (a.id !== null && b.id !== null) return a.id.dev === b.id.dev && a.id.ino === b.id.ino;
  if (a.real === '' || b.real === '') return false;
  return caseInsensitive ? a.real.toLowerCase() === b.real.toLowerCase() : a.real === b.real;
}

/**
 * Refuse a run that would write one of its own inputs: each of `outputs` (files the run writes) is compared with each
 * of `inputs` (files it reads; `{ fd: 0, name: 'standard input' }` for stdin), after symlinks and hard links. Throws
 * a PathProblem naming both.
 */
export async function assertNotAnInput(outputs: readonly string[], inputs: readonly (string | { fd: number; name: string })[], what = 'the output'): Promise<void> {
  if (outputs.length === 0 || inputs.length === 0) return;
  const inputIds = await Promise.all(inputs.map((input) => fileIdentity(input)));
  for (const output of outputs) {
    const outputId = await fileIdentity(output);
    const input = inputIds.find((candidate) => sameFile(outputId, candidate));
    if (input === undefined) continue;
    const also = input.name === output ? '' : ` (the same file as ${input.name})`;
    throw new PathProblem('IS_INPUT', output, `${what} ${output} is an input of this run${also}; writing it would destroy the input: choose another file`);
  }
}
