/**
 * The CLI's code cache (src/cli/compile-cache.ts), each run in a fresh Node process as the CLI is: a bundle loads
 * the same with and without its cache, the cache is written once and then used, follows the bundle's content, and
 * leaves everything else in its folder alone.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheEntryName } from '../../src/cli/compile-cache.js';

const compiled = pathToFileURL(join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'src', 'cli', 'compile-cache.js')).href;
/** Node 22.1 and later cache with their own code; this machine's Node 20 with the module's. */
const expected = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === 'function' ? 'node' : 'bundles';

let work: string;
let cacheDir: string;
let bundle: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'titlewave-compile-cache-'));
  cacheDir = join(work, 'cache', 'compile-cache');
  bundle = join(work, 'titlewave-titles.cjs');
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A bundle-like CommonJS file: a value, a relative require, a require of a built-in module. */
function writeBundle(value: string, path = bundle): void {
  writeFileSync(join(dirname(path), 'helper.cjs'), 'exports.twice = (n) => n * 2;\n');
  writeFileSync(path, `const { twice } = require('./helper.cjs');\nexports.value = ${JSON.stringify(value)};\nexports.twice = twice(21);\nexports.builtin = () => typeof require('node:path').join;\nexports.where = () => new Error('here').stack.split('\\n')[1];\n`);
}

function load(env: NodeJS.ProcessEnv = {}): { how: string; value: string; twice: number; builtin: string } {
  return loadWhere(env).loaded;
}

/** Loads the bundle in a new process; what it exports, and the place its stack traces name. */
function loadWhere(env: NodeJS.ProcessEnv = {}): { loaded: { how: string; value: string; twice: number; builtin: string }; where: string } {
  const script = `import { enableCompileCache } from ${JSON.stringify(compiled)};
import { createRequire } from 'node:module';
const how = enableCompileCache(process.env.CACHE_DIR);
const loaded = createRequire(import.meta.url)(process.env.BUNDLE);
console.log(JSON.stringify({ loaded: { how, value: loaded.value, twice: loaded.twice, builtin: await loaded.builtin() }, where: loaded.where() }));`;
  const { NODE_DISABLE_COMPILE_CACHE: _, ...rest } = process.env;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...rest, CACHE_DIR: cacheDir, BUNDLE: bundle, ...env }, encoding: 'utf8' });
  // Nothing on the terminal but what the program prints: no warning, no error.
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout) as { loaded: { how: string; value: string; twice: number; builtin: string }; where: string };
}

const entries = (): string[] => readdirSync(cacheDir).filter((file) => file.endsWith('.bin'));

