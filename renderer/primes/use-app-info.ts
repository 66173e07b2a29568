/** The host's facts (cores, native dialogs) for the Primes and Thumbnails tabs; null until they arrive. */
import { useEffect, useState } from 'react';
import type { AppInfo } from '../../src/contract.js';
import { invoke } from '../api.js';

let cached: Promise<AppInfo> | null = null;

export function useAppInfo(): AppInfo | null {
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    let live = true;
    cached ??= invoke('app.info');
    cached.then(
      (value) => {
        if (live) setInfo(value);
      },
      () => {
        // Ask again next time; until then the tabs keep their defaults (no native dialogs, one worker per core unknown).
        cached = null;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return info;
}
