/**
 * The task registry: which handler runs each task kind inside a worker. One line per kind; handlers load
 * lazily, so a worker that only checks primes never loads sharp.
 */
import type { TaskRegistry } from './types.js';

export const taskRegistry: TaskRegistry = {
  'primes.check': () => import('../primes/check-task.js').then((module) => module.checkTask),
  'primes.sieve': () => import('../primes/sieve-task.js').then((module) => module.sieveTask),
  'thumbs.file': () => import('../thumbs/task.js').then((module) => module.thumbsFileTask),
};
