// Thumbnails benchmark: the whole `titlewave thumbs` CLI run over the corpus (120 photo-like JPEGs of 3000x2000 and
// 30 PNGs of 2000x1500 with alpha; bench/make-corpus-thumbs.mjs), 3 sizes (32, 64, 128) of every image as PNG,
// side by side with the tutorial's Pillow thread pool (bench/peers/thumbs_pillow.py, Debian python3 + python3-pil)
// and a plain single-process sharp script (bench/peers/thumbs_sharp.mjs); and the floor under all of them: every image
// decoded once and nothing else, with sharp (bench/peers/thumbs_floor.mjs) and with Pillow's own decoders
// (bench/peers/thumbs_pillow_floor.py). What a thumbnailer of this corpus cannot go below shows whether a target is
// reachable at all: the floor's ratio to Pillow is printed next to titlewave's.
// Equal output: titlewave and Pillow both write PNGs at zlib level 6 with a filter chosen per row (Pillow's default;
// titlewave's since issue 14), so their files are about the same size (4.3 and 4.1 MB for the 450 thumbnails); the plain
// sharp script keeps sharp's default of unfiltered rows (6.5 MB). Sizes are the same boxes and pixel sizes; resampling
// differs in kind only (Pillow: bicubic after JPEG draft mode and a box reduce; sharp: Lanczos 3 after shrink-on-load).
// Every contender is timed as a whole process from its start: nothing is warm before the clock starts.
// Each contender runs ROUNDS times in rotating order into an empty folder; the best wall time counts (the machine is
// shared). Peak memory is the resident memory of the whole process tree (the CLI and its workers), sampled from /proc.
// Environment: THUMBS_ROUNDS (default 3), THUMBS_SWEEP=1 also times workers x libvips threads combinations,
// THUMBS_OUT_DIR where the outputs go (default bench/.out/thumbs; removed at the end).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeThumbsCorpus } from './make-corpus-thumbs.mjs';
import { treeRss } from './proc-tree.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outRoot = process.env.THUMBS_OUT_DIR ?? join(here, '.out', 'thumbs');
const cli = join(root, 'dist', 'titlewave.cjs'); // the installed command (package.json "bin")
const python = '/usr/bin/python3';

/** Run a command; resolves with wall ms, peak tree RSS (bytes) and CPU seconds (user+sys of it and its children). */
function measure(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // /usr/bin/time (Debian package "time") reports user+sys including the reaped workers.
    const timed = existsSync('/usr/bin/time');
    const child = spawn(timed ? '/usr/bin/time' : command, timed ? ['-f', 'CPU %U %S', command, ...args] : args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, treeRss(child.pid));
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ wallMs, peakRss: peak, cpuSeconds: cpu ? Math.round((Number(cpu[1]) + Number(cpu[2])) * 100) / 100 : null });
    });
  });
}

function countFiles(dir) {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile() && entry.name.endsWith('.png')) count++;
  return count;
}

const mib = (bytes) => bytes / 1024 / 1024;

