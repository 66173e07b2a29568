/**
 * One image in, every thumbnail size out, in this process (a worker task runs it).
 *
 * The image is read once: its header first (format, size, orientation: a decompression bomb is refused here, before
 * any pixel is decoded), then one decode straight to the largest size needed, where libvips shrinks on load (JPEG DCT
 * scaling, WebP and SVG scale) and streams the rest. Every size is derived from that small result and encoded on its
 * own. Outputs are written to a hidden temporary file beside the target and renamed into place, so a crash never
 * leaves half a thumbnail; no output is ever written over a source.
 *
 * The small filesystem calls (stat, write of a few KB, link, rename) are synchronous: this runs in a worker process
 * that does nothing else meanwhile, and a direct call costs half of a trip through libuv's thread pool.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { assertThumbsOptions, outputPathFor, patternUsesDimensions, thumbDimensions } from './options.js';
import { noteOwnOutput, ownOutputStatusSync, type SourceIdentity } from './own-outputs.js';
import { sharp } from './sharp.js';
import { isReadableKind, kindFromBytes, kindFromName, readHeadSync, type ReadableImageKind } from './sniff.js';
import type { ThumbFileTask, ThumbOutput, ThumbRecord, ThumbsErrorCode, ThumbsOptions } from './types.js';
import { errorMessage } from '../errors.js';

/** Largest image decoded, in pixels (sharp's own default, 16383 x 16383): a 50000 x 50000 bomb is refused from its header. */
export const maxInputPixels = 0x3fff * 0x3fff;
/**
 * Memory one decode may take. Most images stream through libvips a few lines at a time whatever their size, but some
 * are decoded whole: progressive JPEG (every DCT coefficient is kept), interlaced PNG, GIF, AVIF/HEIF. Those are
 * refused from their header when they would need more than this (measured bytes per pixel in `bufferedBytesPerPixel`).
 */
export const maxDecodeBytes = 768 * 1024 * 1024;
/** SVG is parsed whole in memory; a bigger file is refused. */
export const maxVectorBytes = 32 * 1024 * 1024;

export class ThumbError extends Error {
  constructor(
    readonly code: ThumbsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ThumbError';
  }
}

interface ErrnoLike {
  code?: string;
}

/** One output file to make: the sizes that share it (a small image gives the same file for every larger box). */
interface PlannedOutput {
  sizes: number[];
  path: string;
  width: number;
  height: number;
  /** The file already exists (stat of its target). */
  existing: Stats | null;
  /** It is made over the existing file (overwrite, or Titlewave's own thumbnail of this image, made before it changed). */
  replace: boolean;
}

function oneLine(message: string): string {
  // libvips ends some messages with a colon and no detail ("Input file has corrupt header:").
  const line = message.replace(/\s+/g, ' ').trim().replace(/\s*:$/, '');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function messageOf(error: unknown): string {
  return oneLine(errorMessage(error));
}

function readError(error: unknown): ThumbError {
  const code = (error as ErrnoLike).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ThumbError('NOT_FOUND', 'the file does not exist (any more)');
  return new ThumbError('READ_FAILED', `the file cannot be read: ${messageOf(error)}`);
}

function decodeError(error: unknown): ThumbError {
  if (error instanceof ThumbError) return error;
  const code = (error as ErrnoLike).code;
  if (code) return readError(error);
  const message = messageOf(error);
  if (/pixel limit/i.test(message)) return new ThumbError('TOO_LARGE', message);
  if (/unsupported feature|no decoding plugin|not built|unsupported compression|unsupported image format/i.test(message)) {
    return new ThumbError('UNSUPPORTED', message);
  }
  return new ThumbError('CORRUPT', `the image cannot be decoded: ${message}`);
}

function writeError(error: unknown): ThumbError {
  if (error instanceof ThumbError) return error;
  return new ThumbError('WRITE_FAILED', messageOf(error));
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as ErrnoLike).code;
    if (code === 'ENOENT') return null;
    // ENOTDIR: a file stands where a folder of the path should be; making the folder will fail and say so.
    if (code === 'ENOTDIR') return null;
    throw writeError(error);
  }
}

