/** Thumbnail settings: defaults from the engine, remembered between sessions in this window's storage. */
import type { CommandArgs } from '../../src/contract.js';
import { defaultThumbsOptions, patternProblem as engineProblem } from '../../src/thumbs/options.js';
import type { ThumbFormat, ThumbsOptions } from '../../src/thumbs/types.js';

export type ThumbsSettings = CommandArgs<'thumbs.start'>[0]['settings'];

export const formats: readonly ThumbFormat[] = ['png', 'webp', 'jpeg', 'avif'];
export const maxSizes = 16;
export const maxSize = 4096;

export function defaultSettings(): ThumbsSettings {
  const d = defaultThumbsOptions;
  return {
    sizes: [...d.sizes],
    format: d.format,
    quality: d.quality,
    outDir: d.outDir,
    pattern: d.pattern,
    mirrorFolders: d.mirrorFolders,
    existing: d.existing,
    keepMetadata: d.keepMetadata,
  };
}

export function toOptions(settings: ThumbsSettings): ThumbsOptions {
  return { ...defaultThumbsOptions, ...settings, sizes: [...settings.sizes] };
}

const storageKey = 'titlewave.thumbs.settings';

function isSize(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= maxSize;
}

/** Settings saved earlier, each field checked; anything missing or odd falls back to its default. */
export function loadSettings(): ThumbsSettings {
  const settings = defaultSettings();
  let saved: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null');
    if (!parsed || typeof parsed !== 'object') return settings;
    saved = parsed as Record<string, unknown>;
  } catch {
    return settings;
  }
  if (Array.isArray(saved.sizes) && saved.sizes.length > 0 && saved.sizes.length <= maxSizes && saved.sizes.every(isSize)) {
    settings.sizes = [...new Set(saved.sizes as number[])].sort((a, b) => a - b);
  }
  if (formats.includes(saved.format as ThumbFormat)) settings.format = saved.format as ThumbFormat;
  if (Number.isInteger(saved.quality) && (saved.quality as number) >= 1 && (saved.quality as number) <= 100) settings.quality = saved.quality as number;
  if (typeof saved.pattern === 'string' && saved.pattern.length > 0 && saved.pattern.length <= 200) settings.pattern = saved.pattern;
  if (typeof saved.mirrorFolders === 'boolean') settings.mirrorFolders = saved.mirrorFolders;
  if (saved.existing === 'skip' || saved.existing === 'overwrite') settings.existing = saved.existing;
  if (typeof saved.keepMetadata === 'boolean') settings.keepMetadata = saved.keepMetadata;
  // The output folder is not remembered: it belongs to one set of inputs.
  return settings;
}

export function saveSettings(settings: ThumbsSettings): void {
  try {
    const { outDir: _outDir, ...rest } = settings;
    localStorage.setItem(storageKey, JSON.stringify(rest));
  } catch {
    // Storage full or disabled: the settings still apply to this session.
  }
}

/**
 * What is wrong with a name pattern (the engine's own check), or null when it is fine. The common mistake (outputs
 * that would collide) gets the tab's translated message; rarer ones keep the engine's wording.
 */
export function patternProblem(pattern: string, sizes: readonly number[]): { key: 'patternInvalid' } | { text: string } | null {
  const problem = engineProblem(pattern, sizes.length);
  if (problem === null) return null;
  if (!pattern.includes('{name}') || (sizes.length > 1 && !/\{(size|width|height)\}/.test(pattern))) return { key: 'patternInvalid' };
  return { text: problem };
}
