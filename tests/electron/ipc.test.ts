/** The main side of the IPC contract (electron/ipc.ts): registration, the sender check, argument validation, events. */
import { describe, expect, it, vi } from 'vitest';
import { commandNames, hostCommands, type CommandName, type EventName, type Events } from '../../src/contract.js';
import type { HostHandlers } from '../../src/desktop/host-commands.js';
import { EventHub } from '../../src/services/events.js';
import { forwardServiceEvents, isAppUrl, isTrustedSender, registerIpcHandlers, type IpcMainLike, type IpcReply } from '../../electron/ipc.js';

type Handler = (event: unknown, ...args: unknown[]) => Promise<IpcReply>;

function setup() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler as Handler);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const serviceCalls: { command: string; args: unknown }[] = [];
  const services = {
    invoke: vi.fn(async (command: string, args: unknown) => {
      serviceCalls.push({ command, args });
      if (command === 'history.delete') throw new Error('No such run: abc');
      return { runId: 'run-1' };
    }),
  };
  const hostCalls: { command: string; args: unknown[] }[] = [];
  const host = Object.fromEntries(
    hostCommands.map((command) => [
      command,
      async (...args: unknown[]) => {
        hostCalls.push({ command, args });
        return command === 'app.info' ? { version: '1.2.3' } : null;
      },
    ]),
  ) as unknown as HostHandlers;
  const mainFrame = { url: 'app://titlewave/index.html' };
  const webContents = { mainFrame };
  const window = { isDestroyed: () => false, webContents };
  let current: typeof window | null = window;
  const refused: string[] = [];
  const dispose = registerIpcHandlers({
    ipcMain,
    services: services as never,
    host,
    getWindow: () => current,
    onRefused: (_command, reason) => refused.push(reason),
  });
  const call = (command: CommandName | string, args: unknown[], from: { sender: unknown; senderFrame: unknown } = { sender: webContents, senderFrame: mainFrame }) => {
    const handler = handlers.get(command);
    if (!handler) throw new Error(`no handler for ${command}`);
    return handler(from, ...args);
  };
  return { handlers, services, serviceCalls, hostCalls, call, mainFrame, webContents, refused, dispose, closeWindow: () => (current = null) };
}

const settings = { concurrency: 64, perHost: 6, timeoutMs: 15_000, retries: 2, userAgent: 'Titlewave', render: 'auto' as const, renderers: 2, renderTimeoutMs: 10_000 };

describe('registration', () => {
  it('registers exactly one handler per command of the contract, and removes them all', () => {
    const { handlers, dispose } = setup();
    expect([...handlers.keys()].sort()).toEqual([...commandNames].sort());
    dispose();
    expect(handlers.size).toBe(0);
  });
});

