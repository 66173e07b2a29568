/**
 * What a titles run loads before it knows it needs it. List mode's libraries (socks for SOCKS proxies, saxes for
 * sitemaps, robots-parser for robots.txt) cost some 80 ms of CPU at start-up together, a run that uses none of them
 * should not pay it: they are imported when first used.
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
});
