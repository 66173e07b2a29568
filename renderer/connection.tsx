/**
 * The connection to the host, as the renderer sees it. In the desktop app it never drops; in browser mode the bridge
 * reports `app.connection` (lost, back, or replaced by a server with another address). While it is down, a banner
 * says so at once and the controls that need the host are disabled; when it comes back, views that show host state
 * fetch it again (`useReconnected`), since updates sent meanwhile were missed.
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ConnectionState } from '../src/contract.js';
import { useApiEvent } from './api.js';
import { useToast } from './components/Toasts.js';
import { commonMessages } from './i18n/common.js';
import { useT } from './i18n/index.js';

const ConnectionContext = createContext<ConnectionState>('connected');

export function ConnectionProvider(props: { children: ReactNode }) {
  const [state, setState] = useState<ConnectionState>('connected');
  useApiEvent('app.connection', ({ state: next }) => setState(next));
  return <ConnectionContext.Provider value={state}>{props.children}</ConnectionContext.Provider>;
}

export function useConnection(): ConnectionState {
  return useContext(ConnectionContext);
}

/** True while commands can reach the host. */
export function useHostOnline(): boolean {
  return useConnection() === 'connected';
}

/** Run `callback` each time the connection comes back after it was lost. */
export function useReconnected(callback: () => void): void {
  const latest = useRef(callback);
  useEffect(() => {
    latest.current = callback;
  });
  useApiEvent('app.connection', ({ state }) => {
    if (state === 'connected') latest.current();
  });
}

/** A message with `command` spans shown as code (as text nodes: nothing in it is ever markup). */
function withCode(text: string): ReactNode[] {
  return text.split('`').map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part));
}

/** The banner under the header while the connection is down, and a short notice when it is back. */
export function ConnectionBanner() {
  const t = useT(commonMessages);
  const toast = useToast();
  const state = useConnection();
  useReconnected(() => toast.show(t('connectionBack'), 'success'));
  if (state === 'connected') return null;
  const replaced = state === 'replaced';
  return (
    <div className={`connection-banner connection-banner--${state}`} role="alert">
      {replaced ? <span className="connection-banner__icon" aria-hidden="true" /> : <span className="connection-banner__spinner" aria-hidden="true" />}
      <div className="connection-banner__text">
        <strong className="connection-banner__title">{withCode(replaced ? t('connectionReplaced') : t('connectionLost'))}</strong>
        <span className="connection-banner__detail">{withCode(replaced ? t('connectionReplacedDetail') : t('connectionLostDetail'))}</span>
      </div>
    </div>
  );
}
