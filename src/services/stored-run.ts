/**
 * The stored format of a titles run: what `meta.json` and each line of `records.jsonl` hold, whichever Titlewave
 * wrote them. Separate from the contract on purpose: the contract says what a command may ask for today, and its
 * limits may tighten; a run saved under looser ones must still load and be listed, and resuming it clamps its
 * settings to today's limits (`settingsForToday`) and says so.
 *
 * Versions (the `version` of meta.json):
 * - 1: the first format.
 * - 2: adds `writtenBy`, the version of the Titlewave that last wrote the meta (null when it was migrated from 1).
 * A meta of an older version is migrated when it is read (`migrations`); the files on disk take the current format
 * only when the run is written again (resume, retry). A newer version than this Titlewave knows is not read: the run
 * is not listed, and its folder is left as it is.
 *
 * Adding a field:
 * - a setting: add it to the contract's `titlesSettingsSchema` with its limits, and to `storedSettingsSchema` below
 *   with `.default(...)` (runs saved before it read as having the default). No new version. The compiler insists on
 *   both (see the checks at the end of this file).
 * - a record field: add it to `TitleRecord` and to `storedRecordSchema` with `.default(...)`. No new version.
 * - anything an older Titlewave would misread (a renamed field, a new meaning): bump STORED_RUN_VERSION and add the
 *   migration from the version before to `migrations`.
 */
import { z } from 'zod';
import { titlesSettingsSchema, type SettingAdjustment, type TitlesSettings } from '../contract.js';
import { defaultTitlesOptions } from '../titles/defaults.js';
import { ENVIRONMENT } from '../titles/list-settings.js';
import type { TitleRecord, TitlesSummary } from '../titles/types.js';

export const STORED_RUN_VERSION = 2;

export const runIdPattern = /^[A-Za-z0-9_-]{1,100}$/;

const count = z.number().int().min(0);

/** A run's settings as saved: any value a Titlewave ever accepted, and a default for each setting added since. */
export const storedSettingsSchema = z.object({
  concurrency: z.number().int().min(1).default(defaultTitlesOptions.concurrency),
  perHost: z.number().int().min(1).default(defaultTitlesOptions.perHost),
  timeoutMs: z.number().int().min(1).default(defaultTitlesOptions.timeoutMs),
  retries: count.default(defaultTitlesOptions.retries),
  /** '' is the default user agent. */
  userAgent: z.string().default(''),
  // List mode (issue 13): runs saved before it read as direct-or-environment, robots.txt ignored, no rate.
  /** `direct`, `environment` or a proxy URL (with its credentials, as the user typed them). */
  proxy: z.string().default(ENVIRONMENT),
  robots: z.enum(['respect', 'ignore']).default('ignore'),
  /** Requests per second per host; null: no limit. */
  rate: z.number().positive().nullable().default(null),
  /** Runs saved before render mode read as `auto`, today's default; an unknown mode (a newer Titlewave's) too. */
  render: z.enum(['auto', 'never', 'always']).catch('auto').default('auto'),
  /** Runs saved before these two were settings used the defaults, which they read as. */
  renderers: z.number().int().min(1).default(defaultTitlesOptions.renderers),
  renderTimeoutMs: z.number().int().min(1).default(defaultTitlesOptions.renderTimeoutMs),
});
export type StoredSettings = z.output<typeof storedSettingsSchema>;

const metaFields = {
  id: z.string().regex(runIdPattern),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  settings: storedSettingsSchema,
  total: count,
  done: count,
  failed: count,
  state: z.enum(['running', 'paused', 'done', 'cancelled', 'interrupted']),
  /** The live process that owns the run (cleared when the run ends). */
  owner: z.object({ pid: z.number().int(), session: z.string() }).nullable(),
  /** The engine's final summary (informational: shown nowhere but in the file). */
  summary: z.custom<TitlesSummary>((value) => typeof value === 'object' && value !== null).nullable(),
  /**
   * A run on a Redis queue (src/services/queue-runs.ts): the queue's URL without its password (the password stays in
   * the queue settings, queue-settings.ts). The run has the same id on the queue.
   */
  queue: z.object({ url: z.string() }).optional(),
};

const metaV1Schema = z.object({ version: z.literal(1), ...metaFields });
const metaSchema = z.object({ version: z.literal(STORED_RUN_VERSION), writtenBy: z.string().nullable(), ...metaFields });
export type RunMeta = z.output<typeof metaSchema>;

