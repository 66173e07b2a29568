#!/usr/bin/env node
// A plain single-process sharp script doing the thumbnails work: every image in a folder, each size (32, 64, 128)
// resized from the file (fit inside, never enlarge) and saved as PNG, with as many images in flight as there are
// cores (sharp's work runs on libuv's thread pool). sharp's own defaults otherwise.
// Usage: node bench/peers/thumbs_sharp.mjs IMAGES_DIR OUT_DIR
import { availableParallelism } from 'node:os';
import { mkdir, readdir } from 'node:fs/promises';
import { extname, join, basename } from 'node:path';
import sharp from 'sharp';

const [imagesDir, outDir] = process.argv.slice(2);
await mkdir(outDir, { recursive: true });
const files = (await readdir(imagesDir)).filter((name) => !name.startsWith('.')).map((name) => join(imagesDir, name));

async function thumbnail(file) {
  const name = basename(file, extname(file));
  for (const size of [32, 64, 128]) {
    await sharp(file)
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toFile(join(outDir, `${name}_${size}.png`));
  }
}

let next = 0;
await Promise.all(
  Array.from({ length: availableParallelism() }, async () => {
    while (next < files.length) await thumbnail(files[next++]);
  }),
);
