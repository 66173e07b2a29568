/** What kind of image a file holds, from its first bytes and its name: used by the scan and to explain failures. */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';

/** Formats the engine reads (sharp's prebuilt libvips). */
export type ReadableImageKind = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'svg';
/** Image formats recognised but not decodable by sharp's prebuilt libvips: they get an UNSUPPORTED record, not a silent skip. */
export type UnreadableImageKind = 'heic' | 'bmp' | 'ico' | 'jxl' | 'psd';
export type ImageKind = ReadableImageKind | UnreadableImageKind;

export const imageExtensions: ReadonlyMap<string, ImageKind> = new Map([
  ['.jpg', 'jpeg'],
  ['.jpeg', 'jpeg'],
  ['.jpe', 'jpeg'],
  ['.jfif', 'jpeg'],
  ['.png', 'png'],
  ['.apng', 'png'],
  ['.webp', 'webp'],
  ['.gif', 'gif'],
  ['.tif', 'tiff'],
  ['.tiff', 'tiff'],
  ['.avif', 'avif'],
  ['.svg', 'svg'],
  ['.heic', 'heic'],
  ['.heif', 'heic'],
  ['.bmp', 'bmp'],
  ['.ico', 'ico'],
  ['.jxl', 'jxl'],
  ['.psd', 'psd'],
]);

const readableKinds: ReadonlySet<ImageKind> = new Set<ImageKind>(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'svg']);

export function isReadableKind(kind: ImageKind): kind is ReadableImageKind {
  return readableKinds.has(kind);
}

/** Bytes read to recognise a file; SVG may start with an XML declaration, comments and a doctype. */
export const sniffLength = 4096;

export function kindFromName(path: string): ImageKind | null {
  return imageExtensions.get(extname(path).toLowerCase()) ?? null;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length && i < bytes.length; i++) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}

/** The image format the bytes start with, or null when they are not an image we know. */
export function kindFromBytes(bytes: Uint8Array): ImageKind | null {
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 4) === 'GIF8') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  const tiffHead = ascii(bytes, 0, 4);
  if (tiffHead === 'II*\0' || tiffHead === 'MM\0*' || tiffHead === 'II+\0' || tiffHead === 'MM\0+') return 'tiff';
  if (ascii(bytes, 4, 4) === 'ftyp') {
    // ISO-BMFF: the major brand, then compatible brands, say AVIF (AV1) or HEIC (HEVC).
    const boxSize = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    const brands: string[] = [];
    for (let at = 8; at + 4 <= Math.min(boxSize, bytes.length, 64); at += 4) if (at !== 12) brands.push(ascii(bytes, at, 4));
    if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif';
    if (brands.some((brand) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand))) return 'heic';
    return null;
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 14) return 'bmp';
  if (b(0) === 0 && b(1) === 0 && b(2) === 1 && b(3) === 0) return 'ico';
  if ((b(0) === 0xff && b(1) === 0x0a) || ascii(bytes, 4, 4) === 'JXL ') return 'jxl';
  if (ascii(bytes, 0, 4) === '8BPS') return 'psd';
  // SVG: markup whose first element is <svg>, after an optional BOM, XML declaration, comments and doctype.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, sniffLength)).replace(/^\uFEFF/, '');
  const head = text.replace(/^\s*(<\?xml[\s\S]*?\?>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)\s*)*/i, '');
  if (/^<svg[\s>/]/i.test(head)) return 'svg';
  return null;
}

/** Read the first bytes of a regular file (the caller has checked it is one: opening a FIFO would block). */
export async function readHead(path: string, length = sniffLength): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The same, synchronously (for the worker, which has nothing else to do meanwhile). */
export function readHeadSync(path: string, length = sniffLength): Uint8Array {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const bytesRead = readSync(descriptor, buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    closeSync(descriptor);
  }
}
