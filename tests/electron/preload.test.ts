/**
 * The BUILT preload (dist/electron/preload.cjs), run as a sandboxed preload runs: a CommonJS script whose `require`
 * knows only `electron`. contextBridge, ipcRenderer and webUtils are fakes that record what the preload does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { commandNames, eventNames, type Api } from '../../src/contract.js';
import { packageRoot } from '../../src/package-info.js';

const preloadPath = join(packageRoot, 'dist', 'electron', 'preload.cjs');

function loadPreload() {
  const source = readFileSync(preloadPath, 'utf8');
  const exposed = new Map<string, unknown>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const replies = new Map<string, unknown>();
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
    },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return replies.get(channel) ?? { ok: true, value: null };
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
    },
    webUtils: {
      getPathForFile: (file: { path?: string; broken?: boolean }) => {
        if (file.broken) throw new TypeError('not a File');
        return file.path ?? '';
      },
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  // Only what a sandboxed preload has: no process, no Buffer, no Node modules.
  const context = vm.createContext({ require: sandboxRequire, module, exports: module.exports, console });
  vm.runInContext(source, context, { filename: preloadPath });
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'ipc-renderer-event' }, payload);
  };
  return { exposed, invoked, listeners, replies, required, emit };
}

describe('the built preload', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    const { required } = loadPreload();
    expect(required).toEqual(['electron']);
    const source = readFileSync(preloadPath, 'utf8');
    expect(source).not.toMatch(/\bimport\s*\(/);
  });

  it('exposes only `api`, with exactly invoke, on and pathForFile', () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['api']);
    const api = exposed.get('api') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'pathForFile']);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('invokes every known command on its own channel and unwraps the reply', async () => {
    const { exposed, invoked, replies } = loadPreload();
    const api = exposed.get('api') as Api;
    for (const command of commandNames) {
      replies.set(command, { ok: true, value: `result of ${command}` });
      await expect((api.invoke as (c: string, ...a: unknown[]) => Promise<unknown>)(command, 'x', 1)).resolves.toBe(`result of ${command}`);
    }
    expect(invoked.map((call) => call.channel)).toEqual(commandNames);
    expect(invoked[0]?.args).toEqual(['x', 1]);
  });

  it('rejects with the main process message when a command fails', async () => {
    const { exposed, replies } = loadPreload();
    const api = exposed.get('api') as Api;
    replies.set('history.load', { ok: false, error: 'No such run: abc' });
    await expect(api.invoke('history.load', 'abc')).rejects.toThrow(/^No such run: abc$/);
    replies.set('history.list', 'not an envelope');
    await expect(api.invoke('history.list')).rejects.toThrow(/malformed reply/);
  });

  it.each(['fs.readFile', 'ipcRenderer.send', '__proto__', 'constructor', ''])('refuses the unknown command %j without sending anything', async (command) => {
    const { exposed, invoked } = loadPreload();
    const api = exposed.get('api') as { invoke: (c: string) => Promise<unknown> };
    await expect(api.invoke(command)).rejects.toThrow(/Unknown command/);
    expect(invoked).toEqual([]);
  });

  it('subscribes to known events: the listener gets the payload only, and can unsubscribe', () => {
    const { exposed, emit, listeners } = loadPreload();
    const api = exposed.get('api') as Api;
    for (const event of eventNames) {
      const received: unknown[] = [];
      const off = api.on(event, (...args: unknown[]) => received.push(args));
      emit(event, { n: 1 });
      expect(received).toEqual([[{ n: 1 }]]);
      off();
      emit(event, { n: 2 });
      expect(received).toHaveLength(1);
      expect(listeners.get(event)?.size).toBe(0);
    }
  });

  it.each(['ELECTRON_BROWSER_WINDOW_ALERT', 'titles.start', 'constructor', ''])('refuses the unknown event %j', (event) => {
    const { exposed, listeners } = loadPreload();
    const api = exposed.get('api') as { on: (e: string, l: () => void) => unknown };
    expect(() => api.on(event, () => undefined)).toThrow(/Unknown event/);
    expect(listeners.size).toBe(0);
  });

  it('gives the path of a dropped file, or null when there is none', () => {
    const { exposed } = loadPreload();
    const api = exposed.get('api') as Api;
    expect(api.pathForFile({ path: '/home/user/photos' })).toBe('/home/user/photos');
    expect(api.pathForFile({})).toBeNull();
    expect(api.pathForFile({ broken: true })).toBeNull();
  });
});
