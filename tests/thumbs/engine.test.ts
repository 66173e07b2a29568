/** The one-file engine: sizes, formats, orientation, metadata, hostile files, atomic writes, sources never touched. */
import { createHash } from 'node:crypto';
import { link, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultThumbsOptions } from '../../src/thumbs/options.js';
import { OWN_OUTPUTS_FILE } from '../../src/thumbs/own-outputs.js';
import type { ThumbsOptions } from '../../src/thumbs/types.js';
import {
  bombPng,
  makeTempDir,
  meanColour,
  writeAnimatedGif,
  writeJpeg,
  writePng,
  writePng16,
  writeSvg,
  writeTiff16,
  photo,
} from './images.js';

// Count what the engine hands to sharp, to prove each image is decoded once.
const sharpInputs = vi.hoisted(() => ({ calls: [] as unknown[] }));
vi.mock('../../src/thumbs/sharp.js', async (importOriginal) => {
  const real = (await importOriginal<typeof import('../../src/thumbs/sharp.js')>()).sharp;
  const counted = Object.assign((...args: Parameters<typeof real>) => {
    sharpInputs.calls.push(args[0]);
    return real(...args);
  }, real);
  return { sharp: counted };
});

const { thumbnailFile, maxInputPixels, maxDecodeBytes } = await import('../../src/thumbs/engine.js');

const options = (overrides: Partial<ThumbsOptions> = {}): ThumbsOptions => ({ ...defaultThumbsOptions, sizes: [32, 64, 128], ...overrides });

let dir: string;
let cleanup: () => Promise<void>;
let counter = 0;
/** A fresh folder per test, so outputs never meet. */
async function folder(): Promise<string> {
  const path = join(dir, `case${++counter}`);
  await mkdir(path);
  return path;
}

const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(async () => {
  await cleanup();
});

