/**
 * Worker processes in the app: Electron's utilityProcess (a Node.js child managed by Chromium's service host, shown
 * as "Titlewave Worker" in the OS task manager), adapted to the pool's WorkerTransport. child_process.fork is not
 * an option in the packaged app: it needs ELECTRON_RUN_AS_NODE, which the RunAsNode fuse turns off.
 */
import type { UtilityProcess } from 'electron';
import type { WorkerSpawner, WorkerTransport } from '../src/workers/types.js';
import { workerEnvironment } from '../src/workers/worker-env.js';

export const WORKER_SERVICE_NAME = 'Titlewave Worker';

/** The part of Electron's `utilityProcess` module used here; a fake in tests. */
export interface UtilityProcessModule {
  fork(modulePath: string, args?: string[], options?: Electron.ForkOptions): UtilityProcess;
}

/** Where workers' stdout and stderr go (their crash reports and warnings); the main process's stderr by default. */
export type WorkerLog = (workerIndex: number, stream: 'stdout' | 'stderr', chunk: Buffer) => void;

const defaultLog: WorkerLog = (workerIndex, _stream, chunk) => {
  process.stderr.write(`[worker ${workerIndex}] ${chunk.toString('utf8')}`);
};

export function createUtilitySpawner(utilityProcess: UtilityProcessModule, log: WorkerLog = defaultLog): WorkerSpawner {
  return (entryPath, workerIndex): WorkerTransport => {
    const child = utilityProcess.fork(entryPath, [], {
      serviceName: WORKER_SERVICE_NAME,
      // Piped, not inherited: a packaged app has no terminal, and the lines get the worker's number.
      stdio: 'pipe',
      // The same environment as under child_process.fork (MALLOC_ARENA_MAX included): utilityProcess replaces it.
      env: workerEnvironment(workerIndex),
    });
    // A pipe nobody reads fills up and blocks the writer: always drain both.
    child.stdout?.on('data', (chunk: Buffer) => log(workerIndex, 'stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => log(workerIndex, 'stderr', chunk));

    const exitListeners: ((code: number | null) => void)[] = [];
    let exited = false;
    let exitCode: number | null = null;
    child.once('exit', (code: number) => {
      exited = true;
      exitCode = code;
      for (const listener of exitListeners.splice(0)) listener(code);
    });

    return {
      get pid() {
        return child.pid;
      },
      postMessage(message) {
        // After exit the port is gone; the pool learns of the exit through onExit and does not expect a reply.
        if (!exited) child.postMessage(message);
      },
      onMessage(listener) {
        // The parent side receives the message itself (the child's parentPort gets `{ data }` events instead).
        child.on('message', (message: unknown) => listener(message));
      },
      onExit(listener) {
        if (exited) queueMicrotask(() => listener(exitCode));
        else exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  };
}
