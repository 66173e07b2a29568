/**
 * The worker pool: N worker processes started once and reused, a FIFO task queue, batching of small tasks,
 * progress from each worker, prompt cancel, and a watchdog that replaces crashed or hung workers.
 *
 * A task whose worker crashed or hung is retried once on a fresh worker, then rejected with WorkerFailedError;
 * the other tasks go on. A task whose handler throws is rejected with that error at once (not retried: it would
 * throw again). Cancel rejects at once with the signal's reason; the worker is asked to stop, and killed and
 * replaced if it has not stopped within `cancelGraceMs`.
 */
import { availableParallelism } from 'node:os';
import { nodeSpawner, workerEntryPath } from './node-spawner.js';
import { isFromWorker, type FromWorker, type TaskEnvelope, type ToWorker } from './protocol.js';
import type { PoolWorkerActivity, RunOptions, TaskKind, TaskMap, WorkerPool, WorkerSpawner, WorkerTransport } from './types.js';

export interface WorkerPoolOptions {
  /** Number of workers; default os.availableParallelism(). */
  size?: number;
  /** How to start a worker process; default child_process.fork (nodeSpawner). */
  spawn?: WorkerSpawner;
  /** The worker entry; default the built dist/src/workers/worker.js. */
  entryPath?: string;
  /** Watchdog default: longest silence on one task before its worker is deemed hung (default 120 s). */
  taskTimeoutMs?: number;
  /** How long a cancelled task may take to stop before its worker is killed (default 250 ms). */
  cancelGraceMs?: number;
  /** How long a new worker may take to say it is ready before it is deemed broken (default 30 s). */
  startTimeoutMs?: number;
  /** Start every worker now instead of on first use (a CLI that knows work is coming overlaps their start-up). */
  prestart?: boolean;
}

/** The task could not complete because its worker crashed or hung, twice. */
export class WorkerFailedError extends Error {
  readonly code = 'WORKER_FAILED';
  override readonly name = 'WorkerFailedError';
}

/** The task's handler threw inside the worker; `code` is the error's own code when it had one. */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly remoteName: string,
  ) {
    super(message);
  }
}

const MAX_ATTEMPTS = 2;
/** Batches aim at about this much work per message, so IPC costs little next to small tasks. */
const BATCH_TARGET_MS = 8;
const MAX_BATCH = 64;