describe('sizes and geometry', () => {
  it('fits every size inside its box, keeps the aspect ratio and writes the default names beside the input', async () => {
    const here = await folder();
    const input = join(here, 'beach.jpg');
    await writeJpeg(input, 300, 200);
    const record = await thumbnailFile({ index: 7, input, root: null, options: options() });
    expect(record.error).toBeNull();
    expect(record.index).toBe(7);
    expect(record.input).toBe(input);
    expect(record.outputs.map((o) => [o.size, o.width, o.height])).toEqual([
      [32, 32, 21],
      [64, 64, 43],
      [128, 128, 85],
    ]);
    for (const output of record.outputs) {
      expect(output.path).toBe(join(here, 'thumbnails', `beach_${output.size}.png`));
      const meta = await sharp(output.path).metadata();
      expect(meta.format).toBe('png');
      expect([meta.width, meta.height]).toEqual([output.width, output.height]);
      expect(output.skipped).toBeUndefined();
    }
  });

  it('fits portrait images by their height', async () => {
    const here = await folder();
    const input = join(here, 'tall.png');
    await writePng(input, 100, 400);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [64] }) });
    expect(record.outputs).toMatchObject([{ size: 64, width: 16, height: 64 }]);
  });

  it('never enlarges an image smaller than the box', async () => {
    const here = await folder();
    const input = join(here, 'small.png');
    await writePng(input, 50, 40);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(record.error).toBeNull();
    expect(record.outputs.map((o) => [o.size, o.width, o.height])).toEqual([
      [32, 32, 26],
      [64, 50, 40],
      [128, 50, 40],
    ]);
    expect((await sharp(record.outputs[2]!.path).metadata()).width).toBe(50);
  });

  it('applies the EXIF orientation (a landscape sensor image tagged "rotate 90" becomes portrait)', async () => {
    const here = await folder();
    const input = join(here, 'rotated.jpg');
    await writeJpeg(input, 300, 200, { orientation: 6 });
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [128] }) });
    expect(record.outputs).toMatchObject([{ width: 85, height: 128 }]);
    const meta = await sharp(record.outputs[0]!.path).metadata();
    expect([meta.width, meta.height]).toEqual([85, 128]);
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('turns and mirrors exactly as the EXIF orientation says, for all eight values (and keeps metadata upright)', async () => {
    const here = await folder();
    // Four coloured quadrants tell every turn and mirror apart.
    const quadrants = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#ff0000' } })
      .composite([
        { input: { create: { width: 60, height: 40, channels: 3, background: '#00ff00' } }, left: 60, top: 0 },
        { input: { create: { width: 60, height: 40, channels: 3, background: '#0000ff' } }, left: 0, top: 40 },
        { input: { create: { width: 60, height: 40, channels: 3, background: '#ffffff' } }, left: 60, top: 40 },
      ])
      .png()
      .toBuffer();
    const corner = async (path: string, width: number, height: number) => {
      const pixels = await sharp(path).removeAlpha().raw().toBuffer();
      const at = (x: number, y: number) => [...pixels.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)].map((v) => (v > 127 ? 1 : 0)).join('');
      return [at(2, 2), at(width - 3, 2), at(2, height - 3), at(width - 3, height - 3)].join(' ');
    };
    for (let orientation = 1; orientation <= 8; orientation++) {
      const input = join(here, `o${orientation}.jpg`);
      await sharp(quadrants).jpeg({ quality: 95 }).withMetadata({ orientation }).toFile(input);
      for (const keepMetadata of [false, true]) {
        const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [60], keepMetadata, pattern: `{name}_{size}_${keepMetadata}.{ext}` }) });
        expect(record.error).toBeNull();
        const output = record.outputs[0]!;
        const reference = join(here, `reference${orientation}.png`);
        const expected = await sharp(input, { autoOrient: true }).resize(60, 60, { fit: 'inside' }).png().toFile(reference);
        expect([output.width, output.height], `orientation ${orientation}`).toEqual([expected.width, expected.height]);
        expect(await corner(output.path, output.width, output.height), `orientation ${orientation}`).toBe(await corner(reference, expected.width, expected.height));
        expect((await sharp(output.path).metadata()).orientation ?? 1).toBe(1);
      }
    }
  });

  it('decodes each image once, at the largest size, and derives the smaller sizes from that result', async () => {
    const here = await folder();
    const input = join(here, 'once.jpg');
    await writeJpeg(input, 1200, 800);
    sharpInputs.calls.length = 0;
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [32, 64, 128, 256] }) });
    expect(record.error).toBeNull();
    // The header read (no pixels decoded) and one decode; every other sharp instance works on the small base.
    expect(sharpInputs.calls.filter((call) => call === input)).toHaveLength(2);
    const derived = sharpInputs.calls.filter((call) => call !== input);
    expect(derived).toHaveLength(4);
    for (const base of derived) {
      expect(Buffer.isBuffer(base)).toBe(true);
      expect((base as Buffer).length).toBe(256 * 171 * 3);
    }
  });
});

