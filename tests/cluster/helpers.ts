/** Processes for the cluster tests: `titlewave worker`s and producers of the built CLI, against a real redis-server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-info.js';

export const cliPath = join(packageRoot, 'dist', 'titlewave.cjs'); // the installed command

export interface Started {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128))));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

/** A `titlewave worker` on `url`; resolves once it says it is taking jobs. */
export async function startWorker(url: string, name: string, extra: string[] = []): Promise<Started> {
  const worker = startCli(['worker', '--redis', url, '--name', name, '--lock-timeout', '2', '--workers', '1', ...extra]);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (worker.stderr().includes('taking jobs')) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void worker.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`worker ${name} exited (${code}) before it was ready: ${worker.stderr()}`));
    });
  });
  return worker;
}

/** SIGTERM and wait; SIGKILL after 10 s. */
export async function stopProcess(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return started.exited;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}

/** Waits for a condition, polling; fails after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
