/**
 * BullMQ for the scale-out mode, loaded with require(): its CommonJS build loads in about 190 ms against 310 ms for
 * its ES module build on Node 20 (hundreds of files through the ES module loader; measured, best of 8), and a
 * producer pays that at the start of every `titles --redis` run, which is in issue 9's figures. Every module of
 * src/cluster/ takes BullMQ's classes from here, so one copy is ever loaded (WaitingError must be the Worker's own).
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

const bullmq = createRequire(import.meta.url)('bullmq') as typeof BullMQ;

export const { Queue, Worker, WaitingError } = bullmq;
/* eslint-disable @typescript-eslint/no-explicit-any -- BullMQ's own defaults */
export type Queue = BullMQ.Queue;
export type Worker<DataType = any> = BullMQ.Worker<DataType>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type { Job } from 'bullmq';