describe('input formats', () => {
  it('reads JPEG, PNG (with alpha, and 16-bit), WebP, GIF, TIFF (8- and 16-bit), AVIF and SVG', async () => {
    const here = await folder();
    const files: [string, () => Promise<unknown>][] = [
      ['a.jpg', () => writeJpeg(join(here, 'a.jpg'), 240, 160)],
      ['b.png', () => writePng(join(here, 'b.png'), 240, 160, true)],
      ['c.png', () => writePng16(join(here, 'c.png'), 240, 160)],
      ['d.webp', () => photo(240, 160).webp().toFile(join(here, 'd.webp'))],
      ['e.gif', () => photo(240, 160).gif().toFile(join(here, 'e.gif'))],
      ['f.tif', () => photo(240, 160).tiff().toFile(join(here, 'f.tif'))],
      ['g.tiff', () => writeTiff16(join(here, 'g.tiff'), 240, 160)],
      ['h.avif', () => photo(240, 160).avif({ effort: 0 }).toFile(join(here, 'h.avif'))],
      ['i.svg', () => writeSvg(join(here, 'i.svg'), 240, 160)],
    ];
    for (const [, make] of files) await make();
    expect((await sharp(join(here, 'c.png')).metadata()).depth).toBe('ushort');
    expect((await sharp(join(here, 'g.tiff')).metadata()).depth).toBe('ushort');
    for (const [name] of files) {
      const input = join(here, name);
      const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [64] }) });
      expect(record.error, name).toBeNull();
      expect(record.outputs, name).toMatchObject([{ size: 64, width: 64, height: 43 }]);
      const meta = await sharp(record.outputs[0]!.path).metadata();
      expect([meta.format, meta.width, meta.height, meta.depth], name).toEqual(['png', 64, 43, 'uchar']);
    }
    // The 16-bit TIFF holds the photo gradient: its thumbnail is not black or white noise.
    const tiffThumb = await meanColour(join(here, 'thumbnails', 'g_64.png'));
    const jpegThumb = await meanColour(join(here, 'thumbnails', 'a_64.png'));
    expect(Math.abs(tiffThumb.r - jpegThumb.r)).toBeLessThan(20);
    expect(Math.abs(tiffThumb.g - jpegThumb.g)).toBeLessThan(20);
  });

  it('takes the first frame of an animated GIF', async () => {
    const here = await folder();
    const input = join(here, 'anim.gif');
    await writeAnimatedGif(input, 80, 60);
    expect((await sharp(input).metadata()).pages).toBe(2);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [32] }) });
    expect(record.outputs).toMatchObject([{ width: 32, height: 24 }]);
    const colour = await meanColour(record.outputs[0]!.path);
    expect(colour.r).toBeGreaterThan(200);
    expect(colour.b).toBeLessThan(50);
  });

  it('keeps the alpha channel in PNG output', async () => {
    const here = await folder();
    const input = join(here, 'alpha.png');
    await writePng(input, 200, 100, true);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [100] }) });
    const meta = await sharp(record.outputs[0]!.path).metadata();
    expect(meta.hasAlpha).toBe(true);
    const right = await sharp(record.outputs[0]!.path).extract({ left: 80, top: 10, width: 10, height: 10 }).raw().toBuffer();
    expect(right[3]).toBe(96);
  });
});

