/** Public types of the thumbnails engine, shared by the CLI, the services, the IPC contract and the renderer. */
import type { RecordError } from '../titles/types.js';

export type ThumbsErrorCode =
  | 'NOT_FOUND'
  /** The file exists but could not be read (permissions, I/O error). */
  | 'READ_FAILED'
  | 'UNSUPPORTED'
  | 'CORRUPT'
  | 'TOO_LARGE'
  | 'WRITE_FAILED'
  | 'WOULD_OVERWRITE_SOURCE'
  /**
   * The output path is taken: another input of the same job writes it (two folders merged into one output folder),
   * it holds Titlewave's thumbnail of another image, or (without overwrite) a file Titlewave did not make.
   */
  | 'OUTPUT_CONFLICT'
  | 'CANCELLED'
  | 'WORKER_FAILED';

export type ThumbFormat = 'png' | 'webp' | 'jpeg' | 'avif';

export interface ThumbsOptions {
  /** Longest side of each thumbnail box, in pixels (default 32, 64, 128). */
  sizes: number[];
  format: ThumbFormat;
  /** 1..100, for lossy formats (default 80). */
  quality: number;
  /** Output folder; default: `thumbnails/<folder name>` beside a given folder, `thumbnails` beside a given file. */
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
  /** True when the output was there already, Titlewave's thumbnail of this same image, unchanged, and was left as it was. */
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

/** The input of one 'thumbs.file' task (what `thumbnailFile` takes). */
export interface ThumbFileTask {
  index: number;
  input: string;
  /** The folder the input was found under (outputs mirror its subfolders), or null for a file given directly. */
  root: string | null;
  options: ThumbsOptions;
  /**
   * Other sources of the same job that could share an output path with this input (set by `runThumbnails`,
   * usually empty): the task refuses to write over them, whatever `existing` says.
   */
  protectedPaths?: string[];
}

export interface ThumbsProgress {
  total: number;
  /** Files finished, whatever the outcome (includes failed and skipped). */
  done: number;
  /** Files finished with an error (not counting those cancelled). */
  failed: number;
  /** Files that were being made when the job was cancelled (their records say CANCELLED; nothing of them was written). */
  cancelled: number;
  /** Files whose every output already existed and was left as it was (`existing: 'skip'`). */
  skipped: number;
  elapsedMs: number;
  etaMs: number | null;
}
