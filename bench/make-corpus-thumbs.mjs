#!/usr/bin/env node
// The thumbnails benchmark corpus, in bench/.corpus/thumbs/ (git-ignored): 120 photo-like JPEGs of 3000x2000 and
// 30 PNGs of 2000x1500 with alpha. Photo-like: smooth colour fields (a coarse random grid upscaled, like an
// out-of-focus scene) with film-grain noise on top, so decoders and encoders see photo entropy, not flat colour.
// Made with sharp (libvips) from the project's own dependencies; deterministic per image. Reused when present.
// Usage: node bench/make-corpus-thumbs.mjs [--jpegs N] [--pngs N] [--out DIR]
import { mkdir, readdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
export const defaultCorpusDir = join(here, '.corpus', 'thumbs');

function seeded(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One photo-like image as a sharp pipeline: a smooth random field plus grain, optionally with a soft alpha mask. */
async function photoLike(width, height, seed, alpha) {
  const random = seeded(seed);
  const gridWidth = 12 + Math.floor(random() * 12);
  const gridHeight = Math.max(2, Math.round((gridWidth * height) / width));
  const grid = Buffer.alloc(gridWidth * gridHeight * 3);
  const base = [random() * 255, random() * 255, random() * 255];
  for (let i = 0; i < grid.length; i++) grid[i] = Math.max(0, Math.min(255, base[i % 3] + (random() - 0.5) * 220));
  const field = await sharp(grid, { raw: { width: gridWidth, height: gridHeight, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 24 } } })
    .raw()
    .toBuffer();
  // Sharp-edged shapes over the soft field: the edges and detail of objects in a scene.
  let shapes = '';
  for (let i = 0; i < 40; i++) {
    const colour = `rgb(${Math.floor(random() * 256)},${Math.floor(random() * 256)},${Math.floor(random() * 256)})`;
    const x = Math.floor(random() * width);
    const y = Math.floor(random() * height);
    const size = Math.floor((random() * width) / 8) + 10;
    shapes +=
      i % 2 === 0
        ? `<ellipse cx="${x}" cy="${y}" rx="${size}" ry="${Math.floor(size * (0.3 + random()))}" fill="${colour}" fill-opacity="0.55"/>`
        : `<rect x="${x}" y="${y}" width="${size}" height="${Math.floor(size * random()) + 4}" fill="${colour}" fill-opacity="0.45" transform="rotate(${Math.floor(random() * 90)} ${x} ${y})"/>`;
  }
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`);
  const scene = await sharp(field, { raw: { width, height, channels: 3 } })
    .composite([{ input: overlay }])
    .removeAlpha()
    .raw()
    .toBuffer();
  let image = sharp(scene, { raw: { width, height, channels: 3 } }).composite([
    { input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' },
  ]);
  if (alpha) {
    // A soft vignette of transparency: opaque in the middle, fading out towards the corners.
    const mask = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="m">` +
        `<stop offset="0.5" stop-color="#fff"/><stop offset="1" stop-color="#000"/></radialGradient></defs>` +
        `<rect width="100%" height="100%" fill="url(#m)"/></svg>`,
    );
    const alphaChannel = await sharp(mask).extractChannel(0).raw().toBuffer();
    const flattened = await image.removeAlpha().raw().toBuffer();
    image = sharp(flattened, { raw: { width, height, channels: 3 } }).joinChannel(alphaChannel, { raw: { width, height, channels: 1 } });
  }
  return alpha ? image : image.removeAlpha();
}

export async function makeThumbsCorpus({ jpegs = 120, pngs = 30, dir = defaultCorpusDir, log = () => {} } = {}) {
  await mkdir(dir, { recursive: true });
  const present = new Set(await readdir(dir));
  const wanted = [
    ...Array.from({ length: jpegs }, (_, i) => ({ name: `photo_${String(i + 1).padStart(3, '0')}.jpg`, seed: i + 1, png: false })),
    ...Array.from({ length: pngs }, (_, i) => ({ name: `alpha_${String(i + 1).padStart(3, '0')}.png`, seed: 1000 + i, png: true })),
  ];
  const missing = wanted.filter((file) => !present.has(file.name));
  if (missing.length > 0) log(`making ${missing.length} corpus images in ${dir}`);
  for (const file of missing) {
    const image = file.png ? await photoLike(2000, 1500, file.seed, true) : await photoLike(3000, 2000, file.seed, false);
    const encoded = file.png ? image.png({ compressionLevel: 6 }) : image.jpeg({ quality: 90 });
    // Write under a temporary name first, so an interrupted run never leaves a half image in the corpus.
    const temporary = join(dir, `.${file.name}.tmp`);
    await encoded.toFile(temporary);
    await rename(temporary, join(dir, file.name));
  }
  return { dir, files: wanted.map((file) => join(dir, file.name)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { jpegs: { type: 'string' }, pngs: { type: 'string' }, out: { type: 'string' } } });
  const started = performance.now();
  const { dir, files } = await makeThumbsCorpus({
    jpegs: values.jpegs ? Number(values.jpegs) : undefined,
    pngs: values.pngs ? Number(values.pngs) : undefined,
    dir: values.out,
    log: (line) => console.error(line),
  });
  console.error(`corpus: ${files.length} images in ${dir} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
