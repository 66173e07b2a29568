/** Public types of the thumbnails engine, shared by the CLI, the services, the IPC contract and the renderer. */
import type { RecordError } from '../titles/types.js';

export type ThumbsErrorCode =
  | 'NOT_FOUND'
  | 'UNSUPPORTED'
  | 'CORRUPT'
  | 'TOO_LARGE'
  | 'WRITE_FAILED'
  | 'WOULD_OVERWRITE_SOURCE'
  | 'CANCELLED'
  | 'WORKER_FAILED';

export type ThumbFormat = 'png' | 'webp' | 'jpeg' | 'avif';

export interface ThumbsOptions {
  /** Longest side of each thumbnail box, in pixels (default 32, 64, 128). */
  sizes: number[];
  format: ThumbFormat;
  /** 1..100, for lossy formats (default 80). */
  quality: number;
  /** Output folder; default: a `thumbnails` folder beside the input. */
  outDir: string | null;
  /** Name pattern; `{name}`, `{size}`, `{ext}` (and `{width}`, `{height}`) are replaced. Default `{name}_{size}.{ext}`. */
  pattern: string;
  /** Mirror the input's subfolders under the output folder (default true). */
  mirrorFolders: boolean;
  /** Existing outputs: skip them (default) or overwrite them. */
  existing: 'skip' | 'overwrite';
  /** Strip metadata (default) or keep it. */
  keepMetadata: boolean;
  workers?: number;
}

export interface ThumbOutput {
  size: number;
  path: string;
  width: number;
  height: number;
  /** True when the output already existed and was left as it was. */
  skipped?: boolean;
}

export interface ThumbRecord {
  index: number;
  /** The input file's path. */
  input: string;
  outputs: ThumbOutput[];
  error: RecordError<ThumbsErrorCode> | null;
  /** A URL the renderer may show for the smallest output (host-specific safe channel); absent in the CLI. */
  previewUrl?: string;
}

export interface ThumbsProgress {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  etaMs: number | null;
}
