/**
 * A whole thumbnails job through the worker pool: one 'thumbs.file' task per image, fed a few at a time so a job of
 * a million files holds only a window of tasks in memory. Before any task runs, the job's output paths are checked
 * against its sources (an output never replaces a source image, whatever `existing` says) and against each other
 * (two inputs never write the same output). This module does not load sharp: the workers do.
 */
import { dirname, resolve } from 'node:path';
import type { WorkerPool } from '../workers/types.js';
import { assertThumbsOptions, outputPathFor, patternUsesDimensions } from './options.js';
import { compactOwnOutputs } from './own-outputs.js';
import type { ThumbFileTask, ThumbRecord, ThumbsOptions, ThumbsProgress } from './types.js';
import { errorMessage } from '../errors.js';

export { scanInputs, skipReasons, type ScanOptions } from './scan.js';
export { defaultThumbsOptions, outputPathFor, outputRootFor, thumbDimensions, thumbsOptionsProblem, assertThumbsOptions } from './options.js';

export interface ThumbsRequest {
  images: string[];
  /** The folder each image was found under, by position (see ThumbsScanResult.roots). */
  roots: (string | null)[];
  options: ThumbsOptions;
}

export interface RunThumbnailsOptions {
  pool: WorkerPool;
  signal?: AbortSignal;
  onRecord?: (record: ThumbRecord) => void;
  onProgress?: (progress: ThumbsProgress) => void;
}

// Filesystems of macOS and Windows ignore case by default: "A.png" and "a.png" are one file there.
const caseless = process.platform === 'darwin' || process.platform === 'win32';
const pathKey = (path: string) => (caseless ? resolve(path).toLowerCase() : resolve(path));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** First index in the sorted array whose value is >= `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface TaskPlan {
  /** Paths of other sources that an output of this image could land on. */
  protectedPaths: string[];
  /** Set when another input of the job already writes one of this image's outputs. */
  conflict: string | null;
}

/**
 * Check every image's output paths against the job's sources and each other. Paths without {width}/{height} are
 * known exactly; with them, each output's path is a template whose literal prefix finds the few sources it could
 * match in a sorted list, and a regular expression decides.
 */
export function planThumbnails(request: ThumbsRequest): TaskPlan[] {
  const { images, roots, options } = request;
  const sources = images.map(pathKey);
  const sortedSources = [...new Set(sources)].sort();
  const sourceByKey = new Map(sources.map((key, index) => [key, images[index] as string]));
  const owners = new Map<string, number>();
  const dimensional = patternUsesDimensions(options.pattern);

  return images.map((input, index) => {
    const plan: TaskPlan = { protectedPaths: [], conflict: null };
    const root = roots[index] ?? null;
    const ownKey = sources[index] as string;
    for (const size of options.sizes) {
      if (!dimensional) {
        const key = pathKey(outputPathFor(input, root, size, options));
        const source = sourceByKey.get(key);
        if (source !== undefined && key !== ownKey) plan.protectedPaths.push(source);
        const owner = owners.get(key);
        if (owner !== undefined && owner !== index && plan.conflict === null) {
          plan.conflict = `its output ${outputPathFor(input, root, size, options)} is also the output of ${images[owner] as string}`;
        }
        owners.set(key, index);
        continue;
      }
      // Without dimensions the path keeps its {width} and {height} placeholders: a template of every possible path.
      const parts = pathKey(outputPathFor(input, root, size, options)).split(/\{(?:width|height)\}/);
      const prefix = parts[0] ?? '';
      const matcher = new RegExp(`^${parts.map(escapeRegExp).join('\\d+')}$`);
      for (let at = lowerBound(sortedSources, prefix); at < sortedSources.length; at++) {
        const key = sortedSources[at] as string;
        if (!key.startsWith(prefix)) break;
        if (key !== ownKey && matcher.test(key)) plan.protectedPaths.push(sourceByKey.get(key) as string);
      }
    }
    return plan;
  });
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export async function runThumbnails(request: ThumbsRequest, opts: RunThumbnailsOptions): Promise<ThumbsProgress> {
  assertThumbsOptions(request.options);
  const { images, roots } = request;
  if (roots.length !== images.length) throw new Error('runThumbnails: roots must hold one entry per image');
  const { pool, signal, onRecord, onProgress } = opts;
  // The workers size libvips' threads to their share of the cores.
  const options: ThumbsOptions = { ...request.options, workers: pool.size };
  const startedAt = performance.now();
  const progress: ThumbsProgress = { total: images.length, done: 0, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 0, etaMs: null };
  const snapshot = (): ThumbsProgress => {
    progress.elapsedMs = Math.round(performance.now() - startedAt);
    progress.etaMs = progress.done > 0 ? Math.round((progress.elapsedMs / progress.done) * (progress.total - progress.done)) : null;
    return { ...progress };
  };
  const plans = planThumbnails(request);

  // Folders this job wrote thumbnails into: their lists of Titlewave's thumbnails are compacted at the end.
  const foldersWritten = new Set<string>();
  const finish = (record: ThumbRecord) => {
    for (const output of record.outputs) if (!output.skipped) foldersWritten.add(dirname(output.path));
    progress.done++;
    // Cancelled is no failure: the image was fine, the user stopped the job.
    if (record.error?.code === 'CANCELLED') progress.cancelled++;
    else if (record.error) progress.failed++;
    else if (record.outputs.length > 0 && record.outputs.every((output) => output.skipped)) progress.skipped++;
    onRecord?.(record);
    onProgress?.(snapshot());
  };

  const runOne = async (index: number) => {
    const input = images[index] as string;
    const plan = plans[index] as TaskPlan;
    if (plan.conflict) {
      finish({ index, input, outputs: [], error: { code: 'OUTPUT_CONFLICT', message: plan.conflict } });
      return;
    }
    const task: ThumbFileTask = { index, input, root: roots[index] ?? null, options };
    if (plan.protectedPaths.length > 0) task.protectedPaths = plan.protectedPaths;
    try {
      finish(await pool.run('thumbs.file', task, signal ? { signal } : {}));
    } catch (error) {
      if (isAborted(signal)) {
        finish({ index, input, outputs: [], error: { code: 'CANCELLED', message: 'the job was cancelled before this image was done' } });
      } else {
        const message = errorMessage(error);
        finish({ index, input, outputs: [], error: { code: 'WORKER_FAILED', message } });
      }
    }
  };

  // A window of tasks in flight: enough to keep every worker busy (and its next task queued), no more. Lanes that
  // pull the next index, not p-limit, which would queue a closure per image up front (a million for a big folder).
  let next = 0;
  const lanes = Array.from({ length: Math.min(images.length, Math.max(1, pool.size) * 2) }, async () => {
    while (next < images.length && !isAborted(signal)) await runOne(next++);
  });
  await Promise.all(lanes);
  for (const folder of foldersWritten) await compactOwnOutputs(folder);
  return snapshot();
}
