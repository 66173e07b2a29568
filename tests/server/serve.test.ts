/** `titlewave serve` as users run it (the built CLI): URL first on stdout, token everywhere, clean stop on SIGTERM. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openSocket, rawGet } from './helpers.js';

const cliMain = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

interface Serve {
  child: ChildProcessWithoutNullStreams;
  firstLine: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Serve> {
  const child = spawn(process.execPath, [cliMain, 'serve', ...args], { stdio: 'pipe', env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exit.then(({ code }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, firstLine, stderr: () => stderr, exit };
}

describe('titlewave serve', () => {
  it('prints its tokened URL as the first stdout line, refuses requests without it, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-serve-'));
    const serve = await startServe(['--port', '0', '--data-dir', dataDir]);
    try {
      expect(serve.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{43}\/$/);
      const url = new URL(serve.firstLine);
      const port = Number(url.port);
      const base = url.pathname;
      const token = base.split('/')[2] as string;
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);

      for (const path of ['/', '/bridge.js', '/index.html', '/preview/abc']) expect((await rawGet(port, path)).status, path).toBe(401);
      expect(await openSocket(port, { Origin: url.origin })).toEqual({ status: 401 });

      const page = await rawGet(port, base);
      expect(page.status).toBe(200);
      expect(page.headers['set-cookie']).toBeUndefined();
      const bridge = await rawGet(port, `${base}bridge.js`);
      expect(bridge.status).toBe(200);
      expect(bridge.body.toString()).toContain('window');

      // The real services answer over the socket: history lives in --data-dir.
      const opened = await openSocket(port, { Origin: url.origin }, undefined, `${base}ws`);
      if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`);
      const { log } = opened;
      opened.ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'history.list', args: [] }));
      expect(await log.next((m) => m.id === 1)).toEqual({ type: 'result', id: 1, ok: true, value: [] });
      opened.ws.send(JSON.stringify({ type: 'invoke', id: 2, command: 'app.setLanguage', args: ['zh-CN'] }));
      expect(await log.next((m) => m.id === 2)).toMatchObject({ ok: true });
      const closed = new Promise((resolve) => opened.ws.once('close', resolve));

      serve.child.kill('SIGTERM');
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      await closed;
      expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ language: 'zh-CN' });
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('keeps its address for a data folder across restarts, and makes a new one with --new-address', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-serve-'));
    const tokenOf = (line: string) => new URL(line).pathname.split('/')[2];
    const startAndStop = async (args: string[] = []) => {
      const serve = await startServe(['--port', '0', '--data-dir', dataDir, ...args]);
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      return tokenOf(serve.firstLine);
    };
    const first = await startAndStop();
    expect(await startAndStop()).toBe(first);
    const renewed = await startAndStop(['--new-address']);
    expect(renewed).not.toBe(first);
    expect(await startAndStop()).toBe(renewed);
    expect((await stat(join(dataDir, 'serve-token'))).mode & 0o777).toBe(0o600);
    // Another data folder, another address.
    const other = await startServe(['--port', '0', '--data-dir', await mkdtemp(join(tmpdir(), 'titlewave-serve-'))]);
    other.child.kill('SIGTERM');
    await other.exit;
    expect(tokenOf(other.firstLine)).not.toBe(renewed);
  });

  it('--open hands the tokened URL to the system opener', async () => {
    // A stand-in xdg-open first on PATH records what it was asked to open.
    const bin = await mkdtemp(join(tmpdir(), 'titlewave-bin-'));
    const record = join(bin, 'opened.txt');
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(record)}\n`);
    await chmod(join(bin, 'xdg-open'), 0o755);
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-serve-'));
    const serve = await startServe(['--open', '--data-dir', dataDir], { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
    try {
      await expect.poll(() => readFile(record, 'utf8').catch(() => ''), { timeout: 10_000 }).toBe(`${serve.firstLine}\n`);
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toEqual({ code: 0, signal: null });
    }
  });

  it('exits 2 on a bad port and 1 with a clear message when the port is taken', async () => {
    const bad = spawn(process.execPath, [cliMain, 'serve', '--port', 'abc'], { stdio: 'pipe' });
    let badErr = '';
    bad.stderr.on('data', (chunk: Buffer) => (badErr += chunk.toString()));
    expect(await new Promise((resolve) => bad.once('exit', resolve))).toBe(2);
    expect(badErr).toMatch(/port/);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-serve-'));
      await writeFile(join(dataDir, 'settings.json'), '{');
      const taken = spawn(process.execPath, [cliMain, 'serve', '--port', String(port), '--data-dir', dataDir], { stdio: 'pipe' });
      let out = '';
      let err = '';
      taken.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      taken.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      expect(await new Promise((resolve) => taken.once('exit', resolve))).toBe(1);
      expect(out).toBe('');
      expect(err).toContain(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