// Filesystems of macOS and Windows ignore case by default: "A.png" and "a.png" are one file there.
const caseless = process.platform === 'darwin' || process.platform === 'win32';
const pathKey = (path: string) => (caseless ? resolve(path).toLowerCase() : resolve(path));

/** Bytes per pixel a whole-image decode holds (measured with libvips 8.18), or 0 when the image streams. */
function bufferedBytesPerPixel(kind: ReadableImageKind, meta: Metadata): number {
  const channels = meta.channels ?? 3;
  const sampleBytes = meta.depth === 'ushort' ? 2 : 1;
  switch (kind) {
    case 'avif':
      return 16;
    case 'gif':
      return 5;
    case 'jpeg':
      return meta.isProgressive ? channels + 0.5 : 0;
    case 'png':
      return meta.isProgressive ? channels * sampleBytes + 0.5 : 0;
    default:
      return 0;
  }
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino && a.ino !== 0;

function inputOptions(): SharpOptions {
  // 'error' fails truncated and broken pixel data; mere warnings (stray bytes many cameras write) still decode.
  return { limitInputPixels: maxInputPixels, failOn: 'error' };
}

function encoder(image: Sharp, options: ThumbsOptions, hasAlpha: boolean): Sharp {
  switch (options.format) {
    case 'png':
      // Adaptive filtering (a PNG filter chosen per row, as Pillow writes PNG; sharp's default is none): thumbnails of
      // photos a third smaller, for about 0.2 ms more per image (docs/thumbnails.md, "The floor, measured").
      return image.png({ compressionLevel: 6, adaptiveFiltering: true });
    case 'webp':
      return image.webp({ quality: options.quality });
    case 'jpeg':
      // JPEG has no alpha: put transparent images on white rather than libvips' black.
      return (hasAlpha ? image.flatten({ background: '#ffffff' }) : image).jpeg({ quality: options.quality });
    case 'avif':
      return image.avif({ quality: options.quality });
  }
}

/** Output folders this process made or found, so a job does not ask the filesystem again for every file. */
const knownFolders = new Set<string>();

/** Write a new file (never replacing one), making its folder first when needed. */
function writeInFolder(path: string, data: Uint8Array): void {
  const folder = dirname(path);
  if (!knownFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    if (knownFolders.size >= 10_000) knownFolders.clear();
    knownFolders.add(folder);
  }
  try {
    writeFileSync(path, data, { flag: 'wx' });
  } catch (error) {
    if ((error as ErrnoLike).code !== 'ENOENT') throw error;
    // The folder went away since (deleted by the user): make it again, once.
    mkdirSync(folder, { recursive: true });
    writeFileSync(path, data, { flag: 'wx' });
  }
}

/**
 * Move a finished temporary file to its target. Unless it is to `replace` the target, a target that appeared
 * meanwhile wins (link() refuses to replace it); else the rename replaces the target, unless it is the source.
 * Returns false when the target was left as it was.
 */
function commit(temporary: string, target: string, source: Stats, replace: boolean): boolean {
  if (!replace) {
    let landed = true;
    try {
      linkSync(temporary, target);
    } catch (error) {
      const code = (error as ErrnoLike).code ?? '';
      if (code === 'EEXIST') landed = false;
      // Filesystems without hard links (FAT, some network shares): check, then rename (no temporary file is left).
      else if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'].includes(code)) {
        if (!statOrNull(target)) {
          renameSync(temporary, target);
          return true;
        }
        landed = false;
      } else throw error;
    }
    unlinkSync(temporary);
    return landed;
  }
  const current = statOrNull(target);
  if (current && sameFile(current, source)) throw new ThumbError('WOULD_OVERWRITE_SOURCE', `${target} is the source image`);
  if (current?.isDirectory()) throw new ThumbError('WRITE_FAILED', `${target} is a folder`);
  renameSync(temporary, target);
  return true;
}

