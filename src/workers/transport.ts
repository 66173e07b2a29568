/**
 * The worker side of the channel to the parent, hiding the one difference between hosts:
 * Electron's utilityProcess gives the worker `process.parentPort` (messages arrive as `{ data }` events),
 * Node's child_process.fork gives it `process.send` and `process.on('message')`.
 */

export interface ParentChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (Node IPC closed). Electron ends utility processes with their parent by itself. */
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
  send?: (message: unknown) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export function connectToParent(host: WorkerHostProcess = process as unknown as WorkerHostProcess): ParentChannel {
  const port = host.parentPort;
  if (port) {
    return {
      host: 'electron-utility',
      send: (message) => port.postMessage(message),
      onMessage: (listener) => {
        port.on('message', (event) => listener(event.data));
      },
      onDisconnect: () => {},
    };
  }
  const send = host.send;
  if (typeof send === 'function') {
    return {
      host: 'node-fork',
      send: (message) => {
        send.call(host, message);
      },
      onMessage: (listener) => {
        host.on('message', listener);
      },
      onDisconnect: (listener) => {
        host.on('disconnect', listener);
      },
    };
  }
  throw new Error('Not started as a worker: neither process.parentPort (Electron) nor an IPC channel (child_process.fork)');
}