describe('output formats, quality and metadata', () => {
  it('writes PNG, WebP, JPEG and AVIF with the matching extension', async () => {
    const here = await folder();
    const input = join(here, 'f.png');
    await writePng(input, 300, 200, true);
    for (const [format, ext] of [
      ['png', 'png'],
      ['webp', 'webp'],
      ['jpeg', 'jpg'],
      ['avif', 'avif'],
    ] as const) {
      const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [64], format }) });
      expect(record.error).toBeNull();
      expect(record.outputs[0]!.path).toBe(join(here, 'thumbnails', `f_64.${ext}`));
      const meta = await sharp(record.outputs[0]!.path).metadata();
      expect(meta.format).toBe(format === 'avif' ? 'heif' : format);
      expect([meta.width, meta.height]).toEqual([64, 43]);
    }
    // JPEG has no alpha: the transparent half is put on white, not black.
    const jpegRight = await meanColour(join(here, 'thumbnails', 'f_64.jpg'));
    expect(jpegRight.r + jpegRight.g + jpegRight.b).toBeGreaterThan(3 * 100);
  });

  it('writes PNG rows with adaptive filters (a filter chosen per row), as Pillow does, not all unfiltered', async () => {
    const here = await folder();
    const input = join(here, 'filters.jpg');
    await writeJpeg(input, 600, 400);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [128] }) });
    const png = await readFile(record.outputs[0]!.path);
    // The image data: every IDAT chunk's payload, inflated; each row starts with its filter type (0 = none).
    const chunks: Buffer[] = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      if (png.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
      at += 12 + length;
    }
    const rows = inflateSync(Buffer.concat(chunks));
    const { width, height, channels } = await sharp(png).metadata();
    const stride = 1 + width! * channels!;
    expect(rows.length).toBe(stride * height!);
    const filters = new Set(Array.from({ length: height! }, (_, row) => rows[row * stride]));
    expect([...filters].some((filter) => filter !== 0)).toBe(true);
  });

  it('uses the quality for lossy formats', async () => {
    const here = await folder();
    const input = join(here, 'q.jpg');
    await writeJpeg(input, 600, 400);
    const sizes: number[] = [];
    for (const quality of [10, 95]) {
      const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [256], format: 'webp', quality, existing: 'overwrite' }) });
      sizes.push((await stat(record.outputs[0]!.path)).size);
    }
    expect(sizes[0]!).toBeLessThan(sizes[1]! * 0.6);
  });

  it('strips metadata by default and keeps it when asked', async () => {
    const here = await folder();
    const input = join(here, 'm.jpg');
    await writeJpeg(input, 300, 200, { copyright: 'Titlewave test copyright' });
    expect((await sharp(input).metadata()).exif?.toString('latin1')).toContain('Titlewave test copyright');

    const stripped = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [32, 64], format: 'jpeg' }) });
    for (const output of stripped.outputs) {
      const meta = await sharp(output.path).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
    }
    const kept = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [32, 64], format: 'jpeg', keepMetadata: true, pattern: '{name}_{size}_meta.{ext}' }) });
    expect(kept.error).toBeNull();
    for (const output of kept.outputs) {
      const meta = await sharp(output.path).metadata();
      expect(meta.exif?.toString('latin1')).toContain('Titlewave test copyright');
      expect(meta.width).toBe(output.width);
    }
  });
});

