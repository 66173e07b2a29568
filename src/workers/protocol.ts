/** Messages between the pool (parent) and a worker process. Plain objects, structured-cloneable. */

export interface TaskEnvelope {
  id: number;
  kind: string;
  input: unknown;
}

/** Parent -> worker. */
export type ToWorker =
  /** Run these tasks one after the other (a batch: one message for several small tasks). */
  | { type: 'run'; tasks: TaskEnvelope[] }
  /** Stop task `id` (abort its signal if it runs, skip it if it has not started). */
  | { type: 'cancel'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

/** Worker -> parent. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; progress: unknown }
  /** `ms`: time the handler ran, used to size batches. */
  | { type: 'done'; id: number; output: unknown; ms: number }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'cancelled'; id: number };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isToWorker(value: unknown): value is ToWorker {
  if (!isObject(value)) return false;
  if (value.type === 'cancel') return typeof value.id === 'number';
  if (value.type === 'run') {
    return (
      Array.isArray(value.tasks) &&
      value.tasks.every((task: unknown) => isObject(task) && typeof task.id === 'number' && typeof task.kind === 'string')
    );
  }
  return false;
}

export function isFromWorker(value: unknown): value is FromWorker {
  if (!isObject(value) || typeof value.type !== 'string') return false;
  switch (value.type) {
    case 'ready':
      return typeof value.pid === 'number';
    case 'progress':
    case 'cancelled':
      return typeof value.id === 'number';
    case 'done':
      return typeof value.id === 'number' && typeof value.ms === 'number';
    case 'failed':
      return typeof value.id === 'number' && isObject(value.error) && typeof value.error.message === 'string';
    default:
      return false;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
