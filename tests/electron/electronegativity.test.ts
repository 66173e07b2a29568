/**
 * The electronegativity gate (scripts/electronegativity.mjs) on copies of the built app: it passes the real build,
 * and it is not blind: weakening the window, dropping the navigation guards or the permission handler, or adding an
 * unreviewed openExternal call makes it fail.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'titlewave-electronegativity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const builtMain = readFileSync(join(packageRoot, 'dist', 'electron', 'main.js'), 'utf8');

/** A checkout-like folder with the built app, main.js changed by `edit`. */
function copyOfBuild(name: string, edit: (main: string) => string = (main) => main): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'dist', 'electron'), { recursive: true });
  mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
  writeFileSync(join(root, 'dist', 'electron', 'main.js'), edit(builtMain));
  cpSync(join(packageRoot, 'dist', 'electron', 'preload.cjs'), join(root, 'dist', 'electron', 'preload.cjs'));
  cpSync(join(packageRoot, 'dist', 'renderer', 'index.html'), join(root, 'dist', 'renderer', 'index.html'));
  return root;
}

async function scan(root: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(packageRoot, 'scripts', 'electronegativity.mjs'), '--root', root]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** Every occurrence (the main window's, and render mode's hidden windows' once the app makes them), at least one. */
function replaceEvery(text: string, from: string, to: string): string {
  expect(text.split(from).length).toBeGreaterThan(1);
  return text.replaceAll(from, to);
}

describe('npm run electronegativity', () => {
  it('passes the real build, and fails a weakened one with the findings that matter', async () => {
    const weakened = copyOfBuild('weakened', (main) => {
      let edited = replaceEvery(main, 'sandbox: true,', '');
      edited = replaceEvery(edited, 'contextIsolation: true,', 'contextIsolation: false,');
      edited = replaceEvery(edited, 'nodeIntegration: false,', 'nodeIntegration: true,');
      edited = replaceEvery(edited, '"will-navigate"', '"did-navigate"');
      edited = replaceEvery(edited, '.setWindowOpenHandler(', '.setZoomFactor(');
      edited = replaceEvery(edited, '.setPermissionRequestHandler(', '.setSpellCheckerLanguages(');
      return edited;
    });
    const [real, weak] = await Promise.all([scan(copyOfBuild('real')), scan(weakened)]);
    expect(real.output).toContain('no high or medium findings');
    expect(real.code).toBe(0);
    expect(weak.code).toBe(1);
    for (const id of ['SANDBOX_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'NODE_INTEGRATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']) {
      expect(weak.output).toContain(id);
    }
  });

  it('fails when main.js calls openExternal somewhere nobody reviewed', async () => {
    const root = copyOfBuild('second-open', (main) => `${main}\nshell.openExternal(process.argv[2]);\n`);
    const { code, output } = await scan(root);
    expect(code).toBe(1);
    expect(output).toMatch(/2 use\(s\) for OPEN_EXTERNAL_JS_CHECK; 1 reviewed/);
  });

  it('fails when a window is constructed under a name the scanner does not know (a bundler rename)', async () => {
    const root = copyOfBuild('renamed-window', (main) => replaceEvery(main, 'new BrowserWindow(', 'new BrowserWindow2('));
    const { code, output } = await scan(root);
    expect(code).toBe(1);
    expect(output).toMatch(/window\(s\) under a renamed BrowserWindow/);
  });

  it('fails when main.js opts out of a check nobody reviewed', async () => {
    const root = copyOfBuild('opt-out', (main) => main.replace('PRELOAD_JS_CHECK */', 'PRELOAD_JS_CHECK SANDBOX_JS_CHECK */'));
    const { code, output } = await scan(root);
    expect(code).toBe(1);
    expect(output).toMatch(/opts out of checks nobody reviewed/);
  });
});
