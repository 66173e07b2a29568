/** Real images made for the thumbnail tests: small, photo-like (noise over gradients), in every input format. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate, crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export async function makeTempDir(prefix = 'titlewave-thumbs-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // Retries: a recursive rm of a big tree can meet ENOTEMPTY on a busy filesystem (seen once on CI-like load).
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}

/** Raw RGB(A) pixels: diagonal gradients with deterministic noise, so encoders cannot cheat on flat colour. */
export function photoPixels(width: number, height: number, channels: 3 | 4 = 3, seed = 1): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  let state = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      const noise = (state >>> 24) % 32;
      const at = (y * width + x) * channels;
      pixels[at] = ((x * 255) / width + noise) & 255;
      pixels[at + 1] = ((y * 255) / height + noise) & 255;
      pixels[at + 2] = (((x + y) * 127) / (width + height) + noise) & 255;
      if (channels === 4) pixels[at + 3] = x < width / 2 ? 255 : 96;
    }
  }
  return pixels;
}

export function photo(width: number, height: number, channels: 3 | 4 = 3, seed = 1): Sharp {
  return sharp(photoPixels(width, height, channels, seed), { raw: { width, height, channels } });
}

export async function writeJpeg(path: string, width: number, height: number, options: { orientation?: number; copyright?: string } = {}): Promise<void> {
  let image = photo(width, height).jpeg({ quality: 85 });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  if (options.copyright) image = image.withExifMerge({ IFD0: { Copyright: options.copyright } });
  await image.toFile(path);
}

export async function writePng(path: string, width: number, height: number, alpha = false): Promise<void> {
  await photo(width, height, alpha ? 4 : 3).png().toFile(path);
}

/** A 16-bit-per-channel PNG. */
export async function writePng16(path: string, width: number, height: number): Promise<void> {
  await photo(width, height).toColourspace('rgb16').png().toFile(path);
}

/** A two-frame animated GIF: the first frame red, the second blue. */
export async function writeAnimatedGif(path: string, width: number, height: number): Promise<void> {
  const frame = (r: number, g: number, b: number) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
  await sharp([await frame(255, 0, 0), await frame(0, 0, 255)], { join: { animated: true } })
    .gif()
    .toFile(path);
}

/**
 * An uncompressed 16-bit RGB TIFF, written by hand: sharp writes TIFF at 8 bits only.
 * Pixels: the photo gradient scaled to 16 bits (value * 257), so its 8-bit reading is the photo again.
 */
export async function writeTiff16(path: string, width: number, height: number): Promise<void> {
  const eight = photoPixels(width, height, 3);
  const pixelBytes = width * height * 3 * 2;
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const headerSize = 8;
  const bitsOffset = headerSize; // three SHORTs for BitsPerSample
  const dataOffset = bitsOffset + 6;
  const ifdOffset = dataOffset + pixelBytes;
  entries.push([256, 4, 1, width]); // ImageWidth
  entries.push([257, 4, 1, height]); // ImageLength
  entries.push([258, 3, 3, bitsOffset]); // BitsPerSample -> 16,16,16
  entries.push([259, 3, 1, 1]); // Compression: none
  entries.push([262, 3, 1, 2]); // Photometric: RGB
  entries.push([273, 4, 1, dataOffset]); // StripOffsets
  entries.push([277, 3, 1, 3]); // SamplesPerPixel
  entries.push([278, 4, 1, height]); // RowsPerStrip
  entries.push([279, 4, 1, pixelBytes]); // StripByteCounts
  entries.push([284, 3, 1, 1]); // PlanarConfiguration: chunky
  const file = Buffer.alloc(ifdOffset + 2 + entries.length * 12 + 4);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(ifdOffset, 4);
  for (let i = 0; i < 3; i++) file.writeUInt16LE(16, bitsOffset + i * 2);
  for (let i = 0; i < eight.length; i++) file.writeUInt16LE((eight[i] as number) * 257, dataOffset + i * 2);
  file.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(count, at + 4);
    if (type === 3 && count === 1) file.writeUInt16LE(value, at + 8);
    else file.writeUInt32LE(value, at + 8);
  });
  file.writeUInt32LE(0, ifdOffset + 2 + entries.length * 12);
  await writeFile(path, file);
}

export async function writeSvg(path: string, width: number, height: number): Promise<void> {
  await writeFile(
    path,
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<defs><linearGradient id="g"><stop offset="0" stop-color="#0a8"/><stop offset="1" stop-color="#f60"/></linearGradient></defs>` +
      `<rect width="${width}" height="${height}" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#fff"/></svg>\n`,
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid decompression bomb: a 1-bit grey PNG of `side` x `side` pixels, all black, whose zlib stream inflates to
 * side * (side / 8 + 1) bytes. 50000 x 50000 is 2.5 gigapixels in about 300 KB. The zeros are deflated as a stream,
 * so making it never holds the inflated image either.
 */
export async function bombPng(side: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  // Every row is filter byte 0 followed by zero pixels: the whole stream is zeros.
  let left = (Math.ceil(side / 8) + 1) * side;
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const ended = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(4 << 20);
  while (left > 0) {
    const length = Math.min(left, zeros.length);
    left -= length;
    if (!deflate.write(zeros.subarray(0, length))) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(compressed)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Mean colour of an image file (for checking which frame or orientation ended up in a thumbnail). */
export async function meanColour(path: string): Promise<{ r: number; g: number; b: number }> {
  const { channels } = await sharp(path).stats();
  return { r: channels[0]?.mean ?? 0, g: channels[1]?.mean ?? 0, b: channels[2]?.mean ?? 0 };
}
