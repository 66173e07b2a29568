#!/usr/bin/env node
// The least any sharp thumbnailer must do for the thumbnails benchmark: every image decoded once, straight to the
// largest box (128 px; libvips shrinks JPEG while decoding it, at 1/8 for the corpus' 3000 x 2000 photos) into raw
// pixels that are thrown away. Nothing else: no header read, no smaller sizes, no encode, no file written.
// One process, as many images in flight as there are cores, one libvips thread per image (titlewave's layout
// without its worker processes), sharp's cache off.
// Usage: node bench/peers/thumbs_floor.mjs IMAGES_DIR
import { availableParallelism } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

sharp.concurrency(1);
sharp.cache(false);
const [imagesDir] = process.argv.slice(2);
const files = (await readdir(imagesDir)).filter((name) => !name.startsWith('.')).map((name) => join(imagesDir, name));

let next = 0;
await Promise.all(
  Array.from({ length: availableParallelism() }, async () => {
    while (next < files.length) await sharp(files[next++]).resize(128, 128, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
  }),
);
