/**
 * Typed access to `window.api`, the only way the renderer talks to its host (Electron's preload or the browser-mode
 * bridge; the renderer cannot tell them apart). Types come from the IPC contract in src/contract.ts.
 */
import { useEffect, useRef } from 'react';
import type { Api, CommandArgs, CommandName, CommandResult, EventName, Events } from '../src/contract.js';

declare global {
  interface Window {
    api?: Api;
  }
}

/** The host's API; throws a readable error when the page was opened without a host behind it. */
export function getApi(): Api {
  const api = window.api;
  if (!api) throw new Error('window.api is missing: open Titlewave from the app or from `titlewave serve`.');
  return api;
}

export function invoke<C extends CommandName>(command: C, ...args: CommandArgs<C>): Promise<CommandResult<C>> {
  return getApi().invoke(command, ...args);
}

/** Subscribe to a host event for the component's lifetime; the latest listener is always the one called. */
export function useApiEvent<E extends EventName>(event: E, listener: (payload: Events[E]) => void): void {
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => getApi().on(event, (payload) => latest.current(payload)), [event]);
}

/** The readable message of whatever a rejected command threw (the one helper of the whole project). */
export { errorMessage } from '../src/errors.js';

/** True for the URLs we may hand to the system browser. */
export function isWebUrl(value: string | null | undefined): value is string {
  if (!value) return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
