/**
 * A V8 code cache for the CLI's own CommonJS bundles (dist/titlewave-titles.cjs and the queue library beside
 * src/cluster/bullmq.js). Node compiles them at every start of `titles` or `worker`, before the first request: the
 * queue library (BullMQ and ioredis, 0.8 MB) takes about 52 ms of CPU on the 2-core test machine, 25 ms with the code
 * V8 compiled in an earlier run; the titles bundle 38 ms, 13 ms with it. Both are in issue 9's and issue 14's figures.
 *
 * Node 22.1 and later have this built in (`module.enableCompileCache`), which also covers ES modules; there it is
 * used. On Node 20 a bundle is compiled here, with `vm.Script`'s cached data, if it has no dynamic `import()`: there
 * vm.Script can run one only through an experimental loader that prints a warning (so the titles bundle require()s the
 * packages it loads on first use; scripts/build-cli.mjs). The cache is the user's own (a folder only they may
 * open, and read only if nobody else may write in it), keyed by the bundle's whole content (V8 itself checks only its
 * length) and by its path (V8 keeps the file name it compiled a cache with: a stack trace from an entry another copy
 * of the bundle wrote would name that copy), and holds one entry per bundle and path, for at most MAX_COPIES paths. A
 * cache that cannot be read or written is left alone: the bundle compiles as it always did.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's own.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The bundles the cache is for; anything else compiles as Node compiles it. */
const BUNDLE = /[\\/](titlewave-titles|queue-library)\.cjs$/;
/**
 * Copies of a bundle (installs, checkouts) whose entries are kept, the newest written; an older one compiles afresh
 * when it runs again. Each entry is 1-2 MB.
 */
const MAX_COPIES = 4;
/** Long enough for a run's start-up code to have been compiled, so that the cache holds it. */
const WRITE_AFTER_MS = 1000;

type Compile = (this: Module, content: string, filename: string) => unknown;
type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => unknown;

let enabled = false;

/** Turns the cache on for this process, in `dir`. Returns how: Node's own cache, this module's for the bundles, or 'off'. */
export function enableCompileCache(dir: string, env: NodeJS.ProcessEnv = process.env): 'node' | 'bundles' | 'off' {
  if (env.NODE_DISABLE_COMPILE_CACHE === '1') return 'off';
  const builtIn = (Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (typeof builtIn === 'function') {
    // Node's own cache, in a folder made and checked here as for ours.
    if (!ownFolder(dir)) return 'off';
    builtIn(dir);
    return 'node';
  }
  if (!enabled) {
    enabled = true;
    installBundleCache(dir);
  }
  return 'bundles';
}

function installBundleCache(dir: string): void {
  const prototype = Module.prototype as unknown as { _compile: Compile };
  const compile = prototype._compile;
  const toWrite: { name: string; prefix: string; key: string; script: Script }[] = [];
  const write = (): void => {
    for (const entry of toWrite.splice(0)) writeEntry(dir, entry, entry.script);
  };
  prototype._compile = function (this: Module, content: string, filename: string): unknown {
    if (!BUNDLE.test(filename) || content.includes('import(')) return compile.call(this, content, filename);
    const name = basename(filename, '.cjs');
    const key = cacheEntryName(name, filename, content);
    let cachedData: Buffer | undefined;
    try {
      if (onlyMine(dir)) cachedData = readFileSync(join(dir, key));
    } catch {
      // Not cached yet.
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) {
      if (toWrite.length === 0) {
        setTimeout(write, WRITE_AFTER_MS).unref();
        process.once('exit', write);
      }
      toWrite.push({ name, prefix: entryPrefix(name, filename), key, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as ModuleWrapper;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
}

/**
 * A bundle's entry in the cache: its name, a hash of its path (entryPrefix), and a hash of the Node that compiled it
 * and of its whole content.
 */
export function cacheEntryName(name: string, filename: string, content: string | Buffer): string {
  return `${entryPrefix(name, filename)}${createHash('sha256').update(process.version).update(process.arch).update(content).digest('hex').slice(0, 32)}.bin`;
}

/** What every entry of the bundle at `filename` starts with: newer ones replace older ones, other copies keep theirs. */
function entryPrefix(name: string, filename: string): string {
  return `${name}-${createHash('sha256').update(filename).digest('hex').slice(0, 8)}-`;
}

/**
 * Whether code in `dir` can only have come from this user: the folder is theirs and nobody else may write in it. A
 * cache is code that runs; one another account could have put there is not read (and not written: see ownFolder).
 */
function onlyMine(dir: string): boolean {
  const stats = statSync(dir);
  return typeof process.getuid !== 'function' || (stats.uid === process.getuid() && (stats.mode & 0o022) === 0);
}

/** Makes `dir` (0700) if it is missing; whether a cache may go in it (onlyMine). */
function ownFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return onlyMine(dir);
  } catch {
    return false;
  }
}

/**
 * Writes one bundle's cache (whole or not at all), removes the older entries of that bundle at that path, and keeps
 * the entries of MAX_COPIES paths at most (the newest).
 */
function writeEntry(dir: string, { name, prefix, key }: { name: string; prefix: string; key: string }, script: Script): void {
  if (!ownFolder(dir)) return;
  try {
    const temporary = join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, join(dir, key));
    const others: { file: string; written: number }[] = [];
    for (const file of readdirSync(dir)) {
      if (file === key || !file.startsWith(`${name}-`) || !file.endsWith('.bin')) continue;
      if (file.startsWith(prefix)) rmSync(join(dir, file), { force: true });
      else others.push({ file, written: statSync(join(dir, file)).mtimeMs });
    }
    others.sort((a, b) => b.written - a.written);
    for (const { file } of others.slice(MAX_COPIES - 1)) rmSync(join(dir, file), { force: true });
  } catch {
    // A cache is only a cache: the next start compiles again.
  }
}
