/**
 * Titles run settings: the engine's defaults, remembered between sessions in localStorage, and checked against the
 * limits every host enforces (src/titles/limits.ts, through the contract's schema).
 */
import { useEffect, useState } from 'react';
import { titlesSettingsSchema, type TitlesSettings } from '../../src/contract.js';
import { defaultTitlesOptions } from '../../src/titles/defaults.js';
import { userAgentProblem, type UserAgentProblem } from '../../src/titles/limits.js';
import { proxySettingProblem } from '../../src/titles/list-settings.js';

/** The engine's own defaults. */
export const defaultTitlesSettings: TitlesSettings = {
  concurrency: defaultTitlesOptions.concurrency,
  perHost: defaultTitlesOptions.perHost,
  timeoutMs: defaultTitlesOptions.timeoutMs,
  retries: defaultTitlesOptions.retries,
  userAgent: defaultTitlesOptions.userAgent,
  proxy: defaultTitlesOptions.proxy,
  robots: defaultTitlesOptions.robots,
  rate: defaultTitlesOptions.rate,
  render: defaultTitlesOptions.render,
  renderers: defaultTitlesOptions.renderers,
  renderTimeoutMs: defaultTitlesOptions.renderTimeoutMs,
};

const storageKey = 'titlewave.titles.settings';

/** Stored settings, field by field: one field a newer or older version stores differently does not reset the rest. */
export function settingsFrom(stored: unknown): TitlesSettings {
  const whole = titlesSettingsSchema.safeParse(stored);
  if (whole.success) return whole.data;
  const settings: TitlesSettings = { ...defaultTitlesSettings };
  if (stored === null || typeof stored !== 'object') return settings;
  const shape = titlesSettingsSchema.shape;
  for (const key of Object.keys(shape) as (keyof TitlesSettings)[]) {
    const field = shape[key].safeParse((stored as Record<string, unknown>)[key]);
    if (field.success) Object.assign(settings, { [key]: field.data });
  }
  return settings;
}

function load(): TitlesSettings {
  try {
    // Settings saved before a field existed get its default (the schema's).
    return settingsFrom(JSON.parse(localStorage.getItem(storageKey) ?? 'null'));
  } catch {
    return defaultTitlesSettings;
  }
}

/** What is wrong with the User-Agent field, or null (blank means the default). */
export function userAgentFieldProblem(value: string): UserAgentProblem | null {
  return value.trim() === '' ? null : userAgentProblem(value);
}

/** The settings a run starts with: a blank User-Agent means the default. */
export function settingsForRun(settings: TitlesSettings): TitlesSettings {
  return { ...settings, userAgent: settings.userAgent.trim() || defaultTitlesOptions.userAgent, proxy: settings.proxy.trim() };
}

/**
 * The settings in the panel. A User-Agent or proxy URL the user is still fixing is kept (and shown with its error),
 * but is not remembered: the last valid settings are.
 */
export function useTitlesSettings(): [TitlesSettings, (settings: TitlesSettings) => void] {
  const [settings, setSettings] = useState<TitlesSettings>(load);
  useEffect(() => {
    if (userAgentFieldProblem(settings.userAgent) !== null || proxySettingProblem(settings.proxy) !== null) return;
    try {
      localStorage.setItem(storageKey, JSON.stringify(settings));
    } catch {
      // Storage full or disabled: the settings still apply to this session.
    }
  }, [settings]);
  return [settings, setSettings];
}
