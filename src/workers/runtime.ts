/** The worker's loop: receive batches of tasks, run them one by one, report progress, results and errors. */
import { performance } from 'node:perf_hooks';
import { isToWorker, serializeError, type FromWorker, type TaskEnvelope } from './protocol.js';
import type { ParentChannel } from './transport.js';

/** A handler as the runtime sees it: kinds are checked by the registry's types, not here. */
export type AnyTaskHandler = (input: never, context: { signal: AbortSignal; progress(progress: unknown): void }) => unknown;
export type AnyTaskLoaders = Partial<Record<string, () => Promise<AnyTaskHandler>>>;

export function serveTasks(channel: ParentChannel, loaders: AnyTaskLoaders): void {
  const pending: TaskEnvelope[] = [];
  const cancelledBeforeStart = new Set<number>();
  const handlers = new Map<string, Promise<AnyTaskHandler>>();
  let current: { id: number; controller: AbortController } | null = null;
  let draining = false;

  const send = (message: FromWorker): void => channel.send(message);

  const handlerFor = (kind: string): Promise<AnyTaskHandler> => {
    let handler = handlers.get(kind);
    if (!handler) {
      const load = loaders[kind];
      handler = load ? load() : Promise.reject(new Error(`Unknown task kind: ${kind}`));
      handlers.set(kind, handler);
    }
    return handler;
  };

  const runOne = async (task: TaskEnvelope): Promise<void> => {
    const controller = new AbortController();
    current = { id: task.id, controller };
    const started = performance.now();
    try {
      const handler = await handlerFor(task.kind);
      const output = await handler(task.input as never, {
        signal: controller.signal,
        progress: (progress) => send({ type: 'progress', id: task.id, progress }),
      });
      if (controller.signal.aborted) send({ type: 'cancelled', id: task.id });
      else send({ type: 'done', id: task.id, output, ms: performance.now() - started });
    } catch (error) {
      if (controller.signal.aborted) send({ type: 'cancelled', id: task.id });
      else send({ type: 'failed', id: task.id, error: serializeError(error) });
    } finally {
      current = null;
    }
  };

  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    try {
      for (let task = pending.shift(); task; task = pending.shift()) {
        if (cancelledBeforeStart.delete(task.id)) {
          send({ type: 'cancelled', id: task.id });
          continue;
        }
        await runOne(task);
      }
    } finally {
      draining = false;
    }
  };

  channel.onMessage((message) => {
    if (!isToWorker(message)) return;
    if (message.type === 'run') {
      pending.push(...message.tasks);
      void drain();
    } else if (current?.id === message.id) {
      current.controller.abort();
    } else if (pending.some((task) => task.id === message.id)) {
      cancelledBeforeStart.add(message.id);
    }
  });
  // A worker whose parent is gone has nobody to answer: end it rather than linger.
  channel.onDisconnect(() => process.exit(0));
  send({ type: 'ready', pid: process.pid });
}
