/**
 * The architecture's boundaries (.dependency-cruiser.cjs) hold on the real tree, and each rule fires on the
 * violation it exists for, in a scratch tree beside the real one's node_modules (so a rule that silently stops
 * matching fails here, not in review).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const depcruise = join(repoRoot, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

async function cruise(cwd: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', 'renderer', 'electron', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd });
    return { ok: true, output: stdout };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('architecture boundaries', () => {
  it('hold on the real tree', async () => {
    const result = await cruise(repoRoot);
    expect(result.output).toContain('no dependency violations');
    expect(result.ok).toBe(true);
  });

  describe('each rule catches its violation', () => {
    let scratch: string;
    const files: Record<string, string> = {
      'src/contract.ts': "import { z } from 'zod';\nexport const x = z.string();\n",
      'src/titles/types.ts': 'export interface TitleRecord { url: string }\n',
      // A multi-line, type-only import of a Node module in a browser-safe module.
      'src/titles/input.ts': "import type {\n  Stats,\n} from 'node:fs';\nexport type S = Stats;\n",
      'src/titles/format.ts': "import type { Dispatcher } from 'undici';\nexport type D = Dispatcher;\n",
      'src/titles/engine.ts': "import type { Services } from '../services/types.js';\nexport type S = Services;\n",
      'src/services/types.ts': 'export interface Services { x: number }\n',
      'src/primes/range.ts': "import { app } from 'electron';\nexport const a = app;\n",
      'renderer/App.tsx': "import type { S } from '../src/titles/engine.js';\nexport type T = S;\n",
      'electron/main.ts': "export const main = 1;\n",
      // A cycle of type-only imports between two renderer modules.
      'renderer/titles/Panel.tsx': "import type { Row } from './Table.js';\nexport interface Run { rows: Row[] }\n",
      'renderer/titles/Table.tsx': "import type { Run } from './Panel.js';\nexport interface Row { run: Run }\n",
    };

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'titlewave-boundaries-'));
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(scratch, path)), { recursive: true });
        await writeFile(join(scratch, path), text);
      }
      await cp(join(repoRoot, '.dependency-cruiser.cjs'), join(scratch, '.dependency-cruiser.cjs'));
      await cp(join(repoRoot, 'tsconfig.base.json'), join(scratch, 'tsconfig.base.json'));
      await cp(join(repoRoot, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
      await cp(join(repoRoot, 'package.json'), join(scratch, 'package.json'));
      await symlink(join(repoRoot, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    it('names every violation', async () => {
      const result = await cruise(scratch);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/browser-side-no-node-builtins: src\/titles\/input\.ts → (node:)?fs/);
      expect(result.output).toMatch(/browser-safe-only-browser-packages: src\/titles\/format\.ts → \S*node_modules\/undici\//);
      expect(result.output).toMatch(/engines-never-import-services-or-hosts: src\/titles\/engine\.ts → src\/services\/types\.ts/);
      expect(result.output).toMatch(/src-never-imports-electron: src\/primes\/range\.ts → \S*node_modules\/electron\//);
      expect(result.output).toMatch(/browser-side-imports-only-browser-safe-src: renderer\/App\.tsx → src\/titles\/engine\.ts/);
      expect(result.output).toMatch(/no-circular: renderer\/titles\/Panel\.tsx →\s*renderer\/titles\/Table\.tsx →\s*renderer\/titles\/Panel\.tsx/);
      // Nothing else: zod is a browser package, electron/ may import what it likes.
      expect(result.output).toContain('x 6 dependency violations');
    });
  });
});