/** Make the planned outputs, deriving each from the decoded base; fills `done` as files land. */
async function writeOutputs(
  derive: () => Sharp,
  planned: PlannedOutput[],
  baseSize: { width: number; height: number },
  hasAlpha: boolean,
  source: Stats,
  sourceIdentity: SourceIdentity,
  options: ThumbsOptions,
  done: ThumbOutput[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const failures: ThumbError[] = [];
  // One after another: the outputs are small, and pipelines run side by side only contend for this worker's share
  // of the cores (measured: a tenth less CPU than all at once).
  for (const output of planned) {
    if (signal?.aborted) break;
    // Hidden (a scan skips it) and short (a long output name must not make the temporary one too long).
    const temporary = join(dirname(output.path), `.titlewave-${randomBytes(8).toString('hex')}.tmp`);
    try {
      let image = derive();
      if (output.width !== baseSize.width || output.height !== baseSize.height) {
        image = image.resize(output.width, output.height, { fit: 'fill' });
      }
      if (options.keepMetadata) image = image.keepMetadata();
      // Encoded in memory and written by us: cheaper than libvips' own file output for such small files.
      const encoded = await encoder(image, options, hasAlpha).toBuffer();
      writeInFolder(temporary, encoded);
      // Cancelled meanwhile: nothing more lands on disk (the catch removes the temporary file).
      signal?.throwIfAborted();
      // Listed before it lands, so no scan can take it for a source image (own-outputs.ts), with the image it is of.
      noteOwnOutput(output.path, encoded.length, sourceIdentity);
      const written = commit(temporary, output.path, source, output.replace);
      for (const size of output.sizes) {
        done.push({ size, path: output.path, width: output.width, height: output.height, ...(written ? {} : { skipped: true }) });
      }
    } catch (error) {
      rmSync(temporary, { force: true });
      failures.push(writeError(error));
    }
  }
  if (failures.length > 0) throw failures[0];
}

function realpathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * What to do with an output that exists: skip it when it is Titlewave's thumbnail of this same image, unchanged
 * (its folder's list says so: own-outputs.ts); make it again over Titlewave's own thumbnail of this image made before
 * the image changed (or before sources were recorded), or over anything with `existing: 'overwrite'`. Throws
 * OUTPUT_CONFLICT for a thumbnail of another image (never taken for this one's, never replaced by it) and, without
 * overwrite, for a file Titlewave did not make (left as it is).
 */
function decideExisting(path: string, existing: Stats, source: SourceIdentity, options: ThumbsOptions): 'skip' | 'replace' {
  const status = ownOutputStatusSync(dirname(path), basename(path), existing.size);
  if (!status.own) {
    if (options.existing === 'overwrite') return 'replace';
    throw new ThumbError('OUTPUT_CONFLICT', `a file Titlewave did not make is already at ${path}: it is left as it is (choose another output folder, or overwrite)`);
  }
  const made = status.source;
  if (made && made.path !== source.path) {
    throw new ThumbError('OUTPUT_CONFLICT', `${path} is already the thumbnail of another image, ${made.path}: choose another output folder or name pattern`);
  }
  if (options.existing === 'overwrite') return 'replace';
  return made && made.size === source.size && made.mtimeMs === source.mtimeMs ? 'skip' : 'replace';
}

/** Header of an existing output, for a skipped output's record; the planned size when it cannot be read. */
async function existingDimensions(output: PlannedOutput): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(output.path, { limitInputPixels: maxInputPixels }).metadata();
    if (meta.width && meta.height) return { width: meta.autoOrient?.width ?? meta.width, height: meta.autoOrient?.height ?? meta.height };
  } catch {
    // Not an image we can read: report the size this input would have been given.
  }
  return { width: output.width, height: output.height };
}

async function makeThumbnails(task: ThumbFileTask, done: ThumbOutput[], signal: AbortSignal | undefined): Promise<void> {
  const { input, root, options } = task;

  // 1. The source: a regular file, of a format we read, recognised from its bytes rather than its name.
  let source: Stats;
  let head: Uint8Array;
  try {
    source = statSync(input);
    if (!source.isFile()) throw new ThumbError('UNSUPPORTED', 'not a regular file');
    head = readHeadSync(input);
  } catch (error) {
    throw error instanceof ThumbError ? error : readError(error);
  }
  const kind = kindFromBytes(head);
  if (kind === null) {
    const claimed = kindFromName(input);
    if (claimed) throw new ThumbError('CORRUPT', `the file is named like a ${claimed.toUpperCase()} image but its content is not an image`);
    throw new ThumbError('UNSUPPORTED', 'not an image');
  }
  if (!isReadableKind(kind)) throw new ThumbError('UNSUPPORTED', `${kind.toUpperCase()} images are not supported`);

  // SVG is read from memory: librsvg then has no base folder to pull other files from.
  let data: string | Buffer = input;
  if (kind === 'svg') {
    if (source.size > maxVectorBytes) throw new ThumbError('TOO_LARGE', `SVG files over ${maxVectorBytes / 1024 / 1024} MiB are refused`);
    try {
      data = await readFile(input);
    } catch (error) {
      throw readError(error);
    }
  }

  // 2. The header: refuse bombs before decoding anything.
  let width: number;
  let height: number;
  let orientation: number;
  try {
    // The header only: no pixel is decoded, so the pixel limit is checked here, with the image's size in the message.
    const meta = await sharp(data, { ...inputOptions(), limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new ThumbError('CORRUPT', 'the image has no size');
    const pixels = meta.width * meta.height;
    if (pixels > maxInputPixels) {
      throw new ThumbError('TOO_LARGE', `${meta.width} x ${meta.height} pixels is more than the ${Math.floor(maxInputPixels / 1e6)} megapixels allowed`);
    }
    const wholeImageBytes = pixels * bufferedBytesPerPixel(kind, meta);
    if (wholeImageBytes > maxDecodeBytes) {
      const what = kind === 'png' ? 'an interlaced PNG' : kind === 'jpeg' ? 'a progressive JPEG' : kind === 'gif' ? 'a GIF' : 'an AVIF';
      throw new ThumbError(
        'TOO_LARGE',
        `${meta.width} x ${meta.height} pixels in ${what} is decoded whole: about ${Math.round(wholeImageBytes / 2 ** 20)} MiB, more than the ${maxDecodeBytes / 2 ** 20} MiB allowed`,
      );
    }
    orientation = meta.orientation ?? 1;
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
  } catch (error) {
    throw decodeError(error);
  }

  signal?.throwIfAborted();

  // 3. The outputs, their paths checked against the sources before anything is written.
  const planned = new Map<string, PlannedOutput>();
  const inputKey = pathKey(input);
  const protectedKeys = new Set((task.protectedPaths ?? []).map(pathKey));
  const withDimensions = patternUsesDimensions(options.pattern);
  for (const size of options.sizes) {
    const dimensions = thumbDimensions(width, height, size);
    const path = resolve(outputPathFor(input, root, size, options, withDimensions ? dimensions : undefined));
    if (pathKey(path) === inputKey || protectedKeys.has(pathKey(path))) {
      throw new ThumbError('WOULD_OVERWRITE_SOURCE', `the output ${path} would replace a source image`);
    }
    const known = planned.get(path);
    if (known) known.sizes.push(size);
    else planned.set(path, { sizes: [size], path, ...dimensions, existing: null, replace: false });
  }
  for (const output of planned.values()) {
    output.existing = statOrNull(output.path);
    // Another name for the source (a hard link, or a case-insensitive filesystem).
    if (output.existing && sameFile(output.existing, source)) {
      throw new ThumbError('WOULD_OVERWRITE_SOURCE', `the output ${output.path} is the source image`);
    }
    if (output.existing?.isDirectory()) throw new ThumbError('WRITE_FAILED', `a folder stands where the output ${output.path} goes`);
  }

  // An output that is there already is skipped only when it is Titlewave's thumbnail of this very image, unchanged.
  const sourceIdentity: SourceIdentity = { path: realpathOf(input), size: source.size, mtimeMs: source.mtimeMs };
  const toSkip: PlannedOutput[] = [];
  for (const output of planned.values()) {
    if (!output.existing) continue;
    const decision = decideExisting(output.path, output.existing, sourceIdentity, options);
    if (decision === 'skip') toSkip.push(output);
    else output.replace = true;
  }
  const toMake: PlannedOutput[] = [];
  for (const output of planned.values()) {
    if (toSkip.includes(output)) {
      const dimensions = await existingDimensions(output);
      for (const size of output.sizes) done.push({ size, path: output.path, ...dimensions, skipped: true });
    } else {
      toMake.push(output);
    }
  }
  if (toMake.length === 0) return;

  // 4. One decode, straight to the largest output needed (libvips shrinks on load), in the file's stored
  // orientation: asked to orient first, sharp would turn the full-size image before shrinking it (no shrink-on-load,
  // the whole image in memory), so the EXIF orientation is applied to the small base instead.
  const largest = toMake.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const baseSize = { width: largest.width, height: largest.height };
  const quarterTurn = orientation >= 5 && orientation <= 8;
  const storedSize = quarterTurn ? { width: baseSize.height, height: baseSize.width } : baseSize;
  let derive: () => Sharp;
  let hasAlpha: boolean;
  try {
    const pipeline = sharp(data, inputOptions()).resize(storedSize.width, storedSize.height, { fit: 'fill' });
    if (options.keepMetadata || orientation > 1) {
      // Raw pixels carry neither metadata nor an orientation: go through an uncompressed PNG of the base, which does.
      const tagged = options.keepMetadata ? pipeline.keepMetadata() : pipeline.withMetadata({ orientation });
      const png = await tagged.png({ compressionLevel: 0 }).toBuffer({ resolveWithObject: true });
      hasAlpha = png.info.channels === 2 || png.info.channels === 4;
      derive = () => sharp(png.data, { autoOrient: true });
    } else {
      const raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
      const { width: rawWidth, height: rawHeight, channels } = raw.info;
      hasAlpha = channels === 2 || channels === 4;
      derive = () => sharp(raw.data, { raw: { width: rawWidth, height: rawHeight, channels } });
    }
  } catch (error) {
    throw decodeError(error);
  }
  signal?.throwIfAborted();
  await writeOutputs(derive, toMake, baseSize, hasAlpha, source, sourceIdentity, options, done, signal);
}

/**
 * Make every thumbnail of one image. Never throws for a bad image or a failed write: the record says what happened.
 * Throws the signal's reason when cancelled (checked between steps; a file either lands whole or not at all).
 */
export async function thumbnailFile(task: ThumbFileTask, options: { signal?: AbortSignal } = {}): Promise<ThumbRecord> {
  assertThumbsOptions(task.options);
  const { signal } = options;
  signal?.throwIfAborted();
  const outputs: ThumbOutput[] = [];
  const record: ThumbRecord = { index: task.index, input: task.input, outputs, error: null };
  try {
    await makeThumbnails(task, outputs, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const failure = error instanceof ThumbError ? error : writeError(error);
    record.error = { code: failure.code, message: failure.message };
  }
  // Outputs in the order the sizes were given, whatever order their writes finished in.
  outputs.sort((a, b) => task.options.sizes.indexOf(a.size) - task.options.sizes.indexOf(b.size));
  return record;
}
