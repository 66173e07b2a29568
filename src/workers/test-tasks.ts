/**
 * Task kinds for the pool's own tests: a crash, a hang, a cooperative sleep, an echo, a look at the environment. The worker loads them only
 * when TITLEWAVE_TEST_TASKS=1 is set in its environment (the tests' spawner sets it); production never does.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { AnyTaskHandler, AnyTaskLoaders } from './runtime.js';

export interface TestTaskMap {
  'test.echo': { input: { value: unknown }; progress: never; output: { value: unknown; pid: number } };
  /** Exits the process in the middle of the task. */
  'test.crash': { input: { code: number }; progress: never; output: never };
  /** Crashes the first time (when `marker` does not exist yet, creating it), succeeds on the retry. */
  'test.crash-once': { input: { marker: string }; progress: never; output: { pid: number } };
  /** Spins forever without yielding: only a kill stops it. */
  'test.hang': { input: Record<string, never>; progress: never; output: never };
  /** Works for `ms` (and at least `slices` slices), reporting progress and honouring cancel between slices. */
  'test.work': { input: { ms: number; slices?: number }; progress: { elapsed: number }; output: { pid: number; elapsed: number } };
  'test.throw': { input: { message: string; code?: string }; progress: never; output: never };
  /** The worker's own values of the named environment variables (null when unset). */
  'test.env': { input: { names: string[] }; progress: never; output: { env: Record<string, string | null> } };
}

const handlers: Record<keyof TestTaskMap, AnyTaskHandler> = {
  'test.echo': (input: TestTaskMap['test.echo']['input']) => ({ value: input.value, pid: process.pid }),
  'test.crash': (input: TestTaskMap['test.crash']['input']) => process.exit(input.code),
  'test.crash-once': (input: TestTaskMap['test.crash-once']['input']) => {
    if (!existsSync(input.marker)) {
      writeFileSync(input.marker, String(process.pid));
      process.exit(70);
    }
    return { pid: process.pid };
  },
  'test.hang': () => {
    for (;;) {
      // deliberately never yields
    }
  },
  'test.work': async (input: TestTaskMap['test.work']['input'], context) => {
    const started = Date.now();
    for (let slice = 0; Date.now() - started < input.ms || slice < (input.slices ?? 0); slice += 1) {
      if (context.signal.aborted) throw new Error('cancelled');
      const sliceEnd = Date.now() + 5;
      while (Date.now() < sliceEnd) {
        // busy: a CPU-bound slice
      }
      context.progress({ elapsed: Date.now() - started });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { pid: process.pid, elapsed: Date.now() - started };
  },
  'test.throw': (input: TestTaskMap['test.throw']['input']) => {
    throw Object.assign(new Error(input.message), input.code ? { code: input.code } : {});
  },
  'test.env': (input: TestTaskMap['test.env']['input']) => ({ env: Object.fromEntries(input.names.map((name) => [name, process.env[name] ?? null])) }),
};

export const testTaskLoaders: AnyTaskLoaders = Object.fromEntries(
  Object.entries(handlers).map(([kind, handler]) => [kind, () => Promise.resolve(handler)]),
);