interface Task {
  id: number;
  kind: string;
  input: unknown;
  attempts: number;
  timeoutMs: number;
  onProgress: ((progress: unknown, worker: number) => void) | undefined;
  resolve(output: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

interface Slot {
  index: number;
  transport: WorkerTransport | null;
  pid: number | null;
  ready: boolean;
  /** Tasks sent to this worker, in the order it runs them; the first is the one running. */
  assigned: Task[];
  /** Cancelled tasks the worker has not acknowledged yet: it is not free until it has. */
  cancelling: Set<number>;
  tasksDone: number;
  restarts: number;
  /** Workers in this slot that died before they were ready, in a row. */
  startFailures: number;
  watchdog: NodeJS.Timeout | null;
  cancelTimer: NodeJS.Timeout | null;
  /** Bumps with each process started in this slot, so late events from a dead one are ignored. */
  generation: number;
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The task was cancelled', 'AbortError');
}

export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const spawn = options.spawn ?? nodeSpawner;
  const entryPath = options.entryPath ?? workerEntryPath;
  const taskTimeoutMs = options.taskTimeoutMs ?? 120_000;
  const cancelGraceMs = options.cancelGraceMs ?? 250;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  const queue: Task[] = [];
  /** Exponentially weighted mean run time per kind, from the workers' own measurements. */
  const meanMs = new Map<string, number>();
  let nextId = 1;
  let closed = false;

  const slots: Slot[] = Array.from({ length: size }, (_, index) => ({
    index,
    transport: null,
    pid: null,
    ready: false,
    assigned: [],
    cancelling: new Set(),
    tasksDone: 0,
    restarts: 0,
    startFailures: 0,
    watchdog: null,
    cancelTimer: null,
    generation: 0,
  }));

  const settle = (task: Task, outcome: { output: unknown } | { error: unknown }): void => {
    if (task.settled) return;
    task.settled = true;
    if (task.signal && task.onAbort) task.signal.removeEventListener('abort', task.onAbort);
    if ('output' in outcome) task.resolve(outcome.output);
    else task.reject(outcome.error);
  };

  const send = (slot: Slot, message: ToWorker): void => {
    try {
      slot.transport?.postMessage(message);
    } catch {
      // The worker is dying; its exit handler requeues what it held.
    }
  };

  const clearTimers = (slot: Slot): void => {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    if (slot.cancelTimer) clearTimeout(slot.cancelTimer);
    slot.watchdog = null;
    slot.cancelTimer = null;
  };

  /** (Re)arm the watchdog for the task the worker is running now (or for its start-up). */
  const armWatchdog = (slot: Slot): void => {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = null;
    const limit = slot.ready ? slot.assigned[0]?.timeoutMs : startTimeoutMs;
    if (limit === undefined || !Number.isFinite(limit)) return;
    const generation = slot.generation;
    slot.watchdog = setTimeout(() => {
      if (slot.generation === generation) replaceWorker(slot, 'hung');
    }, limit);
    slot.watchdog.unref?.();
  };

  /**
   * The worker in `slot` crashed, hung or would not stop: kill it, and give its tasks back. The one it was
   * running (the first) used up an attempt; the others never started and keep theirs.
   */
  const replaceWorker = (slot: Slot, why: 'crashed' | 'hung' | 'cancel'): void => {
    const transport = slot.transport;
    const wasReady = slot.ready;
    const [running, ...notStarted] = slot.assigned;
    resetSlot(slot);
    slot.restarts++;
    transport?.kill();
    const requeue: Task[] = [];
    if (running && !running.settled) {
      if (why !== 'cancel' && running.attempts >= MAX_ATTEMPTS) {
        settle(running, { error: new WorkerFailedError(`The worker ${why} twice while running this ${running.kind} task`) });
      } else {
        if (why === 'cancel') running.attempts--;
        requeue.push(running);
      }
    }
    for (const task of notStarted) {
      if (task.settled) continue;
      task.attempts--;
      requeue.push(task);
    }
    queue.unshift(...requeue);
    if (!wasReady && ++slot.startFailures >= MAX_ATTEMPTS) {
      // The worker dies before it can even say it is ready (a broken entry, say): fail the waiting tasks
      // instead of respawning forever. A later run tries again.
      slot.startFailures = 0;
      const error = new WorkerFailedError(`The worker process ${why} while starting (${entryPath})`);
      for (const task of queue.splice(0)) settle(task, { error });
      return;
    }
    pump();
  };

  const resetSlot = (slot: Slot): void => {
    clearTimers(slot);
    slot.generation++;
    slot.transport = null;
    slot.pid = null;
    slot.ready = false;
    slot.assigned = [];
    slot.cancelling.clear();
  };

  const startWorker = (slot: Slot): void => {
    const generation = ++slot.generation;
    let transport: WorkerTransport;
    try {
      transport = spawn(entryPath, slot.index);
    } catch (error) {
      // Could not even start a process: fail the tasks waiting rather than spin.
      for (const task of queue.splice(0)) settle(task, { error: new WorkerFailedError(`Could not start a worker: ${String(error)}`) });
      return;
    }
    slot.transport = transport;
    slot.pid = transport.pid ?? null;
    slot.ready = false;
    transport.onMessage((message) => {
      if (slot.generation === generation && isFromWorker(message)) onWorkerMessage(slot, message);
    });
    transport.onExit(() => {
      if (slot.generation !== generation) return;
      if (slot.assigned.length > 0 || !slot.ready) {
        replaceWorker(slot, 'crashed');
        return;
      }
      // Died while idle: a fresh one starts when there is work again.
      resetSlot(slot);
      slot.restarts++;
      pump();
    });
    armWatchdog(slot);
  };

  const onWorkerMessage = (slot: Slot, message: FromWorker): void => {
    if (message.type === 'ready') {
      slot.ready = true;
      slot.startFailures = 0;
      slot.pid = message.pid;
      armWatchdog(slot);
      dispatch(slot);
      return;
    }
    const position = slot.assigned.findIndex((task) => task.id === message.id);
    if (position === -1) return;
    const task = slot.assigned[position] as Task;
    if (message.type === 'progress') {
      if (position === 0) armWatchdog(slot);
      if (!task.settled) task.onProgress?.(message.progress, slot.index);
      return;
    }
    slot.assigned.splice(position, 1);
    slot.cancelling.delete(task.id);
    if (slot.cancelling.size === 0 && slot.cancelTimer) {
      clearTimeout(slot.cancelTimer);
      slot.cancelTimer = null;
    }
    if (message.type === 'done') {
      slot.tasksDone++;
      const previous = meanMs.get(task.kind);
      meanMs.set(task.kind, previous === undefined ? message.ms : previous * 0.8 + message.ms * 0.2);
      settle(task, { output: message.output });
    } else if (message.type === 'failed') {
      const { error } = message;
      settle(task, { error: new WorkerTaskError(error.message, error.code, error.name) });
    } else {
      settle(task, { error: abortReason(task.signal) });
    }
    armWatchdog(slot);
    if (slot.assigned.length === 0) dispatch(slot);
  };

  /** How many queued tasks of the front task's kind to send in one message. */
  const batchSize = (): number => {
    const first = queue[0];
    if (!first) return 0;
    const mean = meanMs.get(first.kind);
    if (mean === undefined) return 1;
    const byCost = Math.floor(BATCH_TARGET_MS / Math.max(mean, 0.001));
    // Never take more than a fair share, so the other workers get some too.
    const fairShare = Math.ceil(queue.length / size);
    let count = Math.max(1, Math.min(MAX_BATCH, byCost, fairShare));
    for (let i = 1; i < count; i++) {
      if (queue[i]?.kind !== first.kind) count = i;
    }
    return count;
  };

  const dispatch = (slot: Slot): void => {
    if (closed || slot.assigned.length > 0 || slot.cancelling.size > 0 || queue.length === 0) return;
    if (!slot.transport) {
      startWorker(slot);
      return;
    }
    if (!slot.ready) return;
    const batch = queue.splice(0, batchSize());
    for (const task of batch) task.attempts++;
    slot.assigned = batch;
    const envelopes: TaskEnvelope[] = batch.map((task) => ({ id: task.id, kind: task.kind, input: task.input }));
    send(slot, { type: 'run', tasks: envelopes });
    armWatchdog(slot);
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      dispatch(slot);
    }
  };