describe('dispatch', () => {
  it('service commands go to the services with the parsed arguments', async () => {
    const { call, serviceCalls, hostCalls } = setup();
    const reply = await call('titles.start', [{ text: 'example.com', settings }]);
    expect(reply).toEqual({ ok: true, value: { runId: 'run-1' } });
    // Settings from before list mode get its defaults on the way in.
    expect(serviceCalls).toEqual([{ command: 'titles.start', args: [{ text: 'example.com', settings: { ...settings, proxy: 'environment', robots: 'ignore', rate: null } }] }]);
    expect(hostCalls).toEqual([]);
  });

  it('host commands go to the host implementation, spread as arguments', async () => {
    const { call, serviceCalls, hostCalls } = setup();
    expect(await call('app.info', [])).toEqual({ ok: true, value: { version: '1.2.3' } });
    await call('dialog.saveText', [{ suggestedName: 'titles.csv', text: 'a,b' }]);
    await call('shell.openExternal', ['https://example.com/']);
    expect(hostCalls).toEqual([
      { command: 'app.info', args: [] },
      { command: 'dialog.saveText', args: [{ suggestedName: 'titles.csv', text: 'a,b' }] },
      { command: 'shell.openExternal', args: ['https://example.com/'] },
    ]);
    expect(serviceCalls).toEqual([]);
  });

  it('the latest-job commands (a reloaded window shows them again) go to the services, with no arguments allowed', async () => {
    const { call, serviceCalls } = setup();
    for (const command of ['primes.lastCheck', 'primes.lastRange', 'thumbs.last'] as const) {
      expect(await call(command, [])).toEqual({ ok: true, value: { runId: 'run-1' } });
      expect(await call(command, ['extra'])).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^Invalid arguments for ${command.replace('.', '\\.')}`)) });
    }
    expect(serviceCalls.map((c) => c.command)).toEqual(['primes.lastCheck', 'primes.lastRange', 'thumbs.last']);
    expect(serviceCalls.every((c) => Array.isArray(c.args) && (c.args as unknown[]).length === 0)).toBe(true);
  });

  it('a failing command replies with its plain message', async () => {
    const { call } = setup();
    expect(await call('history.delete', ['abc'])).toEqual({ ok: false, error: 'No such run: abc' });
  });
});

describe('argument validation', () => {
  it.each([
    ['titles.start', [{ text: 'example.com', settings: { ...settings, concurrency: 0 } }], /settings\.concurrency/],
    ['titles.start', [{ text: 42, settings }], /text/],
    ['titles.pause', ['../../etc/passwd'], /Invalid arguments for titles\.pause/],
    ['history.load', [], /Invalid arguments for history\.load/],
    ['app.info', ['extra'], /Invalid arguments for app\.info/],
    ['app.setLanguage', ['fr'], /Invalid arguments for app\.setLanguage/],
    ['shell.openFolder', [''], /Invalid arguments for shell\.openFolder/],
    ['primes.range', [{ from: '1e9', to: '10', mode: 'count', output: null }], /from/],
    ['thumbs.start', [{ paths: [], settings: {} }], /Invalid arguments for thumbs\.start/],
  ] as const)('%s %j is refused with a clear error and runs nothing', async (command, args, message) => {
    const { call, serviceCalls, hostCalls } = setup();
    const reply = await call(command, [...args]);
    expect(reply.ok).toBe(false);
    expect(reply.ok === false && reply.error).toMatch(message);
    expect(reply.ok === false && reply.error).toMatch(new RegExp(`^Invalid arguments for ${command.replace('.', '\\.')}`));
    expect(serviceCalls).toEqual([]);
    expect(hostCalls).toEqual([]);
  });
});

describe('sender validation', () => {
  it.each([
    ['a subframe of our window', (s: ReturnType<typeof setup>) => ({ sender: s.webContents, senderFrame: { url: 'app://titlewave/index.html' } })],
    ['another web contents', (s: ReturnType<typeof setup>) => ({ sender: { mainFrame: {} }, senderFrame: s.mainFrame })],
    ['a frame that is gone', (s: ReturnType<typeof setup>) => ({ sender: s.webContents, senderFrame: null })],
  ])('refuses %s', async (_name, from) => {
    const state = setup();
    const reply = await state.call('history.list', [], from(state));
    expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(/^Refused history\.list: the caller is not the Titlewave window/) });
    expect(state.serviceCalls).toEqual([]);
    expect(state.refused).toHaveLength(1);
  });

  it.each(['file:///tmp/evil.html', 'https://example.com/', 'titlewave-preview://thumb/abc', 'app://other/index.html', 'about:blank'])(
    'refuses our main frame once it shows %s',
    async (url) => {
      const state = setup();
      state.mainFrame.url = url;
      expect((await state.call('app.info', [])).ok).toBe(false);
      expect(state.hostCalls).toEqual([]);
    },
  );

  it('refuses every call while there is no window', async () => {
    const state = setup();
    state.closeWindow();
    expect((await state.call('history.list', [])).ok).toBe(false);
    expect(state.serviceCalls).toEqual([]);
  });

  it('isTrustedSender and isAppUrl agree on the app origin only', () => {
    const frame = { url: 'app://titlewave/assets/index.js' };
    const window = { isDestroyed: () => false, webContents: { mainFrame: frame } };
    expect(isTrustedSender({ sender: window.webContents, senderFrame: frame }, window)).toBe(true);
    expect(isTrustedSender({ sender: window.webContents, senderFrame: frame }, { ...window, isDestroyed: () => true })).toBe(false);
    expect(isAppUrl('app://titlewave/')).toBe(true);
    expect(isAppUrl('app://titlewave.evil.example/')).toBe(false);
    expect(isAppUrl('app://titlewave@evil/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

/**
 * One payload of every event, keyed by EventName: the compiler insists on every event of the contract, so this list
 * is independent of `eventNames` (which the forwarding itself uses).
 */
const samplePayloads: { [E in EventName]: Events[E] } = {
  'titles.update': {
    runId: 'r',
    state: 'running',
    records: [],
    progress: { total: 1, inputDone: true, done: 0, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs: 0, duplicates: 0, paused: false },
  },
  'primes.checkUpdate': { jobId: 'j', seq: 1, state: 'running', records: [], done: 0, total: 1, elapsedMs: 0 },
  'primes.rangeUpdate': { jobId: 'j', seq: 1, state: 'running', progress: { sieved: 0, total: 1, count: 0, elapsedMs: 0, etaMs: null, workers: [] }, primes: [] },
  'thumbs.update': { jobId: 'j', seq: 1, state: 'running', records: [], progress: { total: 0, done: 0, failed: 0, cancelled: 0, skipped: 0, elapsedMs: 0, etaMs: null }, outDir: null },
  'history.changed': { runs: [] },
  'cluster.workers': { runId: 'r', queue: 'redis://127.0.0.1:6379/0', connection: 'connected', paused: false, workers: [] },
  'menu.command': { command: 'open' },
  'app.languageChanged': { language: 'zh-CN' },
  'app.connection': { state: 'lost' },
};

describe('events', () => {
  it('forwards every event of the contract the services emit, and stops when disposed', () => {
    const hub = new EventHub();
    const sent: { event: string; payload: unknown }[] = [];
    const stop = forwardServiceEvents(hub, (event, payload) => sent.push({ event, payload }));
    const emitAll = () => {
      for (const [event, payload] of Object.entries(samplePayloads)) hub.emit(event as EventName, payload as never);
    };
    emitAll();
    expect(sent).toEqual(Object.entries(samplePayloads).map(([event, payload]) => ({ event, payload })));
    stop();
    emitAll();
    expect(sent).toHaveLength(Object.keys(samplePayloads).length);
  });
});
