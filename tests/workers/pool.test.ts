import { fork, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';
import { createNodeSpawner, workerEntryPath } from '../../src/workers/node-spawner.js';
import { createWorkerPool, WorkerFailedError, WorkerTaskError, type WorkerPoolOptions } from '../../src/workers/pool.js';
import { serveTasks } from '../../src/workers/runtime.js';
import { testTaskLoaders, type TestTaskMap } from '../../src/workers/test-tasks.js';
import { connectToParent, type WorkerHostProcess } from '../../src/workers/transport.js';
import type { WorkerPool, WorkerSpawner, WorkerTransport } from '../../src/workers/types.js';

const testSpawner = createNodeSpawner({ env: { TITLEWAVE_TEST_TASKS: '1' } });
const scratch = mkdtempSync(join(tmpdir(), 'titlewave-pool-'));
const pools: WorkerPool[] = [];

function makePool(options: WorkerPoolOptions = {}): WorkerPool {
  const pool = createWorkerPool({ size: 2, spawn: testSpawner, ...options });
  pools.push(pool);
  return pool;
}

/** The pool's run(), typed for the test-only task kinds. */
function runTest<K extends keyof TestTaskMap>(
  pool: WorkerPool,
  kind: K,
  input: TestTaskMap[K]['input'],
  options: { signal?: AbortSignal; timeoutMs?: number; onProgress?: (progress: TestTaskMap[K]['progress'], worker: number) => void } = {},
): Promise<TestTaskMap[K]['output']> {
  const run = pool.run as unknown as (kind: string, input: unknown, options: unknown) => Promise<TestTaskMap[K]['output']>;
  return run.call(pool, kind, input, options);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('worker pool', () => {
  it('starts N workers once and reuses the same processes across jobs', async () => {
    const pool = makePool();
    expect(pool.size).toBe(2);
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => runTest(pool, 'test.echo', { value: i })));
    expect(first.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const pidsFirst = new Set(first.map((r) => r.pid));
    const second = await Promise.all(Array.from({ length: 20 }, (_, i) => runTest(pool, 'test.echo', { value: `x${i}` })));
    const pidsSecond = new Set(second.map((r) => r.pid));
    const activity = pool.activity();
    const activePids = new Set(activity.map((a) => a.pid));
    for (const pid of [...pidsFirst, ...pidsSecond]) expect(activePids.has(pid)).toBe(true);
    expect(pidsFirst.size).toBeLessThanOrEqual(2);
    expect(activity.every((a) => a.restarts === 0 && !a.busy)).toBe(true);
    expect(activity.reduce((sum, a) => sum + a.tasksDone, 0)).toBe(40);
  });

  it('prestart starts every worker at once, before any task', async () => {
    const pool = makePool({ prestart: true });
    await expect.poll(() => pool.activity().filter((a) => a.pid !== null).length).toBe(2);
    const before = pool.activity().map((a) => a.pid);
    await Promise.all([runTest(pool, 'test.echo', { value: 1 }), runTest(pool, 'test.echo', { value: 2 })]);
    expect(pool.activity().map((a) => a.pid)).toEqual(before);
  });

  it('batches many small tasks into few messages, keeping each result with its task', async () => {
    const runMessages: number[] = [];
    const counting: WorkerSpawner = (entry, index) => {
      const transport = testSpawner(entry, index);
      return {
        get pid() {
          return transport.pid;
        },
        postMessage: (message) => {
          const m = message as { type: string; tasks?: unknown[] };
          if (m.type === 'run') runMessages.push(m.tasks?.length ?? 0);
          transport.postMessage(message);
        },
        onMessage: (listener) => transport.onMessage(listener),
        onExit: (listener) => transport.onExit(listener),
        kill: () => transport.kill(),
      };
    };
    const pool = makePool({ spawn: counting });
    await runTest(pool, 'test.echo', { value: 'warm-up' });
    const values = Array.from({ length: 3000 }, (_, i) => i * 7);
    const results = await Promise.all(values.map((value) => runTest(pool, 'test.echo', { value })));
    expect(results.map((r) => r.value)).toEqual(values);
    const total = runMessages.reduce((a, b) => a + b, 0);
    expect(total).toBe(3001);
    expect(runMessages.length).toBeLessThan(3001 / 4);
    expect(Math.max(...runMessages)).toBeGreaterThan(1);
  });

  it('forwards progress with the worker index', async () => {
    const pool = makePool({ size: 1 });
    const seen: number[] = [];
    const result = await runTest(pool, 'test.work', { ms: 60, slices: 5 }, { onProgress: (p, worker) => (expect(worker).toBe(0), seen.push(p.elapsed)) });
    expect(result.elapsed).toBeGreaterThanOrEqual(60);
    // One report a slice, however the machine schedules the worker.
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('replaces a worker that crashes, retries its task once, then reports it failed; the job goes on', async () => {
    const pool = makePool();
    const crash = runTest(pool, 'test.crash', { code: 3 });
    const others = Promise.all(Array.from({ length: 50 }, (_, i) => runTest(pool, 'test.echo', { value: i })));
    await expect(crash).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(crash).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    expect((await others).map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(pool.activity().reduce((sum, a) => sum + a.restarts, 0)).toBe(2);
    // The pool still works with its fresh workers.
    expect((await runTest(pool, 'test.echo', { value: 'after' })).value).toBe('after');
  });

  it('retries a task whose worker crashed once, on a fresh worker', async () => {
    const pool = makePool({ size: 1 });
    const marker = join(scratch, 'crash-once');
    const result = await runTest(pool, 'test.crash-once', { marker });
    const crashedPid = Number(readFileSync(marker, 'utf8'));
    expect(result.pid).not.toBe(crashedPid);
    expect(isAlive(crashedPid)).toBe(false);
    expect(pool.activity()[0]).toMatchObject({ pid: result.pid, restarts: 1 });
  });

  it('kills and replaces a hung worker (watchdog), retries once, reports it failed, and goes on', async () => {
    const pool = makePool();
    const warm = await Promise.all([runTest(pool, 'test.work', { ms: 20 }), runTest(pool, 'test.work', { ms: 20 })]);
    const before = new Set(warm.map((r) => r.pid));
    const hang = runTest(pool, 'test.hang', {}, { timeoutMs: 300 });
    const others = Promise.all(Array.from({ length: 10 }, (_, i) => runTest(pool, 'test.work', { ms: 10 + i })));
    await expect(hang).rejects.toBeInstanceOf(WorkerFailedError);
    await others;
    expect(pool.activity().reduce((sum, a) => sum + a.restarts, 0)).toBe(2);
    // The processes that spun were killed, not left behind.
    const after = new Set(pool.activity().map((a) => a.pid));
    for (const pid of before) if (!after.has(pid)) await expect.poll(() => isAlive(pid)).toBe(false);
  });

  it('progress keeps the watchdog quiet on a long task that reports', async () => {
    const pool = makePool({ size: 1 });
    // Started first, so the watchdog times the task, not a process starting on a busy machine.
    await runTest(pool, 'test.echo', { value: 1 });
    const result = await runTest(pool, 'test.work', { ms: 2000 }, { timeoutMs: 400 });
    expect(result.elapsed).toBeGreaterThanOrEqual(2000);
    expect(pool.activity()[0]?.restarts).toBe(0);
  });

  it('cancels promptly: a cooperative task stops and its worker stays', async () => {
    const pool = makePool({ size: 1 });
    const { pid } = await runTest(pool, 'test.echo', { value: 0 });
    const controller = new AbortController();
    const long = runTest(pool, 'test.work', { ms: 60_000 }, { signal: controller.signal, onProgress: () => controller.abort() });
    const started = Date.now();
    await expect(long).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const next = await runTest(pool, 'test.echo', { value: 1 });
    expect(next.pid).toBe(pid);
    expect(pool.activity()[0]?.restarts).toBe(0);
  });

  it('cancels promptly: a task stuck in a tight loop has its worker killed and replaced', async () => {
    const pool = makePool({ size: 1, cancelGraceMs: 100 });
    const { pid } = await runTest(pool, 'test.echo', { value: 0 });
    const controller = new AbortController();
    const stuck = runTest(pool, 'test.hang', {}, { signal: controller.signal });
    const queued = runTest(pool, 'test.echo', { value: 'queued behind it' });
    setTimeout(() => controller.abort(), 100);
    await expect(stuck).rejects.toMatchObject({ name: 'AbortError' });
    const next = await queued;
    expect(next.value).toBe('queued behind it');
    expect(next.pid).not.toBe(pid);
    await expect.poll(() => isAlive(pid)).toBe(false);
  });

  it('drops a cancelled task that has not started, and rejects an already aborted signal at once', async () => {
    const pool = makePool({ size: 1 });
    const controller = new AbortController();
    const running = runTest(pool, 'test.work', { ms: 50 });
    const waiting = runTest(pool, 'test.echo', { value: 'never' }, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(runTest(pool, 'test.echo', { value: 1 }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await running;
    expect(pool.activity()[0]?.tasksDone).toBe(1);
  });

  it('reports a handler error as the task error, without retry', async () => {
    const pool = makePool({ size: 1 });
    const error = await runTest(pool, 'test.throw', { message: 'bad input', code: 'E_BAD' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect(error).toMatchObject({ message: 'bad input', code: 'E_BAD' });
    expect(pool.activity()[0]?.restarts).toBe(0);
    const unknown = await (pool.run as unknown as (k: string, i: unknown) => Promise<unknown>).call(pool, 'no.such.kind', {}).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ message: 'Unknown task kind: no.such.kind' });
  });

  it('fails tasks instead of respawning forever when the worker cannot start', async () => {
    const quiet = createNodeSpawner({ env: { TITLEWAVE_TEST_TASKS: '1' }, stderr: 'ignore' });
    const pool = makePool({ entryPath: join(scratch, 'missing-worker.js'), spawn: quiet });
    await expect(runTest(pool, 'test.echo', { value: 1 })).rejects.toBeInstanceOf(WorkerFailedError);
  });

  it('close() rejects queued work and ends the processes; run() after close rejects', async () => {
    const pool = createWorkerPool({ size: 1, spawn: testSpawner });
    const { pid } = await runTest(pool, 'test.echo', { value: 0 });
    const pending = runTest(pool, 'test.work', { ms: 10_000 }).catch((error: unknown) => error);
    await pool.close();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    expect(isAlive(pid)).toBe(false);
    await expect(runTest(pool, 'test.echo', { value: 0 })).rejects.toThrow(/closed/);
  });
});

describe('worker transport adapter', () => {
  it('speaks through a simulated Electron parentPort ({ data } events, postMessage replies)', async () => {
    const port = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void };
    const replies: unknown[] = [];
    port.postMessage = (message) => replies.push(message);
    const host: WorkerHostProcess = { parentPort: port, on: () => undefined };
    const channel = connectToParent(host);
    expect(channel.host).toBe('electron-utility');
    serveTasks(channel, testTaskLoaders);
    expect(replies[0]).toEqual({ type: 'ready', pid: process.pid });
    port.emit('message', { data: { type: 'run', tasks: [{ id: 7, kind: 'test.echo', input: { value: 'hi' } }] } });
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[1]).toMatchObject({ type: 'done', id: 7, output: { value: 'hi', pid: process.pid } });
  });

  it('speaks through process.send / message events under child_process', () => {
    const sent: unknown[] = [];
    const host = new EventEmitter() as EventEmitter & WorkerHostProcess;
    host.send = (message: unknown) => (sent.push(message), true);
    const channel = connectToParent(host);
    expect(channel.host).toBe('node-fork');
    const received: unknown[] = [];
    channel.onMessage((message) => received.push(message));
    host.emit('message', { type: 'cancel', id: 1 });
    channel.send({ type: 'ready', pid: 1 });
    expect(received).toEqual([{ type: 'cancel', id: 1 }]);
    expect(sent).toEqual([{ type: 'ready', pid: 1 }]);
    expect(() => connectToParent({ on: () => undefined })).toThrow(/Not started as a worker/);
  });

  it('reports a send that fails (the parent is gone) as a disconnect, once, instead of throwing', async () => {
    const host = new EventEmitter() as EventEmitter & WorkerHostProcess;
    host.send = (_message, _handle, _options, callback) => {
      const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      queueMicrotask(() => callback?.(error));
      return false;
    };
    const channel = connectToParent(host);
    let disconnects = 0;
    channel.onDisconnect(() => disconnects++);
    expect(() => channel.send({ type: 'ready', pid: 1 })).not.toThrow();
    channel.send({ type: 'ready', pid: 1 });
    host.emit('disconnect');
    await expect.poll(() => disconnects).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(disconnects).toBe(1);
  });

  it('starts workers with MALLOC_ARENA_MAX=2 and their index, keeping a MALLOC_ARENA_MAX the environment sets', async () => {
    const saved = process.env.MALLOC_ARENA_MAX;
    const names = ['MALLOC_ARENA_MAX', 'TITLEWAVE_WORKER_INDEX', 'TITLEWAVE_TEST_TASKS'];
    try {
      delete process.env.MALLOC_ARENA_MAX;
      const pool = makePool({ size: 1 });
      expect(await runTest(pool, 'test.env', { names })).toEqual({ env: { MALLOC_ARENA_MAX: '2', TITLEWAVE_WORKER_INDEX: '0', TITLEWAVE_TEST_TASKS: '1' } });
      // The user's own setting wins, in this process's environment or in the spawner's.
      process.env.MALLOC_ARENA_MAX = '8';
      expect((await runTest(makePool({ size: 1 }), 'test.env', { names })).env.MALLOC_ARENA_MAX).toBe('8');
      const spawner = createNodeSpawner({ env: { TITLEWAVE_TEST_TASKS: '1', MALLOC_ARENA_MAX: '1' } });
      expect((await runTest(makePool({ size: 1, spawn: spawner }), 'test.env', { names })).env.MALLOC_ARENA_MAX).toBe('1');
    } finally {
      if (saved === undefined) delete process.env.MALLOC_ARENA_MAX;
      else process.env.MALLOC_ARENA_MAX = saved;
    }
  });

  it('runs the unchanged worker entry over parentPort in a real child process, through the pool', async () => {
    const shim = join(import.meta.dirname, 'fixtures', 'parent-port-shim.mjs');
    let viaParentPort = 0;
    let other = 0;
    const electronLike: WorkerSpawner = (entry): WorkerTransport => {
      const child = fork(shim, [entry], { serialization: 'advanced', execArgv: [], env: { ...process.env, TITLEWAVE_TEST_TASKS: '1' } });
      return {
        pid: child.pid,
        postMessage: (message) => child.send(message as object),
        onMessage: (listener) =>
          child.on('message', (wrapped: { viaParentPort?: boolean; message?: unknown }) => {
            if (wrapped.viaParentPort) viaParentPort++;
            else other++;
            listener(wrapped.message);
          }),
        onExit: (listener) => child.on('exit', (code) => listener(code)),
        kill: () => child.kill('SIGKILL'),
      };
    };
    const pool = makePool({ size: 1, spawn: electronLike, entryPath: workerEntryPath });
    const result = await runTest(pool, 'test.echo', { value: [1, 2n, new Map([['a', 1]])] });
    expect(result.value).toEqual([1, 2n, new Map([['a', 1]])]);
    expect(viaParentPort).toBeGreaterThanOrEqual(2);
    expect(other).toBe(0);
  });
});

describe('workers whose parent is killed', () => {
  // kill -9 of the parent (the CLI, browser mode, the app) leaves its workers with nobody to answer: each must end
  // without a word, also in the middle of a task, on both transports.
  for (const transport of ['fork', 'parent-port'] as const) {
    it(`end quietly and promptly (${transport})`, async () => {
      const fixture = join(import.meta.dirname, 'fixtures', 'orphaned-workers.mjs');
      const parent = spawn(process.execPath, [fixture, transport, packageRoot], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      parent.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // The workers write to the same stderr (inherited): it ends once the parent and every worker are gone.
      const stderrEnded = new Promise<void>((resolve) => parent.stderr.on('end', resolve));
      const pids = await new Promise<number[]>((resolve, reject) => {
        parent.stdout.setEncoding('utf8').once('data', (line: string) => resolve(line.trim().split(' ').map(Number)));
        parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before its workers were busy: ${stderr}`)));
      });
      expect(pids).toHaveLength(2);
      expect(pids.every(isAlive)).toBe(true);
      parent.kill('SIGKILL');
      try {
        // Their tasks take half a minute: only a worker that noticed its parent is gone ends within this.
        for (const pid of pids) await expect.poll(() => isAlive(pid), { timeout: 10_000, interval: 50 }).toBe(false);
      } finally {
        for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
      }
      await stderrEnded;
      expect(stderr).toBe('');
    }, 30_000);
  }
});
