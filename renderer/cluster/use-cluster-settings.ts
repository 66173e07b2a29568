/**
 * The "Run on" setting as the page holds it: where new runs go, the saved Redis URL (only ever without its password:
 * the page hands a typed URL to the services and forgets it), and the last connection test.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ClusterSettings, ClusterTestResult, RunTarget } from '../../src/contract.js';
import { invoke } from '../api.js';

export interface ClusterSettingsState {
  /** null until loaded. */
  settings: ClusterSettings | null;
  test: ClusterTestResult | null;
  testing: boolean;
  setRunOn: (runOn: RunTarget) => Promise<void>;
  /** Save a new URL (refused with the services' error when it is not a Redis URL), then test it. */
  saveUrl: (url: string) => Promise<void>;
  runTest: () => Promise<void>;
  /** Remove the saved URL (and its password) from this computer. */
  forgetUrl: () => Promise<void>;
}

export function useClusterSettings(onError: (error: unknown) => void): ClusterSettingsState {
  const [settings, setSettings] = useState<ClusterSettings | null>(null);
  const [test, setTest] = useState<ClusterTestResult | null>(null);
  const [testing, setTesting] = useState(false);

  useEffect(() => {
    invoke('cluster.settings').then(setSettings, onError);
    // Once, on mount.
  }, []);

  const runTest = useCallback(async () => {
    setTesting(true);
    try {
      setTest(await invoke('cluster.test', {}));
    } catch (error) {
      onError(error);
    } finally {
      setTesting(false);
    }
  }, [onError]);

  const setRunOn = useCallback(
    async (runOn: RunTarget) => {
      setSettings((current) => (current ? { ...current, runOn } : current));
      try {
        setSettings(await invoke('cluster.setSettings', { runOn }));
      } catch (error) {
        onError(error);
      }
    },
    [onError],
  );

  const saveUrl = useCallback(
    async (url: string) => {
      // Refusals (not a Redis URL) reject: the caller keeps the text for the user to fix.
      setSettings(await invoke('cluster.setSettings', { runOn: 'queue', url }));
      setTest(null);
      await runTest();
    },
    [runTest],
  );

  const forgetUrl = useCallback(async () => {
    try {
      setSettings(await invoke('cluster.setSettings', { runOn: 'queue', url: null }));
      setTest(null);
    } catch (error) {
      onError(error);
    }
  }, [onError]);

  return useMemo(() => ({ settings, test, testing, setRunOn, saveUrl, runTest, forgetUrl }), [settings, test, testing, setRunOn, saveUrl, runTest, forgetUrl]);
}
