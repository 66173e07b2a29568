/**
 * The installed `titlewave` command (package.json "bin"), built by scripts/build-cli.mjs into one CommonJS file,
 * dist/titlewave.cjs. CommonJS because Node starts it about 8 ms sooner than an ES module (no ES module loader), which
 * is a tenth of a plain `primes check N...` on a short list: that check runs in here, bundled in, and its whole-process
 * time is one of the project's figures (issue 4). Every other command loads the ES module CLI, dist/src/cli/main.js.
 */
import { isPlainPrimesCheck } from './fast-path.js';

const argv = process.argv.slice(2);

function fail(error: unknown): void {
  process.stderr.write(`titlewave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

if (isPlainPrimesCheck(argv)) {
  import('./primes-run.js').then(({ runCheck }) => runCheck(argv.slice(2), undefined), fail);
} else {
  // Left as it is by the bundler: the ES module CLI, which sets the exit code itself.
  import('./main.js').catch(fail);
}