describe('hostile and broken files', () => {
  it('refuses a 50000 x 50000 PNG bomb from its header, quickly and without using memory', async () => {
    const here = await folder();
    const input = join(here, 'bomb.png');
    const bomb = await bombPng(50_000);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await writeFile(input, bomb);
    const rssBefore = process.memoryUsage().rss;
    const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(record.error?.code).toBe('TOO_LARGE');
    expect(record.error?.message).toContain('50000 x 50000');
    expect(record.outputs).toEqual([]);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(50_000 * 50_000).toBeGreaterThan(maxInputPixels);
  });

  it('refuses images that would be decoded whole (progressive JPEG, interlaced PNG) beyond the memory budget, from the header', async () => {
    const here = await folder();
    // Small real files whose headers are rewritten to claim 16000 x 16000 pixels: only the header is ever read.
    const progressive = Buffer.from(await photo(16, 16).jpeg({ progressive: true }).toBuffer());
    const sof2 = progressive.indexOf(Buffer.from([0xff, 0xc2]));
    expect(sof2).toBeGreaterThan(0);
    progressive.writeUInt16BE(16000, sof2 + 5);
    progressive.writeUInt16BE(16000, sof2 + 7);
    await writeFile(join(here, 'progressive.jpg'), progressive);

    const interlaced = Buffer.from(await photo(16, 16, 4).png({ progressive: true }).toBuffer());
    interlaced.writeUInt32BE(16000, 16);
    interlaced.writeUInt32BE(16000, 20);
    interlaced.writeUInt32BE(crc32(interlaced.subarray(12, 29)) >>> 0, 29);
    await writeFile(join(here, 'interlaced.png'), interlaced);

    for (const [name, what] of [
      ['progressive.jpg', 'a progressive JPEG'],
      ['interlaced.png', 'an interlaced PNG'],
    ]) {
      const rssBefore = process.memoryUsage().rss;
      const record = await thumbnailFile({ index: 0, input: join(here, name!), root: null, options: options() });
      expect(record.error?.code, name).toBe('TOO_LARGE');
      expect(record.error?.message, name).toContain(`16000 x 16000 pixels in ${what} is decoded whole`);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    }
    expect(maxDecodeBytes).toBe(768 * 1024 * 1024);
  });

  it('gives truncated JPEG, PNG and WebP files a CORRUPT record', async () => {
    const here = await folder();
    const makers = {
      'cut.jpg': photo(400, 300).jpeg().toBuffer(),
      'cut.png': photo(400, 300).png().toBuffer(),
      'cut.webp': photo(400, 300).webp().toBuffer(),
    };
    for (const [name, made] of Object.entries(makers)) {
      const whole = await made;
      const input = join(here, name);
      await writeFile(input, whole.subarray(0, Math.floor(whole.length * 0.6)));
      const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
      expect(record.error?.code, name).toBe('CORRUPT');
      expect(record.outputs, name).toEqual([]);
    }
    expect(await readdir(join(here))).not.toContain('thumbnails');
  });

  it('says what is wrong with a PNG cut inside its header, without a dangling colon', async () => {
    const here = await folder();
    const input = join(here, 'header-only.png');
    await writeFile(input, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(record.error).toEqual({ code: 'CORRUPT', message: 'the image cannot be decoded: Input file has corrupt header' });
  });

  it('gives a fake image (text named .jpg) a CORRUPT record and an unknown file UNSUPPORTED', async () => {
    const here = await folder();
    await writeFile(join(here, 'fake.jpg'), 'this is not a JPEG at all\n');
    await writeFile(join(here, 'notes.txt'), 'plain text\n');
    await writeFile(join(here, 'pic.bmp'), Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]));
    expect((await thumbnailFile({ index: 0, input: join(here, 'fake.jpg'), root: null, options: options() })).error?.code).toBe('CORRUPT');
    expect((await thumbnailFile({ index: 0, input: join(here, 'notes.txt'), root: null, options: options() })).error?.code).toBe('UNSUPPORTED');
    const bmp = await thumbnailFile({ index: 0, input: join(here, 'pic.bmp'), root: null, options: options() });
    expect(bmp.error).toEqual({ code: 'UNSUPPORTED', message: 'BMP images are not supported' });
  });

  it('reports a missing file as NOT_FOUND', async () => {
    const here = await folder();
    const record = await thumbnailFile({ index: 3, input: join(here, 'gone.jpg'), root: null, options: options() });
    expect(record).toMatchObject({ index: 3, outputs: [], error: { code: 'NOT_FOUND' } });
  });

  it('does not let an SVG pull in other files', async () => {
    const here = await folder();
    await writePng(join(here, 'secret.png'), 64, 64);
    const input = join(here, 'peek.svg');
    await writeFile(
      input,
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">` +
        `<image xlink:href="secret.png" width="64" height="64"/><image xlink:href="file://${join(here, 'secret.png')}" width="64" height="64"/></svg>`,
    );
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [64] }) });
    expect(record.error).toBeNull();
    const { channels } = await sharp(record.outputs[0]!.path).stats();
    // Nothing drawn: fully transparent.
    expect(channels[3]?.max).toBe(0);
  });
});

