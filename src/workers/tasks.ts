/**
 * The task registry: which handler runs each task kind inside a worker. One line per kind; handlers load
 * lazily, so a worker that only checks primes never loads sharp.
 */
import type { TaskRegistry } from './types.js';

export const taskRegistry: TaskRegistry = {
  'thumbs.file': () => import('../thumbs/task.js').then((module) => module.thumbsFileTask),
};
