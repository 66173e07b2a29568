/**
 * What a titles run loads before it knows it needs it. List mode's libraries (socks for SOCKS proxies, saxes for
 * sitemaps, robots-parser for robots.txt) cost some 80 ms of CPU at start-up together, a run that uses none of them
 * should not pay it: they are imported when first used. A producer of a run on a Redis queue fetches nothing itself,
 * so it loads no HTTP client and no page parser at all, and BullMQ from the one bundled file the build makes.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

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
});
