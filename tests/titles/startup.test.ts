/**
 * What a titles run loads before it knows it needs it. List mode's libraries (socks for SOCKS proxies, saxes for
 * sitemaps, robots-parser for robots.txt) cost some 80 ms of CPU at start-up together, a run that uses none of them
 * should not pay it: they are imported when first used. A producer of a run on a Redis queue fetches nothing itself,
 * so it loads no HTTP client and no page parser at all, and BullMQ from the one bundled file the build makes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'titlewave-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The CommonJS files a run of the installed command loaded, in order (the ES module build's own modules never show
 * here, but every package it imports does). A required preload writes require.cache's keys as the process exits.
 */
function loadedBy(args: string[]): string[] {
  const preload = join(work, 'loaded.cjs');
  const out = join(work, 'loaded.json');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));`);
  rmSync(out, { force: true });
  spawnSync(process.execPath, ['--require', preload, join(root, 'dist', 'titlewave.cjs'), ...args], { cwd: work, encoding: 'utf8' });
  return (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((file) => file !== preload);
}

describe('start-up', () => {
  it('loading the engine, the CLI and the services loads neither socks, saxes nor robots-parser', () => {
    const script = `
      await import(${JSON.stringify(join(root, 'dist', 'src', 'titles', 'engine.js'))});
      await import(${JSON.stringify(join(root, 'dist', 'src', 'cli', 'titles.js'))});
      await import(${JSON.stringify(join(root, 'dist', 'src', 'services', 'index.js'))});
      const { createRequire } = await import('node:module');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ undici: loaded.some((file) => file.includes('/node_modules/undici/')), late: loaded.filter((file) => /\\/node_modules\\/(socks|saxes|robots-parser)\\//.test(file)) }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { undici: boolean; late: string[] };
    // The engine did load (its HTTP client is there), and nothing of the three.
    expect(out.undici).toBe(true);
    expect(out.late).toEqual([]);
  });

  it('a producer on a Redis queue loads neither the HTTP client nor the page parsers, and BullMQ as one bundled file', () => {
    const script = `
      const cluster = await import(${JSON.stringify(join(root, 'dist', 'src', 'cli', 'titles-cluster.js'))});
      await import(${JSON.stringify(join(root, 'dist', 'src', 'cli', 'titles.js'))});
      await import(${JSON.stringify(join(root, 'dist', 'src', 'cluster', 'titles-producer.js'))});
      const { createRequire } = await import('node:module');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        producer: typeof cluster.startClusterTitles,
        fetching: loaded.filter((file) => ['undici', 'parse5'].some((name) => file.includes('/node_modules/' + name + '/'))),
        queuePackages: loaded.filter((file) => ['bullmq', 'ioredis'].some((name) => file.includes('/node_modules/' + name + '/'))),
        bundle: loaded.filter((file) => file.endsWith('queue-library.cjs')).length,
      }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { producer: string; fetching: string[]; queuePackages: string[]; bundle: number };
    expect(out.producer).toBe('function');
    expect(out.fetching).toEqual([]);
    expect(out.queuePackages).toEqual([]);
    expect(out.bundle).toBe(1);
  });

  it('the installed command runs titles from its one bundled file: no package of the engine is loaded from node_modules', () => {
    writeFileSync(join(work, 'urls.txt'), 'http://127.0.0.1:9/closed\n');
    const loaded = loadedBy(['titles', 'urls.txt', '--retries', '0', '--output', 'out.jsonl']);
    // The run did fetch (its one URL failed at a closed port, as a record) with the bundled HTTP client and parser.
    expect(JSON.parse(readFileSync(join(work, 'out.jsonl'), 'utf8')).error.code).toBe('CONNECT');
    expect(loaded).toEqual([join(root, 'dist', 'titlewave.cjs'), join(root, 'dist', 'titlewave-titles.cjs')]);
  });

  it('a producer from the installed command loads BullMQ from its bundle beside the compiled src/cluster/bullmq.js', () => {
    writeFileSync(join(work, 'urls.txt'), 'http://127.0.0.1:9/closed\n');
    const loaded = loadedBy(['titles', 'urls.txt', '--redis', 'redis://127.0.0.1:9/0', '--output', 'queued.jsonl']);
    expect(loaded.slice(0, 3)).toEqual([join(root, 'dist', 'titlewave.cjs'), join(root, 'dist', 'titlewave-titles.cjs'), join(root, 'dist', 'src', 'cluster', 'queue-library.cjs')]);
    expect(loaded.filter((file) => /[/\\]node_modules[/\\](bullmq|ioredis|undici|parse5)[/\\]/.test(file))).toEqual([]);
  });
});
