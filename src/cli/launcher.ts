/**
 * The installed `titlewave` command (package.json "bin"), built by scripts/build-cli.mjs into one CommonJS file,
 * dist/titlewave.cjs. CommonJS because Node starts it about 8 ms sooner than an ES module (no ES module loader), which
 * is a tenth of a plain `primes check N...` on a short list: that check runs in here, bundled in, and its whole-process
 * time is one of the project's figures (issue 4). Every other command loads the ES module CLI, dist/src/cli/main.js.
 */
import { reportFailure, runPlainPrimesCheck } from './entry.js';

runPlainPrimesCheck(process.argv.slice(2))
  // Any other command: the ES module CLI (left as an import() by the bundler), which sets the exit status itself.
  .then((done) => (done ? undefined : import('./main.js')))
  .catch(reportFailure);
