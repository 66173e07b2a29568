/**
 * Thumbnail settings: defaults, validation, sizes and output paths.
 * Browser-safe on purpose (pure string work, no node: imports): the renderer's live preview of an output path
 * runs the same code as the engine, for both `/` and `\` paths.
 */
import type { ThumbFormat, ThumbsOptions } from './types.js';

export const thumbFormats: readonly ThumbFormat[] = ['png', 'webp', 'jpeg', 'avif'];

/** The default output folder's name; it is made beside the input, with a folder per given folder in it (see `outputRootFor`). */
export const defaultOutputFolderName = 'thumbnails';

export const maxThumbSize = 4096;
export const maxThumbSizes = 16;
export const maxPatternLength = 200;

export const defaultThumbsOptions: ThumbsOptions = Object.freeze({
  sizes: Object.freeze([32, 64, 128]) as number[],
  format: 'png',
  quality: 80,
  outDir: null,
  pattern: '{name}_{size}.{ext}',
  mirrorFolders: true,
  existing: 'skip',
  keepMetadata: false,
}) as ThumbsOptions;

/** File extension written for each output format. */
export function outputExtension(format: ThumbFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

const placeholders = new Set(['name', 'size', 'ext', 'width', 'height']);
const placeholderPattern = /\{([A-Za-z]+)\}/g;
// Characters Windows refuses in file names; refused everywhere so a pattern behaves the same on every OS.
const forbiddenInNames = /[<>:"|?*\u0000-\u001f]/;

/** True when the pattern names outputs by their pixel size, which is only known once the image is read. */
export function patternUsesDimensions(pattern: string): boolean {
  return /\{(width|height)\}/.test(pattern);
}

/** What is wrong with a name pattern, or null when it is fine. */
export function patternProblem(pattern: string, sizeCount: number): string | null {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'the name pattern is empty';
  if (pattern.length > maxPatternLength) return `the name pattern is longer than ${maxPatternLength} characters`;
  for (const match of pattern.matchAll(placeholderPattern)) {
    if (!placeholders.has(match[1] ?? '')) return `unknown placeholder ${match[0]} (use {name}, {size}, {ext}, {width}, {height})`;
  }
  if (!pattern.includes('{name}')) return 'the name pattern must contain {name}, or every input would write the same file';
  if (sizeCount > 1 && !/\{(size|width|height)\}/.test(pattern)) {
    return 'with several sizes the name pattern must contain {size} (or {width} / {height})';
  }
  const segments = pattern.split(/[\\/]/);
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      return 'the name pattern may name subfolders (a/b), but not absolute paths, empty parts, "." or ".."';
    }
    if (forbiddenInNames.test(segment)) return 'the name pattern contains a character file names cannot hold (< > : " | ? * or a control character)';
  }
  return null;
}

/** What is wrong with a whole set of options, or null when they are fine. */
export function thumbsOptionsProblem(options: ThumbsOptions): string | null {
  if (!options || typeof options !== 'object') return 'options are missing';
  const { sizes } = options;
  if (!Array.isArray(sizes) || sizes.length === 0) return 'give at least one size';
  if (sizes.length > maxThumbSizes) return `at most ${maxThumbSizes} sizes`;
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1 || size > maxThumbSize) return `size ${String(size)} is not a whole number from 1 to ${maxThumbSize}`;
  }
  if (new Set(sizes).size !== sizes.length) return 'a size is listed twice';
  if (!thumbFormats.includes(options.format)) return `format ${String(options.format)} is not one of ${thumbFormats.join(', ')}`;
  if (!Number.isInteger(options.quality) || options.quality < 1 || options.quality > 100) return 'quality must be a whole number from 1 to 100';
  if (options.outDir !== null && (typeof options.outDir !== 'string' || options.outDir.length === 0 || options.outDir.includes('\u0000'))) {
    return 'the output folder is not a valid path';
  }
  if (options.existing !== 'skip' && options.existing !== 'overwrite') return 'existing must be "skip" or "overwrite"';
  if (typeof options.mirrorFolders !== 'boolean' || typeof options.keepMetadata !== 'boolean') return 'mirrorFolders and keepMetadata must be true or false';
  return patternProblem(options.pattern, sizes.length);
}

export class ThumbsOptionsError extends Error {
  override name = 'ThumbsOptionsError';
}

export function assertThumbsOptions(options: ThumbsOptions): void {
  const problem = thumbsOptionsProblem(options);
  if (problem) throw new ThumbsOptionsError(`Invalid thumbnail options: ${problem}`);
}

/** Pixel size of a thumbnail: fit inside a size x size box, aspect ratio kept, never enlarged. */
export function thumbDimensions(width: number, height: number, size: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= size) return { width, height };
  const scale = size / longest;
  return {
    width: width >= height ? size : Math.max(1, Math.round(width * scale)),
    height: height >= width ? size : Math.max(1, Math.round(height * scale)),
  };
}

// ---- path text, for both / and \ ----
// A path is Windows-style ("C:\x", "\\server\share", or only backslashes): there both separators count.
// Otherwise it is POSIX-style, where only "/" separates and a backslash is an ordinary character of a name.

type Separator = '/' | '\\';

export function isWindowsPath(path: string): boolean {
  return /^[A-Za-z]:([\\/]|$)/.test(path) || path.startsWith('\\\\') || (path.includes('\\') && !path.includes('/'));
}

function separatorOf(path: string): Separator {
  return isWindowsPath(path) ? '\\' : '/';
}

function isSeparator(char: string | undefined, windows: boolean): boolean {
  return char === '/' || (windows && char === '\\');
}