/** From each older version to the next: the meta read with that version's schema, or null when it does not pass. */
const migrations: Record<number, (value: unknown) => { version: number } | null> = {
  1: (value) => {
    const parsed = metaV1Schema.safeParse(value);
    return parsed.success ? { ...parsed.data, version: 2, writtenBy: null } : null;
  },
};

function versionOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
}

/** A meta.json's content in the current format (migrated when it is older), or null when it is unreadable or newer. */
export function parseStoredMeta(value: unknown): RunMeta | null {
  let current: unknown = value;
  for (let version = versionOf(current); typeof version === 'number' && version < STORED_RUN_VERSION; version = versionOf(current)) {
    const migrate = migrations[version];
    current = migrate ? migrate(current) : null;
    if (current === null) return null;
  }
  const parsed = metaSchema.safeParse(current);
  return parsed.success ? parsed.data : null;
}

const text = z.string().nullable().default(null);

/**
 * One line of records.jsonl. Checked field by field (a line that is not a record is skipped, like a torn one); fields
 * a newer Titlewave added are kept as they are, fields added after a line was written get their default.
 */
export const storedRecordSchema = z.looseObject({
  index: count,
  url: z.string(),
  finalUrl: text,
  status: z.number().int().nullable().default(null),
  title: text,
  ogTitle: text,
  description: text,
  canonical: text,
  lang: text,
  contentType: text,
  encoding: text,
  /** An unknown source (from a newer Titlewave) reads as unknown. */
  encodingSource: z.enum(['bom', 'http', 'meta', 'default']).nullable().catch(null).default(null),
  redirects: z.array(z.object({ url: z.string(), status: z.number().int() })).default([]),
  bytes: z.number().min(0).default(0),
  durationMs: z.number().min(0).default(0),
  attempts: count.default(0),
  /** Codes stay open: a newer Titlewave may have more. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Render mode's fields: a record written before them was not rendered. */
  staticTitle: text,
  rendered: z.boolean().default(false),
  renderMs: z.number().min(0).nullable().default(null),
  /** Codes stay open, as the error's. */
  warning: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
});

/** A records.jsonl line's value as a record, or null when it is not one. */
export function parseStoredRecord(value: unknown): TitleRecord | null {
  const parsed = storedRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as TitleRecord) : null;
}

type SettingSchema = z.ZodType & { minValue?: number | null; maxValue?: number | null; isInt?: boolean; maxLength?: number | null };

/**
 * A run's saved settings made to fit today's contract: each one that does not is brought to the nearest value that
 * does (a number clamped to the limits, a text cut to the longest allowed, anything else the setting's default), and
 * listed in `adjusted` so the user can be told.
 */
export function settingsForToday(stored: StoredSettings): { settings: TitlesSettings; adjusted: SettingAdjustment[] } {
  const shape = titlesSettingsSchema.shape as Record<keyof TitlesSettings, SettingSchema>;
  const defaults = storedSettingsSchema.parse({});
  const settings = { ...stored } as Record<string, unknown>;
  const adjusted: SettingAdjustment[] = [];
  for (const setting of Object.keys(shape) as (keyof TitlesSettings)[]) {
    const schema = shape[setting];
    const value = stored[setting];
    if (schema.safeParse(value).success) continue;
    let used: unknown = defaults[setting];
    if (typeof value === 'number' && Number.isFinite(value)) {
      const rounded = schema.isInt ? Math.round(value) : value;
      used = Math.min(Math.max(rounded, schema.minValue ?? -Infinity), schema.maxValue ?? Infinity);
    } else if (typeof value === 'string' && typeof schema.maxLength === 'number') {
      used = value.slice(0, schema.maxLength);
    }
    if (!schema.safeParse(used).success) used = defaults[setting];
    settings[setting] = used;
    adjusted.push({ setting, stored: value, used });
  }
  return { settings: titlesSettingsSchema.parse(settings), adjusted };
}

// The compiler holds the stored format to the contract and the engine's records: a setting or a record field added
// there and not here (with its default) fails these lines.
type Missing<Wanted, Shape> = Exclude<keyof Wanted, keyof Shape>;
type Holds<Check extends true> = Check;
export type EverySettingStored = Holds<Missing<TitlesSettings, typeof storedSettingsSchema.shape> extends never ? true : false>;
export type EveryRecordFieldStored = Holds<Missing<TitleRecord, typeof storedRecordSchema.shape> extends never ? true : false>;
