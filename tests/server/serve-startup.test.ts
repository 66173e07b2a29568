/**
 * `titlewave serve` loads the server and the services (every engine) only when it runs: building the program,
 * `serve --help` and every other command do without them. The modules are wrapped to record when they load.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const loaded = vi.hoisted(() => new Set<string>());
vi.mock('../../src/services/index.js', async (importOriginal) => {
  loaded.add('services');
  return importOriginal();
});
vi.mock('../../src/server/server.js', async (importOriginal) => {
  loaded.add('server');
  return importOriginal();
});

const cliMain = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

afterEach(() => {
  vi.restoreAllMocks();
});

function captureStdout(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

describe('titlewave serve start-up', () => {
  it('builds the program and shows serve --help without loading the services or the server', async () => {
    const { buildProgram, main } = await import('../../src/cli/program.js');
    buildProgram();
    const written = captureStdout();
    expect(await main(['serve', '--help'])).toBe(0);
    expect(written.join('')).toMatch(/Usage: titlewave serve \[options\][\s\S]*--port <n>[\s\S]*--data-dir <dir>/);
    expect(await main(['--help'])).toBe(0);
    expect([...loaded]).toEqual([]);
  });

  it('loads them when it serves, and stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-serve-startup-'));
    const { main } = await import('../../src/cli/program.js');
    const written = captureStdout();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = new Set([...process.listeners('SIGTERM'), ...process.listeners('SIGINT')]);
    try {
      const running = main(['serve', '--port', '0', '--data-dir', dataDir]);
      await expect.poll(() => written.join(''), { timeout: 20_000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{43}\//);
      expect([...loaded].sort()).toEqual(['server', 'services']);
      // Stop it as SIGTERM would, without signalling the test process: call the listener serve added.
      const stop = process.listeners('SIGTERM').find((listener) => !before.has(listener));
      expect(stop).toBeDefined();
      process.removeListener('SIGTERM', stop as () => void);
      (stop as (signal: NodeJS.Signals) => void)('SIGTERM');
      expect(await running).toBe(0);
      for (const listener of process.listeners('SIGINT')) if (!before.has(listener)) process.removeListener('SIGINT', listener);
      expect(stderr.mock.calls.map(([chunk]) => String(chunk)).join('')).toContain('SIGTERM, stopping');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the built CLI answers serve --help (exit 0) as before', async () => {
    const child = spawn(process.execPath, [cliMain, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('Serve the app to your browser on 127.0.0.1');
    expect(stdout).toContain('--open');
  });
});
