/**
 * The 'thumbs.file' task handler, run inside the pool's worker processes.
 *
 * libvips tuning for N worker processes: each process works on one image at a time, so parallelism comes from the
 * processes. libvips' own thread pool (sharp.concurrency) is sized to this process's share of the cores: with the
 * default one worker per core that is one thread, and the cores are not oversubscribed by N pools of N threads each
 * (measured in bench/thumbs.mjs). sharp's operation cache is off: every image is new, and a cache would only hold
 * memory and open files.
 */
import { availableParallelism } from 'node:os';
import type { TaskContext } from '../workers/types.js';
import type { ThumbFileTask, ThumbRecord } from './types.js';

type Engine = typeof import('./engine.js');

let engine: Promise<Engine> | null = null;

/** Threads for libvips in one worker when `workers` processes share the machine. */
export function vipsThreadsPerWorker(workers: number | undefined, cores = availableParallelism()): number {
  const override = Number(process.env.TITLEWAVE_VIPS_THREADS);
  if (Number.isInteger(override) && override > 0) return override;
  return Math.max(1, Math.floor(cores / Math.max(1, workers ?? cores)));
}

async function loadEngine(workers: number | undefined): Promise<Engine> {
  engine ??= (async () => {
    const { sharp } = await import('./sharp.js');
    sharp.concurrency(vipsThreadsPerWorker(workers));
    sharp.cache(false);
    return import('./engine.js');
  })();
  return engine;
}

export async function thumbsFileTask(input: ThumbFileTask, context: TaskContext<'thumbs.file'>): Promise<ThumbRecord> {
  const { thumbnailFile } = await loadEngine(input.options.workers);
  return thumbnailFile(input, { signal: context.signal });
}
