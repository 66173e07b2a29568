/**
 * BullMQ, and the ioredis it runs on, for the scale-out mode. The built CLI and app load them from one bundled
 * CommonJS file, queue-library.cjs beside this module (scripts/build-cli.mjs): the packages' own builds are some 300
 * files, and a producer pays their loading at the start of every `titles --redis` run, which is in issue 9's figures
 * (about 100 ms less on Node 20). Run from src/ (unit tests), there is no bundle and the packages load as they are.
 * Every module of src/cluster/ takes these classes from here, so one copy is ever loaded (WaitingError must be the
 * Worker's own, and ioredis is pinned to BullMQ's version so that both share it).
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';

type QueueLibrary = Pick<typeof BullMQ, 'Queue' | 'Worker' | 'WaitingError'> & Pick<typeof IORedis, 'Redis'>;

function loadQueueLibrary(): QueueLibrary {
  const require = createRequire(import.meta.url);
  try {
    return require('./queue-library.cjs') as QueueLibrary;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !(error as Error).message.includes('queue-library.cjs')) throw error;
    const bullmq = require('bullmq') as typeof BullMQ;
    return { Queue: bullmq.Queue, Worker: bullmq.Worker, WaitingError: bullmq.WaitingError, Redis: (require('ioredis') as typeof IORedis).Redis };
  }
}

export const { Queue, Worker, WaitingError, Redis } = loadQueueLibrary();
/* eslint-disable @typescript-eslint/no-explicit-any -- BullMQ's own defaults */
export type Queue = BullMQ.Queue;
export type Worker<DataType = any> = BullMQ.Worker<DataType>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type Redis = IORedis.Redis;
export type { Job } from 'bullmq';
