/** The lists of thumbnails Titlewave wrote (.titlewave-thumbnails): written by the engine, read by the scan, compacted. */
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbnailFile } from '../../src/thumbs/engine.js';
import { defaultThumbsOptions } from '../../src/thumbs/options.js';
import { compactOwnOutputs, isOwnOutput, noteOwnOutput, OWN_OUTPUTS_FILE, readOwnOutputs } from '../../src/thumbs/own-outputs.js';
import { makeTempDir, writePng } from './images.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(async () => {
  await cleanup();
});

describe('the list of thumbnails Titlewave wrote', () => {
  it('is written by the engine for every file it makes, with the file\'s exact size', async () => {
    const input = join(dir, 'engine', 'photo.png');
    await mkdir(join(dir, 'engine'));
    await writePng(input, 200, 100);
    const out = join(dir, 'engine', 'out');
    const record = await thumbnailFile({ index: 0, input, root: null, options: { ...defaultThumbsOptions, outDir: out, sizes: [16, 48] } });
    expect(record.error).toBeNull();
    const outputs = await readOwnOutputs(out);
    expect([...outputs.keys()].sort()).toEqual(['photo_16.png', 'photo_48.png']);
    for (const name of ['photo_16.png', 'photo_48.png']) expect(isOwnOutput(outputs, name, (await stat(join(out, name))).size)).toBe(true);
    // The source's folder has no list: nothing there was written by Titlewave.
    expect((await readOwnOutputs(join(dir, 'engine'))).size).toBe(0);
  });

  it('knows a file by name and size, ignores torn lines, and reads what a cut-short compaction left', async () => {
    const folder = join(dir, 'lists');
    await mkdir(folder);
    const source = { path: join(folder, 'a.jpg'), size: 5000, mtimeMs: 1_700_000_000_000.5 };
    noteOwnOutput(join(folder, 'a_32.png'), 1200, source);
    noteOwnOutput(join(folder, 'a_32.png'), 1300, { ...source, size: 5001 });
    await appendFile(join(folder, OWN_OUTPUTS_FILE), '{"name":"torn_32.png","si');
    await writeFile(join(folder, `${OWN_OUTPUTS_FILE}.compacting-123-456`), '{"name":"b_64.png","size":99}\n');
    const outputs = await readOwnOutputs(folder);
    expect(isOwnOutput(outputs, 'a_32.png', 1200)).toBe(true);
    expect(isOwnOutput(outputs, 'a_32.png', 1300)).toBe(true);
    expect(isOwnOutput(outputs, 'a_32.png', 1301)).toBe(false);
    expect(isOwnOutput(outputs, 'b_64.png', 99)).toBe(true);
    expect(outputs.has('torn_32.png')).toBe(false);
  });

  it('is compacted to one line per name (its latest size) once rewrites have doubled it, and left alone before', async () => {
    const folder = join(dir, 'compact');
    await mkdir(folder);
    const list = join(folder, OWN_OUTPUTS_FILE);
    const line = (name: string, size: number) => `${JSON.stringify({ name, size })}\n`;
    // 3,000 distinct names, each written once: long, but nothing to gain.
    let text = '';
    for (let i = 0; i < 3000; i++) text += line(`photo-${i}_128.png`, 4000 + i);
    await writeFile(list, text);
    await compactOwnOutputs(folder);
    expect(await readFile(list, 'utf8')).toBe(text);
    // Two more runs with overwrite: every name three times, the last run with other sizes.
    for (let i = 0; i < 3000; i++) text += line(`photo-${i}_128.png`, 4000 + i);
    for (let i = 0; i < 3000; i++) text += line(`photo-${i}_128.png`, 5000 + i);
    await writeFile(list, text);
    await compactOwnOutputs(folder);
    const lines = (await readFile(list, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3000);
    expect(lines[7]).toBe(JSON.stringify({ name: 'photo-7_128.png', size: 5007 }));
    const outputs = await readOwnOutputs(folder);
    expect(isOwnOutput(outputs, 'photo-7_128.png', 5007)).toBe(true);
    expect(isOwnOutput(outputs, 'photo-7_128.png', 4007)).toBe(false);
  });
});