describe('the CLI code cache', () => {
  it('writes a bundle’s cache on its first load, to a folder only the user may open, then uses it', () => {
    writeBundle('first');
    expect(load()).toEqual({ how: expected, value: 'first', twice: 42, builtin: 'function' });
    if (expected === 'node') return; // Node's own cache: its files are Node's business.
    const [entry] = entries();
    expect(entries()).toEqual([expect.stringMatching(/^titlewave-titles-[0-9a-f]{8}-[0-9a-f]{32}\.bin$/)]);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const first = statSync(join(cacheDir, entry as string));
    expect(first.mode & 0o777).toBe(0o600);
    expect(first.size).toBeGreaterThan(0);
    // Used, not written again: the same file (a rewrite would be a new one, renamed into place).
    expect(load()).toEqual({ how: expected, value: 'first', twice: 42, builtin: 'function' });
    expect(entries()).toEqual([entry]);
    expect(statSync(join(cacheDir, entry as string)).ino).toBe(first.ino);
  });

  it('follows the bundle’s content, not its length, and keeps one entry per bundle', () => {
    writeBundle('aaaa');
    load();
    if (expected === 'node') return;
    const [old] = entries();
    // Same length, other content: V8 alone would take the old code for it.
    writeBundle('bbbb');
    expect(load().value).toBe('bbbb');
    expect(entries()).toHaveLength(1);
    expect(entries()).not.toContain(old);
  });

  it('compiles as usual over a cache that is not V8’s, and replaces it', () => {
    writeBundle('first');
    load();
    if (expected === 'node') return;
    const [entry] = entries();
    const path = join(cacheDir, entry as string);
    writeFileSync(path, 'not a code cache');
    expect(load()).toEqual({ how: expected, value: 'first', twice: 42, builtin: 'function' });
    expect(readFileSync(path).toString('latin1')).not.toBe('not a code cache');
  });

  it('keeps an entry per copy of a bundle, so that a stack trace names the copy that ran', () => {
    writeBundle('same');
    const copy = join(work, 'copy', 'titlewave-titles.cjs');
    mkdirSync(dirname(copy));
    writeBundle('same', copy);
    expect(loadWhere().where).toContain(bundle);
    const original = bundle;
    bundle = copy;
    // Same content: one cache would serve both, and V8 would name the first copy in the second one's traces.
    expect(loadWhere().where).toContain(copy);
    expect(loadWhere().where).toContain(copy);
    bundle = original;
    expect(loadWhere().where).toContain(original);
    if (expected === 'bundles') expect(entries()).toHaveLength(2);
  });

  it('keeps the entries of four copies of a bundle at most, the newest', () => {
    const copies = [1, 2, 3, 4, 5].map((n) => join(work, `copy${n}`, 'titlewave-titles.cjs'));
    for (const copy of copies) {
      mkdirSync(dirname(copy));
      writeBundle('same', copy);
      bundle = copy;
      expect(loadWhere().where).toContain(copy);
    }
    if (expected === 'node') return;
    const names = (paths: string[]): string[] => paths.map((path) => cacheEntryName('titlewave-titles', path, readFileSync(path))).sort();
    expect(entries().sort()).toEqual(names(copies.slice(1)));
  });

  it('leaves other files in its folder alone, and caches nothing but the bundles', () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'queue-library-0123456789abcdef0123456789abcdef.bin'), 'another bundle');
    writeFileSync(join(cacheDir, 'notes.txt'), 'mine');
    writeBundle('x');
    bundle = join(work, 'other.cjs');
    writeFileSync(bundle, readFileSync(join(work, 'titlewave-titles.cjs')));
    expect(load().value).toBe('x');
    expect(readdirSync(cacheDir).sort()).toEqual(['notes.txt', 'queue-library-0123456789abcdef0123456789abcdef.bin']);
    bundle = join(work, 'titlewave-titles.cjs');
    load();
    expect(readFileSync(join(cacheDir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(cacheDir, 'queue-library-0123456789abcdef0123456789abcdef.bin'), 'utf8')).toBe('another bundle');
  });

  it('compiles a bundle with a dynamic import() as Node does on Node 20 (vm.Script would need an experimental loader)', () => {
    writeBundle('lazy');
    writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}exports.builtin = () => import('node:path').then((path) => typeof path.join);\n`);
    expect(load()).toEqual({ how: expected, value: 'lazy', twice: 42, builtin: 'function' });
    expect(load()).toEqual({ how: expected, value: 'lazy', twice: 42, builtin: 'function' });
    if (expected === 'bundles') expect(() => readdirSync(cacheDir)).toThrow();
  });

  it('neither reads nor writes a cache in a folder others may write in', () => {
    writeBundle('aaaa');
    load();
    if (expected === 'node') return;
    const [entry] = entries();
    // Another account plants V8's code of 'aaaa' under the name the cache gives the bundle with 'bbbb' (same length,
    // so V8 itself would take it): read, it would run the planted code.
    writeBundle('bbbb');
    const key = cacheEntryName('titlewave-titles', bundle, readFileSync(bundle));
    writeFileSync(join(cacheDir, key), readFileSync(join(cacheDir, entry as string)));
    chmodSync(cacheDir, 0o777);
    expect(load().value).toBe('bbbb');
    expect(entries().sort()).toEqual([entry, key].sort());
    // The folder is the user's alone again: now the planted entry is read, which is what the check above prevents.
    chmodSync(cacheDir, 0o700);
    expect(load().value).toBe('aaaa');
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE=1', () => {
    writeBundle('off');
    expect(load({ NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({ how: 'off', value: 'off', twice: 42, builtin: 'function' });
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});