  const cancel = (task: Task): void => {
    if (task.settled) return;
    settle(task, { error: abortReason(task.signal) });
    const queued = queue.indexOf(task);
    if (queued !== -1) {
      queue.splice(queued, 1);
      return;
    }
    const slot = slots.find((candidate) => candidate.assigned.includes(task));
    if (!slot) return;
    slot.cancelling.add(task.id);
    send(slot, { type: 'cancel', id: task.id });
    if (slot.assigned[0] === task && !slot.cancelTimer) {
      // It is running: if it has not stopped within the grace period, it will not (a tight loop): kill it.
      const generation = slot.generation;
      slot.cancelTimer = setTimeout(() => {
        slot.cancelTimer = null;
        if (slot.generation === generation && slot.cancelling.size > 0) replaceWorker(slot, 'cancel');
      }, cancelGraceMs);
    }
  };

  if (options.prestart) for (const slot of slots) startWorker(slot);

  return {
    size,
    run<K extends TaskKind>(kind: K, input: TaskMap[K]['input'], runOptions: RunOptions<K> = {}): Promise<TaskMap[K]['output']> {
      return new Promise<TaskMap[K]['output']>((resolve, reject) => {
        if (closed) {
          reject(new Error('The worker pool is closed'));
          return;
        }
        const { signal } = runOptions;
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const task: Task = {
          id: nextId++,
          kind,
          input,
          attempts: 0,
          timeoutMs: runOptions.timeoutMs ?? taskTimeoutMs,
          onProgress: runOptions.onProgress as Task['onProgress'],
          resolve: resolve as (output: unknown) => void,
          reject,
          signal,
          onAbort: undefined,
          settled: false,
        };
        if (signal) {
          task.onAbort = () => cancel(task);
          signal.addEventListener('abort', task.onAbort, { once: true });
        }
        queue.push(task);
        pump();
      });
    },
    activity(): PoolWorkerActivity[] {
      return slots.map((slot) => ({
        worker: slot.index,
        busy: slot.assigned.length > 0,
        tasksDone: slot.tasksDone,
        pid: slot.pid,
        kind: slot.assigned[0]?.kind ?? null,
        restarts: slot.restarts,
      }));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const error = new DOMException('The worker pool was closed', 'AbortError');
      for (const task of queue.splice(0)) settle(task, { error });
      const exits: Promise<void>[] = [];
      for (const slot of slots) {
        for (const task of slot.assigned) settle(task, { error });
        const transport = slot.transport;
        resetSlot(slot);
        if (transport) {
          exits.push(
            new Promise<void>((resolve) => {
              transport.onExit(() => resolve());
              // An exit that never comes must not hold close() forever.
              setTimeout(resolve, 2000).unref?.();
            }),
          );
          transport.kill();
        }
      }
      await Promise.all(exits);
    },
  };
}

export type { WorkerPool, WorkerSpawner, WorkerTransport } from './types.js';