/** Length of the root part that must stay whole: "/", "C:\", "C:", "\\server\share\". */
function rootLength(path: string): number {
  if (isWindowsPath(path)) {
    const drive = /^[A-Za-z]:[\\/]?/.exec(path);
    if (drive) return drive[0].length;
    const unc = /^[\\/]{2}[^\\/]+[\\/]+[^\\/]+[\\/]?/.exec(path);
    if (unc) return unc[0].length;
    return /^[\\/]/.test(path) ? 1 : 0;
  }
  return path.startsWith('/') ? 1 : 0;
}

function trimTrailingSeparators(path: string): string {
  const windows = isWindowsPath(path);
  const keep = rootLength(path);
  let end = path.length;
  while (end > keep && isSeparator(path[end - 1], windows)) end--;
  return path.slice(0, end);
}

function lastSeparator(path: string): number {
  return isWindowsPath(path) ? Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) : path.lastIndexOf('/');
}

function dirnameOf(path: string): string {
  const trimmed = trimTrailingSeparators(path);
  const cut = lastSeparator(trimmed);
  if (cut < 0) return '.';
  const keep = rootLength(trimmed);
  if (cut < keep) return trimmed.slice(0, keep);
  return trimTrailingSeparators(trimmed.slice(0, cut)) || trimmed.slice(0, keep);
}

function basenameOf(path: string): string {
  const trimmed = trimTrailingSeparators(path);
  return trimmed.slice(lastSeparator(trimmed) + 1);
}

/** A file's name without its last extension, as node's path.parse does ("a.b.jpg" -> "a.b", ".hidden" -> ".hidden"). */
export function stemOf(path: string): string {
  const base = basenameOf(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Append already-split path parts to a folder with the folder's own separator. */
function joinParts(folder: string, parts: readonly string[]): string {
  const kept = parts.filter((part) => part !== '');
  if (kept.length === 0) return folder;
  const separator = separatorOf(folder);
  const head = isSeparator(folder.at(-1), separator === '\\') ? folder : folder + separator;
  return head + kept.join(separator);
}

function segmentsOf(path: string): string[] {
  const trimmed = trimTrailingSeparators(path);
  const parts = isWindowsPath(trimmed) ? trimmed.split(/[\\/]+/) : trimmed.split(/\/+/);
  return parts.filter((segment, index) => segment !== '' || index === 0);
}

/** Subfolders of `input`'s folder below `root`, or [] when `root` is not one of its folders. */
function mirroredFolders(input: string, root: string): string[] {
  const rootSegments = segmentsOf(root);
  const folderSegments = segmentsOf(dirnameOf(input));
  const caseless = isWindowsPath(root);
  const same = (a: string, b: string) => (caseless ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (folderSegments.length < rootSegments.length) return [];
  for (let i = 0; i < rootSegments.length; i++) {
    if (!same(rootSegments[i] ?? '', folderSegments[i] ?? '')) return [];
  }
  return folderSegments.slice(rootSegments.length).filter((segment) => segment !== '' && segment !== '.');
}

/**
 * The output folder of a job's input: the chosen `outDir`, or by default a folder of its own below a `thumbnails`
 * folder beside the input: for a folder that was given, `thumbnails/<its name>` beside it (`~/photos` ->
 * `~/thumbnails/photos`, so sibling folders never share one: `~/trip` -> `~/thumbnails/trip`); for a file given
 * directly, the `thumbnails` folder beside it (its outputs are named after it).
 */
export function outputRootFor(input: string, root: string | null, options: Pick<ThumbsOptions, 'outDir'>): string {
  if (options.outDir) return trimTrailingSeparators(options.outDir);
  if (root === null) return joinParts(dirnameOf(input), [defaultOutputFolderName]);
  return joinParts(dirnameOf(root), [defaultOutputFolderName, basenameOf(root)]);
}

/** The folder an input's thumbnails go to: the output root, plus the input's subfolders below its root when mirrored. */
export function outputFolderFor(input: string, root: string | null, options: Pick<ThumbsOptions, 'outDir' | 'mirrorFolders'>): string {
  const outRoot = outputRootFor(input, root, options);
  if (!options.mirrorFolders || root === null) return outRoot;
  return joinParts(outRoot, mirroredFolders(input, root));
}

/** The output file name (possibly with subfolders) the pattern gives; `{width}`/`{height}` stay as they are without `dimensions`. */
export function renderPattern(
  pattern: string,
  values: { name: string; size: number; ext: string; width?: number | undefined; height?: number | undefined },
): string {
  return pattern.replace(placeholderPattern, (whole, key: string) => {
    switch (key) {
      case 'name':
        return values.name;
      case 'size':
        return String(values.size);
      case 'ext':
        return values.ext;
      case 'width':
        return values.width === undefined ? whole : String(values.width);
      case 'height':
        return values.height === undefined ? whole : String(values.height);
      default:
        return whole;
    }
  });
}

/**
 * Where the thumbnail of `input` at `size` is written. `dimensions` (the thumbnail's pixel size) fills `{width}` and
 * `{height}`; without it they are left in place (a preview before the image is read).
 */
export function outputPathFor(
  input: string,
  root: string | null,
  size: number,
  options: ThumbsOptions,
  dimensions?: { width: number; height: number },
): string {
  const folder = outputFolderFor(input, root, options);
  const values = { name: stemOf(input), size, ext: outputExtension(options.format), width: dimensions?.width, height: dimensions?.height };
  // Split the pattern (where "/" and "\" name subfolders) before filling it, so a name holding a "\" stays one name.
  return joinParts(folder, options.pattern.split(/[\\/]/).map((segment) => renderPattern(segment, values)));
}
