/**
 * Workers over Electron's utilityProcess (electron/utility-spawner.ts): the fork options, the message and exit
 * adaptation, and a real round trip through the pool with the unchanged worker entry in a child that looks like a
 * utility process from inside (process.parentPort, no process.send).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createUtilitySpawner, type UtilityProcessModule } from '../../electron/utility-spawner.js';
import { workerEntryPath } from '../../src/workers/node-spawner.js';
import { createWorkerPool } from '../../src/workers/pool.js';
import type { WorkerPool } from '../../src/workers/types.js';

class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  pid: number | undefined = 4242;
  killed = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
}

function fakeModule() {
  const children: FakeUtilityProcess[] = [];
  const calls: { modulePath: string; args: string[] | undefined; options: Electron.ForkOptions | undefined }[] = [];
  const module: UtilityProcessModule = {
    fork: (modulePath, args, options) => {
      calls.push({ modulePath, args, options });
      const child = new FakeUtilityProcess();
      children.push(child);
      return child as unknown as Electron.UtilityProcess;
    },
  };
  return { module, children, calls };
}

describe('the utility process spawner', () => {
  it('forks the entry as a named utility service with piped output', () => {
    const { module, calls } = fakeModule();
    createUtilitySpawner(module, () => undefined)('/app/dist/src/workers/worker.js', 3);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.modulePath).toBe('/app/dist/src/workers/worker.js');
    expect(calls[0]?.args).toEqual([]);
    expect(calls[0]?.options).toMatchObject({ serviceName: 'Titlewave Worker', stdio: 'pipe' });
    expect((calls[0]?.options?.env as Record<string, string> | undefined)?.TITLEWAVE_WORKER_INDEX).toBe('3');
  });

  it('gives the worker MALLOC_ARENA_MAX=2 with the rest of the environment, unless the environment sets it', () => {
    const saved = process.env.MALLOC_ARENA_MAX;
    try {
      delete process.env.MALLOC_ARENA_MAX;
      const { module, calls } = fakeModule();
      const spawn = createUtilitySpawner(module, () => undefined);
      spawn('/entry.js', 0);
      const env = calls[0]?.options?.env as Record<string, string | undefined>;
      expect(env).toMatchObject({ MALLOC_ARENA_MAX: '2', TITLEWAVE_WORKER_INDEX: '0' });
      // utilityProcess replaces the environment with the one given: this process's must be in it.
      expect(env.PATH).toBe(process.env.PATH);
      process.env.MALLOC_ARENA_MAX = '4';
      spawn('/entry.js', 1);
      expect((calls[1]?.options?.env as Record<string, string | undefined>).MALLOC_ARENA_MAX).toBe('4');
    } finally {
      if (saved === undefined) delete process.env.MALLOC_ARENA_MAX;
      else process.env.MALLOC_ARENA_MAX = saved;
    }
  });

  it('passes messages both ways unchanged and reports the pid', () => {
    const { module, children } = fakeModule();
    const transport = createUtilitySpawner(module, () => undefined)('/entry.js', 0);
    const child = children[0] as FakeUtilityProcess;
    const received: unknown[] = [];
    transport.onMessage((message) => received.push(message));
    child.emit('message', { type: 'ready', pid: 7 });
    transport.postMessage({ type: 'run', tasks: [] });
    expect(received).toEqual([{ type: 'ready', pid: 7 }]);
    expect(child.posted).toEqual([{ type: 'run', tasks: [] }]);
    expect(transport.pid).toBe(4242);
  });

  it('reports the exit once, also to listeners that come after it, and then sends and kills nothing', async () => {
    const { module, children } = fakeModule();
    const transport = createUtilitySpawner(module, () => undefined)('/entry.js', 0);
    const child = children[0] as FakeUtilityProcess;
    const before = vi.fn();
    transport.onExit(before);
    child.emit('exit', 9);
    child.emit('exit', 9);
    expect(before).toHaveBeenCalledTimes(1);
    expect(before).toHaveBeenCalledWith(9);
    const after = vi.fn();
    transport.onExit(after);
    await Promise.resolve();
    expect(after).toHaveBeenCalledWith(9);
    transport.postMessage({ type: 'run', tasks: [] });
    transport.kill();
    expect(child.posted).toEqual([]);
    expect(child.killed).toBe(0);
  });

  it('kills a live child', () => {
    const { module, children } = fakeModule();
    createUtilitySpawner(module, () => undefined)('/entry.js', 0).kill();
    expect(children[0]?.killed).toBe(1);
  });

  it("drains the child's stdout and stderr into the log, tagged with the worker", () => {
    const { module, children } = fakeModule();
    const lines: string[] = [];
    createUtilitySpawner(module, (index, stream, chunk) => lines.push(`${index}/${stream}: ${chunk.toString()}`))('/entry.js', 2);
    children[0]?.stderr.write('vips warning');
    children[0]?.stdout.write('hello');
    expect(lines).toEqual(['2/stderr: vips warning', '2/stdout: hello']);
  });
});

describe('the pool over utility processes', () => {
  const children: ChildProcess[] = [];
  let pool: WorkerPool | null = null;
  afterEach(async () => {
    await pool?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('runs tasks in the real worker entry, which takes the parentPort path', async () => {
    const shim = join(import.meta.dirname, 'fixtures', 'utility-process-shim.mjs');
    const forks: Electron.ForkOptions[] = [];
    // Electron's utilityProcess.fork, played by a Node child that looks like a utility process from inside.
    const utilityProcess: UtilityProcessModule = {
      fork(modulePath, _args, options = {}) {
        forks.push(options);
        const child = fork(shim, [modulePath], {
          serialization: 'advanced',
          execArgv: [],
          env: { ...(options.env as NodeJS.ProcessEnv), TITLEWAVE_TEST_TASKS: '1' },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        children.push(child);
        const utility = Object.assign(new EventEmitter(), {
          pid: child.pid,
          stdout: child.stdout,
          stderr: child.stderr,
          postMessage: (message: unknown) => child.send(message as object),
          kill: () => child.kill('SIGKILL'),
        });
        child.on('message', (message) => utility.emit('message', message));
        child.on('exit', (code, signal) => utility.emit('exit', code ?? (signal ? 1 : 0)));
        return utility as unknown as Electron.UtilityProcess;
      },
    };
    const logged: string[] = [];
    pool = createWorkerPool({ size: 1, spawn: createUtilitySpawner(utilityProcess, (_i, _s, chunk) => logged.push(chunk.toString())), entryPath: workerEntryPath });
    const run = pool.run as unknown as (kind: string, input: unknown) => Promise<{ value: unknown; pid: number }>;
    const first = await run.call(pool, 'test.echo', { value: { n: 1n, list: [1, 'two'] } });
    const second = await run.call(pool, 'test.echo', { value: 'again' });
    expect(first.value).toEqual({ n: 1n, list: [1, 'two'] });
    expect(second.value).toBe('again');
    // One worker, started once and reused.
    expect(second.pid).toBe(first.pid);
    expect(first.pid).toBe(children[0]?.pid);
    expect(forks).toHaveLength(1);
    expect(forks[0]).toMatchObject({ serviceName: 'Titlewave Worker', stdio: 'pipe' });
    // The spawner's environment reaches the worker.
    const seen = (await run.call(pool, 'test.env', { names: ['MALLOC_ARENA_MAX', 'TITLEWAVE_WORKER_INDEX'] })) as unknown as { env: Record<string, string | null> };
    expect(seen.env).toEqual({ MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', TITLEWAVE_WORKER_INDEX: '0' });
  });
});
