#!/usr/bin/env node
// Renders build/icon.svg into every icon the packages need, with sharp (librsvg), and writes them beside it:
//   build/icon.png         1024x1024 (the window and notification icon; electron-builder's fallback)
//   build/icons/NxN.png    the Linux icon set (AppImage, deb)
//   build/icon.ico         Windows (PNG-compressed entries, 16 to 256)
//   build/icon.icns        macOS (PNG entries, 16 to 1024)
// The outputs are committed; run `node build/make-icons.mjs` again after changing the SVG.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { icnsFromPngs, icoFromPngs } from './icon-formats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const svg = await readFile(join(here, 'icon.svg'));

/** The 1024-unit SVG drawn at full size, then reduced to `size` pixels square (Lanczos), as PNG bytes. */
async function renderPng(source, size) {
  return sharp(source).resize(size, size, { kernel: 'lanczos3' }).png({ compressionLevel: 9 }).toBuffer();
}

const linuxSizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const pngs = new Map();
for (const size of linuxSizes) pngs.set(size, await renderPng(svg, size));
const png = (size) => pngs.get(size);

await mkdir(join(here, 'icons'), { recursive: true });
await writeFile(join(here, 'icon.png'), png(1024));
for (const size of linuxSizes) await writeFile(join(here, 'icons', `${size}x${size}.png`), png(size));
await writeFile(join(here, 'icon.ico'), icoFromPngs([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: png(size) }))));
await writeFile(
  join(here, 'icon.icns'),
  icnsFromPngs([
    { type: 'icp4', png: png(16) },
    { type: 'icp5', png: png(32) },
    { type: 'icp6', png: png(64) },
    { type: 'ic07', png: png(128) },
    { type: 'ic08', png: png(256) },
    { type: 'ic09', png: png(512) },
    { type: 'ic10', png: png(1024) },
    { type: 'ic11', png: png(32) },
    { type: 'ic12', png: png(64) },
    { type: 'ic13', png: png(256) },
    { type: 'ic14', png: png(512) },
  ]),
);
console.log(`icons written to ${here}`);
