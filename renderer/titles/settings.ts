/** Titles run settings: the engine's defaults, remembered between sessions in localStorage. */
import { useEffect, useState } from 'react';
import { titlesSettingsSchema, type TitlesSettings } from '../../src/contract.js';
import { defaultTitlesOptions } from '../../src/titles/defaults.js';

/** The engine's own defaults. */
export const defaultTitlesSettings: TitlesSettings = {
  concurrency: defaultTitlesOptions.concurrency,
  perHost: defaultTitlesOptions.perHost,
  timeoutMs: defaultTitlesOptions.timeoutMs,
  retries: defaultTitlesOptions.retries,
  userAgent: defaultTitlesOptions.userAgent,
};

const storageKey = 'titlewave.titles.settings';

function load(): TitlesSettings {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null');
    const parsed = titlesSettingsSchema.safeParse(stored);
    return parsed.success ? parsed.data : defaultTitlesSettings;
  } catch {
    return defaultTitlesSettings;
  }
}

export function useTitlesSettings(): [TitlesSettings, (settings: TitlesSettings) => void] {
  const [settings, setSettings] = useState<TitlesSettings>(load);
  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(settings));
    } catch {
      // Storage full or disabled: the settings still apply to this session.
    }
  }, [settings]);
  return [settings, setSettings];
}