describe('writing safely', () => {
  it('skips its own thumbnails of the same image by default: a second run leaves them byte for byte and decodes nothing', async () => {
    const here = await folder();
    const input = join(here, 'keep.jpg');
    await writeJpeg(input, 300, 200);
    const first = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(first.error).toBeNull();
    expect(first.outputs.every((o) => !o.skipped)).toBe(true);
    const before = await sha(join(here, 'thumbnails', 'keep_64.png'));
    sharpInputs.calls.length = 0;
    const again = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(again.error).toBeNull();
    expect(again.outputs.every((o) => o.skipped)).toBe(true);
    expect(again.outputs[2]).toMatchObject({ width: 128, height: 85 });
    expect(await sha(join(here, 'thumbnails', 'keep_64.png'))).toBe(before);
    // The source's header was read (to plan the outputs), its pixels not decoded again.
    expect(sharpInputs.calls.filter((call) => call === input)).toHaveLength(1);
  });

  it('leaves a file it did not make where an output goes, and says so rather than counting it as made', async () => {
    const here = await folder();
    const input = join(here, 'keep.jpg');
    await writeJpeg(input, 300, 200);
    await mkdir(join(here, 'thumbnails'));
    await writeFile(join(here, 'thumbnails', 'keep_64.png'), 'made by the user');
    const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(record.error).toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringMatching(/a file Titlewave did not make is already at .*keep_64\.png: it is left as it is/) });
    expect(record.outputs).toEqual([]);
    expect(await readFile(join(here, 'thumbnails', 'keep_64.png'), 'utf8')).toBe('made by the user');
  });

  it("never takes another image's thumbnail for this one's, nor replaces it, even with overwrite", async () => {
    const here = await folder();
    // Two images given directly with the same name but their extension: their default outputs are the same files.
    const jpeg = join(here, 'twin.jpg');
    const png = join(here, 'twin.png');
    await writeJpeg(jpeg, 300, 200);
    await writePng(png, 200, 300);
    expect((await thumbnailFile({ index: 0, input: jpeg, root: null, options: options() })).error).toBeNull();
    const made = await sha(join(here, 'thumbnails', 'twin_64.png'));
    for (const existing of ['skip', 'overwrite'] as const) {
      const record = await thumbnailFile({ index: 0, input: png, root: null, options: options({ existing }) });
      expect(record.error, existing).toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringContaining(`already the thumbnail of another image, ${jpeg}`) });
      expect(record.outputs).toEqual([]);
    }
    expect(await sha(join(here, 'thumbnails', 'twin_64.png'))).toBe(made);
  });

  it('makes its thumbnails again when the image changed since, and when the list does not say which image they are of', async () => {
    const here = await folder();
    const input = join(here, 'edited.jpg');
    await writeJpeg(input, 300, 200);
    expect((await thumbnailFile({ index: 0, input, root: null, options: options() })).error).toBeNull();
    // Edited: another size and time.
    await writeJpeg(input, 200, 300);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(record.error).toBeNull();
    expect(record.outputs.map((o) => [o.skipped ?? false, o.width, o.height])).toEqual([
      [false, 21, 32],
      [false, 43, 64],
      [false, 85, 128],
    ]);
    expect((await sharp(join(here, 'thumbnails', 'edited_128.png')).metadata()).height).toBe(128);
    // A list written before sources were recorded: Titlewave's files, of an image it cannot name: made again.
    const list = join(here, 'thumbnails', OWN_OUTPUTS_FILE);
    const lines = (await readFile(list, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { name: string; size: number });
    await writeFile(list, lines.map(({ name, size }) => `${JSON.stringify({ name, size })}\n`).join(''));
    const legacy = await thumbnailFile({ index: 0, input, root: null, options: options() });
    expect(legacy.error).toBeNull();
    expect(legacy.outputs.every((o) => !o.skipped)).toBe(true);
  });

  it('overwrites existing outputs when asked, by renaming a finished file into place (never writing into the old one)', async () => {
    const here = await folder();
    const input = join(here, 'over.jpg');
    await writeJpeg(input, 300, 200);
    await mkdir(join(here, 'thumbnails'));
    const target = join(here, 'thumbnails', 'over_64.png');
    await writeFile(target, 'old');
    // A second name for the old file: an in-place write would change it too, a rename leaves it alone.
    await link(target, join(here, 'old-link'));
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ existing: 'overwrite' }) });
    expect(record.error).toBeNull();
    expect(record.outputs.every((o) => !o.skipped)).toBe(true);
    expect((await sharp(target).metadata()).width).toBe(64);
    expect(await readFile(join(here, 'old-link'), 'utf8')).toBe('old');
    // No temporary files are left behind; the list of the thumbnails Titlewave wrote is.
    expect((await readdir(join(here, 'thumbnails'))).sort()).toEqual(['.titlewave-thumbnails', 'over_128.png', 'over_32.png', 'over_64.png']);
  });

  it('refuses to write over its own source, even with overwrite on', async () => {
    const here = await folder();
    const input = join(here, 'self.png');
    await writePng(input, 300, 200);
    const before = await sha(input);
    const mtime = (await stat(input)).mtimeMs;
    for (const existing of ['skip', 'overwrite'] as const) {
      const record = await thumbnailFile({ index: 0, input, root: null, options: options({ outDir: here, pattern: '{name}.{ext}', sizes: [64], existing }) });
      expect(record.error?.code).toBe('WOULD_OVERWRITE_SOURCE');
      expect(record.outputs).toEqual([]);
    }
    expect(await sha(input)).toBe(before);
    expect((await stat(input)).mtimeMs).toBe(mtime);
  });

  it('refuses an output that is another name (hard link) of the source', async () => {
    const here = await folder();
    const input = join(here, 'linked.png');
    await writePng(input, 300, 200);
    await mkdir(join(here, 'thumbnails'));
    await link(input, join(here, 'thumbnails', 'linked_64.png'));
    const before = await sha(input);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [64], existing: 'overwrite' }) });
    expect(record.error?.code).toBe('WOULD_OVERWRITE_SOURCE');
    expect(await sha(input)).toBe(before);
  });

  it('refuses an output that lands on another source of the job (protectedPaths)', async () => {
    const here = await folder();
    const input = join(here, 'a.png');
    const other = join(here, 'a_64.png');
    await writePng(input, 300, 200);
    await writePng(other, 90, 90);
    const before = await sha(other);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ outDir: here, sizes: [64], existing: 'overwrite' }), protectedPaths: [other] });
    expect(record.error?.code).toBe('WOULD_OVERWRITE_SOURCE');
    expect(await sha(other)).toBe(before);
  });

  it('fills {width} and {height} in the name pattern with the thumbnail size', async () => {
    const here = await folder();
    const input = join(here, 'dims.jpg');
    await writeJpeg(input, 300, 200);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ pattern: '{size}/{name}-{width}x{height}.{ext}', format: 'webp' }) });
    expect(record.outputs.map((o) => o.path)).toEqual([
      join(here, 'thumbnails', '32', 'dims-32x21.webp'),
      join(here, 'thumbnails', '64', 'dims-64x43.webp'),
      join(here, 'thumbnails', '128', 'dims-128x85.webp'),
    ]);
  });

  it('writes one file for sizes that give the same name (a small image and a {width} pattern)', async () => {
    const here = await folder();
    const input = join(here, 'tiny.png');
    await writePng(input, 40, 30);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ pattern: '{name}_{width}.{ext}', sizes: [64, 128] }) });
    expect(record.error).toBeNull();
    expect(record.outputs).toEqual([
      { size: 64, path: join(here, 'thumbnails', 'tiny_40.png'), width: 40, height: 30 },
      { size: 128, path: join(here, 'thumbnails', 'tiny_40.png'), width: 40, height: 30 },
    ]);
  });

  it('writes outputs whose names are near the file-name limit (the temporary name stays short)', async () => {
    const here = await folder();
    const input = join(here, `${'n'.repeat(240)}.png`);
    await writePng(input, 60, 40);
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ sizes: [128] }) });
    expect(record.error).toBeNull();
    expect(record.outputs[0]!.path).toBe(join(here, 'thumbnails', `${'n'.repeat(240)}_128.png`));
    expect((await stat(record.outputs[0]!.path)).size).toBeGreaterThan(0);
  });

  it('reports WRITE_FAILED when the output folder cannot be made', async () => {
    const here = await folder();
    const input = join(here, 'w.jpg');
    await writeJpeg(input, 100, 100);
    await writeFile(join(here, 'blocker'), 'a file where a folder should be');
    const record = await thumbnailFile({ index: 0, input, root: null, options: options({ outDir: join(here, 'blocker', 'sub') }) });
    expect(record.error?.code).toBe('WRITE_FAILED');
  });
});
