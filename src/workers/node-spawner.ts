/** The default spawner: Node's child_process.fork of the built worker entry (CLI, browser mode, tests). */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../package-info.js';
import type { WorkerSpawner, WorkerTransport } from './types.js';
import { workerEnvironment } from './worker-env.js';

/** Absolute path of the built worker entry; the same from src/ (vitest) and from dist/. */
export const workerEntryPath: string = join(packageRoot, 'dist', 'src', 'workers', 'worker.js');

export interface NodeSpawnerOptions {
  /** Extra environment for the workers (on top of this process's and workerEnvironment's defaults). */
  env?: Record<string, string>;
  /** Node flags for the workers; default none (not this process's flags, which may be a test runner's). */
  execArgv?: string[];
  /** The workers' stderr: this process's (default), or nowhere. */
  stderr?: 'inherit' | 'ignore';
}

export function createNodeSpawner(options: NodeSpawnerOptions = {}): WorkerSpawner {
  return (entryPath, workerIndex): WorkerTransport => {
    const child = fork(entryPath, [], {
      // Structured clone, as Electron's utilityProcess uses: the same messages work on both hosts.
      serialization: 'advanced',
      // Workers never write to stdout (it carries the CLI's records); their stderr shows crashes.
      stdio: ['ignore', 'ignore', options.stderr ?? 'inherit', 'ipc'],
      execArgv: options.execArgv ?? [],
      env: workerEnvironment(workerIndex, options.env),
    });
    const exitListeners: ((code: number | null) => void)[] = [];
    let exited = false;
    let exitCode: number | null = null;
    const reportExit = (code: number | null): void => {
      if (exited) return;
      exited = true;
      exitCode = code;
      for (const listener of exitListeners) listener(code);
    };
    child.on('exit', (code) => reportExit(code));
    child.on('error', () => {
      // A failed spawn emits 'error' and maybe no 'exit'; a failed send on a dying child also lands here.
      if (child.exitCode !== null || child.pid === undefined) reportExit(child.exitCode);
    });
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => {
        if (child.connected) child.send(message as object);
      },
      onMessage: (listener) => {
        child.on('message', listener);
      },
      onExit: (listener) => {
        if (exited) queueMicrotask(() => listener(exitCode));
        else exitListeners.push(listener);
      },
      kill: () => {
        if (!exited) child.kill('SIGKILL');
      },
    };
  };
}

export const nodeSpawner: WorkerSpawner = createNodeSpawner();
