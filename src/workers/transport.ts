/**
 * The worker side of the channel to the parent, hiding the one difference between hosts:
 * Electron's utilityProcess gives the worker `process.parentPort` (messages arrive as `{ data }` events),
 * Node's child_process.fork gives it `process.send` and `process.on('message')`.
 *
 * Either way a parent can vanish at any moment (kill -9): the channel then reports it once through onDisconnect,
 * and a message sent meanwhile is dropped without a word (never an EPIPE stack trace on the terminal).
 */
import { processAlive } from '../fs/lock.js';

export interface ParentChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away: Node's IPC closed or failed, or (Electron) the parent process is gone. Called once. */
  onDisconnect(listener: () => void): void;
  readonly host: 'electron-utility' | 'node-fork';
}

/** Electron's `process.parentPort` (a MessagePortMain-like object), reduced to what the worker uses. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** The parts of `process` the adapter looks at; a plain object in tests. */
export interface WorkerHostProcess {
  parentPort?: ParentPortLike;
  send?: (message: unknown, sendHandle?: undefined, options?: object, callback?: (error: Error | null) => void) => boolean;
  /** The parent's pid: watched under Electron, whose parentPort says nothing when the parent is gone. */
  readonly ppid?: number;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

/** How often an Electron worker checks that its parent is still there. */
const PARENT_WATCH_MS = 1000;

/** Calls `listener` once, as soon as one of the callers reports the parent gone. */
function oneShot(): { add(listener: () => void): void; fire(): void } {
  const listeners: (() => void)[] = [];
  let fired = false;
  return {
    add: (listener) => {
      if (fired) queueMicrotask(listener);
      else listeners.push(listener);
    },
    fire: () => {
      if (fired) return;
      fired = true;
      for (const listener of listeners.splice(0)) listener();
    },
  };
}

export function connectToParent(host: WorkerHostProcess = process as unknown as WorkerHostProcess): ParentChannel {
  const port = host.parentPort;
  if (port) {
    const gone = oneShot();
    // Electron's parentPort drops messages once the parent is gone and emits nothing (shell/services/node/
    // parent_port.cc); Chromium normally ends the process then, but a worker must not depend on it to stop sieving.
    // A parent that died leaves this process re-parented (another ppid) or, on Windows, its pid free.
    const parent = host.ppid;
    if (parent !== undefined && parent > 1) {
      const watch = setInterval(() => {
        if (host.ppid === parent && processAlive(parent)) return;
        clearInterval(watch);
        gone.fire();
      }, PARENT_WATCH_MS);
      watch.unref();
    }
    return {
      host: 'electron-utility',
      send: (message) => port.postMessage(message),
      onMessage: (listener) => {
        port.on('message', (event) => listener(event.data));
      },
      onDisconnect: (listener) => gone.add(listener),
    };
  }
  const send = host.send;
  if (typeof send === 'function') {
    const gone = oneShot();
    host.on('disconnect', () => gone.fire());
    return {
      host: 'node-fork',
      send: (message) => {
        // With a callback, a failed send (EPIPE, or the channel already closed) is reported to it instead of being
        // thrown as an 'error' event on process, which nobody handles: the stack trace a kill -9 of the parent showed.
        send.call(host, message, undefined, {}, (error) => {
          if (error) gone.fire();
        });
      },
      onMessage: (listener) => {
        host.on('message', listener);
      },
      onDisconnect: (listener) => gone.add(listener),
    };
  }
  throw new Error('Not started as a worker: neither process.parentPort (Electron) nor an IPC channel (child_process.fork)');
}