export default async function run(log) {
  const rounds = Number(process.env.THUMBS_ROUNDS ?? 3);
  const { dir: corpus, files } = await makeThumbsCorpus({ log });
  const expectedOutputs = files.length * 3;
  log(`corpus: ${files.length} images in ${corpus}; ${availableParallelism()} cores; best of ${rounds} rounds`);

  const contenders = {
    titlewave: (out, env) => measure(process.execPath, [cli, 'thumbs', corpus, '--out', out], { env }),
    pillow: (out) => measure(python, [join(here, 'peers', 'thumbs_pillow.py'), corpus, out]),
    sharp: (out) => measure(process.execPath, [join(here, 'peers', 'thumbs_sharp.mjs'), corpus, out]),
    // The floors write nothing (out is not made).
    floor: () => measure(process.execPath, [join(here, 'peers', 'thumbs_floor.mjs'), corpus]),
    'pil-floor': () => measure(python, [join(here, 'peers', 'thumbs_pillow_floor.py'), corpus]),
  };
  const writesNothing = new Set(['floor', 'pil-floor']);
  const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const names = Object.keys(contenders);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order, so no contender always runs right after the same one.
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      // A new folder every round, all removed at the end: deleting 450 files right before a run slows the next
      // run's file creation on some filesystems (ext4 without a journal, as on our CI machines, skips inodes freed in
      // the last minutes), which would measure the bench's own clean-up rather than the contenders.
      const out = join(outRoot, `${name}-${round + 1}`);
      await rm(out, { recursive: true, force: true });
      const result = await contenders[name](out);
      const outputs = writesNothing.has(name) ? expectedOutputs : countFiles(out);
      if (outputs !== expectedOutputs) throw new Error(`${name} wrote ${outputs} thumbnails, expected ${expectedOutputs}`);
      results[name].push(result);
      log(`${name.padEnd(9)} round ${round + 1}: ${(result.wallMs / 1000).toFixed(2)} s wall, ${result.cpuSeconds ?? '?'} s CPU, peak RSS ${mib(result.peakRss).toFixed(0)} MiB`);
    }
  }
  const best = (name) => results[name].reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const peakOf = (name) => Math.max(...results[name].map((r) => r.peakRss));
  const ours = best('titlewave');
  const pillow = best('pillow');
  const plain = best('sharp');
  const floor = best('floor');
  const pilFloor = best('pil-floor');
  const cpuRatio = (a, b) => (a.cpuSeconds && b.cpuSeconds ? `${(a.cpuSeconds / b.cpuSeconds).toFixed(3)}x` : '?');
  const rows = [
    {
      name: `CLI, ${files.length} images x 3 sizes, vs tutorial Pillow thread pool`,
      ours: ours.wallMs / 1000,
      peer: pillow.wallMs / 1000,
      unit: 's',
      ratio: ours.wallMs / pillow.wallMs,
      target: '<= 0.2x',
      pass: ours.wallMs / pillow.wallMs <= 0.2,
      note: `CPU ${ours.cpuSeconds ?? '?'} s vs ${pillow.cpuSeconds ?? '?'} s (${cpuRatio(ours, pillow)})`,
    },
    {
      // No program that makes these thumbnails can be faster than decoding each image once: when this ratio is over
      // the target, so is every thumbnailer's.
      name: 'floor: each image decoded once, nothing else (sharp), vs Pillow',
      ours: floor.wallMs / 1000,
      peer: pillow.wallMs / 1000,
      unit: 's',
      ratio: floor.wallMs / pillow.wallMs,
      target: null,
      pass: null,
      note: `CPU ${floor.cpuSeconds ?? '?'} s (${cpuRatio(floor, pillow)})`,
    },
    {
      name: "floor: each image decoded once (Pillow's decoders, draft), vs Pillow",
      ours: pilFloor.wallMs / 1000,
      peer: pillow.wallMs / 1000,
      unit: 's',
      ratio: pilFloor.wallMs / pillow.wallMs,
      target: null,
      pass: null,
      note: `CPU ${pilFloor.cpuSeconds ?? '?'} s (${cpuRatio(pilFloor, pillow)})`,
    },
    {
      name: 'CLI vs its floor (sharp, decode only)',
      ours: ours.wallMs / 1000,
      peer: floor.wallMs / 1000,
      unit: 's',
      ratio: ours.wallMs / floor.wallMs,
      target: null,
      pass: null,
      note: `CPU ${cpuRatio(ours, floor)}`,
    },
    {
      name: 'CLI vs plain single-process sharp script',
      ours: ours.wallMs / 1000,
      peer: plain.wallMs / 1000,
      unit: 's',
      ratio: ours.wallMs / plain.wallMs,
      target: '<= 1.00x',
      pass: ours.wallMs <= plain.wallMs,
      note: `CPU ${ours.cpuSeconds ?? '?'} s vs ${plain.cpuSeconds ?? '?'} s`,
    },
    {
      name: 'peak RSS, whole process tree (CLI + workers) vs Pillow',
      ours: mib(peakOf('titlewave')),
      peer: mib(peakOf('pillow')),
      unit: 'MiB',
      ratio: peakOf('titlewave') / peakOf('pillow'),
      target: '< 512 MiB',
      pass: mib(peakOf('titlewave')) < 512,
      note: `plain sharp script ${mib(peakOf('sharp')).toFixed(0)} MiB`,
    },
  ];

  if (process.env.THUMBS_SWEEP === '1') {
    // libvips threads inside N worker processes: which split of the cores is fastest.
    for (const workers of [1, 2, 3, 4]) {
      for (const threads of [1, 2]) {
        const out = join(outRoot, `sweep-${workers}-${threads}`);
        const times = [];
        for (let round = 0; round < rounds; round++) {
          await rm(out, { recursive: true, force: true });
          times.push(await measure(process.execPath, [cli, 'thumbs', corpus, '--out', out, '--workers', String(workers)], { env: { TITLEWAVE_VIPS_THREADS: String(threads) } }));
        }
        const fastest = times.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
        log(`sweep: ${workers} workers x ${threads} libvips threads: ${(fastest.wallMs / 1000).toFixed(2)} s, CPU ${fastest.cpuSeconds} s, peak ${mib(fastest.peakRss).toFixed(0)} MiB`);
        rows.push({ name: `sweep: ${workers} workers x ${threads} libvips threads`, ours: fastest.wallMs / 1000, peer: null, unit: 's', ratio: null, target: null, pass: null, note: `peak ${mib(fastest.peakRss).toFixed(0)} MiB` });
      }
    }
  }
  await rm(outRoot, { recursive: true, force: true });
  return rows;
}
