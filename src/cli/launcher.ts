/**
 * The installed `titlewave` command (package.json "bin"), built by scripts/build-cli.mjs into one CommonJS file,
 * dist/titlewave.cjs. CommonJS because Node starts it about 8 ms sooner than an ES module (no ES module loader), which
 * is a tenth of a plain `primes check N...` on a short list: that check runs in here, bundled in, and its whole-process
 * time is one of the project's figures (issue 4). `titles` runs from its own CommonJS bundle beside this one,
 * dist/titlewave-titles.cjs (its start-up is in issue 14's figures). Every other command loads the ES module CLI,
 * dist/src/cli/main.js.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defaultCacheDir } from '../services/data-dir.js';
import { enableCompileCache } from './compile-cache.js';
import { reportFailure, runPlainPrimesCheck } from './entry.js';

const argv = process.argv.slice(2);

/** `titles`: require(), not import(), because Node's import() of a CommonJS file this size costs ~0.1 s of CPU more. */
function runTitles(): Promise<number> {
  // The build gives a bundled module the URL of its place in dist/src/ (here dist/src/cli/launcher.js): up to dist/.
  const titles = createRequire(import.meta.url)('../../titlewave-titles.cjs') as typeof import('./titles.js');
  return titles.titlesMain(argv);
}

runPlainPrimesCheck(argv)
  .then(async (done) => {
    if (done) return;
    // Not for the plain primes check above: it loads no bundle, and its whole-process time is a figure.
    enableCompileCache(join(defaultCacheDir(), 'compile-cache'));
    if (argv[0] === 'titles') process.exitCode = await runTitles();
    // Any other command: the ES module CLI (left as an import() by the bundler), which sets the exit status itself.
    else await import('./main.js');
  })
  .catch(reportFailure);
