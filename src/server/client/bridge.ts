/**
 * Browser mode's `window.api`: the same surface Electron's preload exposes, over the server's WebSocket. Loaded as
 * a classic script before the renderer's module script, so the renderer finds `window.api` ready and cannot tell
 * the two hosts apart. Host commands that need the page (file pickers, downloads, new tabs) run here.
 */
import { MAX_SITEMAP_UPLOAD_BYTES, type Api, type CommandArgs, type CommandName, type CommandResult, type ConnectionState, type EventName, type Events, type Language } from '../../contract.js';
import { decodeTextFile } from '../../titles/text-encoding.js';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_TIMEOUT_MS, WS_PATH, isPageCommand, type ClientMessage, type PageCommandName, type ServerMessage } from '../protocol.js';
import { errorMessage, toError } from '../../errors.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

type AnyListener = (payload: unknown) => void;

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5000;
const PING = JSON.stringify({ type: 'ping' } satisfies ClientMessage);

function createBridge(): Api {
  const listeners = new Map<EventName, Set<AnyListener>>();
  /** Calls sent and not yet answered. */
  const inFlight = new Map<number, Pending>();
  /** Calls made while the socket is connecting: sent once it opens, rejected if this attempt fails. */
  let queued: { text: string; id: number }[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  /** The language the user chose (saved by the server); null follows the browser's language. */
  let savedLanguage: Language | null = null;
  /** 'connecting' until the first hello; then what the page is told through `app.connection`. */
  let connection: ConnectionState | 'connecting' = 'connecting';

  function setConnection(next: ConnectionState): void {
    if (connection === next) return;
    const wasUp = connection === 'connected' || connection === 'connecting';
    connection = next;
    // The first connection is no news; a loss, a new address, and a recovery from either are.
    if (next !== 'connected' || !wasUp) dispatch('app.connection', { state: next });
  }

  function connect(): void {
    // Relative to the page, so below its secret prefix `/t/<token>/` like every other URL of the app.
    const url = new URL(WS_PATH, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url.href);
    socket = ws;
    let opened = false;
    /** When the ping not yet answered was sent (any message from the server answers it); null when none is out. */
    let pingSentAt: number | null = null;
    let heartbeat: ReturnType<typeof setInterval> | null = null;

    /** This socket is done with: reject what waits on it, say so, and try again (once per socket). */
    const drop = (): void => {
      if (socket !== ws) return;
      socket = null;
      if (heartbeat !== null) clearInterval(heartbeat);
      const lost = new Error('The connection to Titlewave was lost; try again.');
      for (const pending of inFlight.values()) pending.reject(lost);
      inFlight.clear();
      queued = [];
      // Said at once (the page must not go on showing a live job as if nothing happened), then reconnect quietly
      // with a backoff (the server may be restarting). Calls made before a socket exists again are rejected.
      if (opened || connection !== 'replaced') setConnection('lost');
      // A refused attempt: is the server up, with another token now (restarted with another data folder)?
      if (!opened) void probeAddress();
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    };

    /**
     * A server that is stopped or hung keeps its socket open and never closes it: only an answer proves it is there.
     * A ping goes out when none is waiting (a throttled timer in a background tab only sends later, never judges
     * early); no message within the timeout of it, and the connection is lost. Not while a big call is still being
     * sent: the ping would queue behind it.
     */
    const beat = (): void => {
      if (socket !== ws || ws.readyState !== WebSocket.OPEN) return;
      const now = performance.now();
      if (pingSentAt !== null) {
        if (now - pingSentAt < HEARTBEAT_TIMEOUT_MS) return;
        ws.close(4000, 'No answer');
        drop();
        return;
      }
      if (ws.bufferedAmount > 0) return;
      ws.send(PING);
      pingSentAt = now;
    };

    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      opened = true;
      reconnectDelay = RECONNECT_MIN_MS;
      const toSend = queued;
      queued = [];
      for (const { text } of toSend) ws.send(text);
      heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS);
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      if (socket !== ws) return;
      pingSentAt = null;
      if (typeof event.data === 'string') receive(event.data);
    });
    ws.addEventListener('close', drop);
  }

  /**
   * Ask the server for this page's own address: a 401 or 403 means it answers, but not to this token (the page
   * cannot see why a WebSocket upgrade was refused); no answer means it is down or restarting.
   */
  async function probeAddress(): Promise<void> {
    let status: number;
    try {
      status = (await fetch(location.href, { method: 'HEAD', cache: 'no-store', credentials: 'omit', redirect: 'manual' })).status;
    } catch {
      return; // not answering: still 'lost'
    }
    if ((status === 401 || status === 403) && connection !== 'connected') setConnection('replaced');
  }

  function receive(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'hello') {
      savedLanguage = message.language;
      setConnection('connected');
    } else if (message.type === 'result') {
      const pending = inFlight.get(message.id);
      if (!pending) return;
      inFlight.delete(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new Error(message.error));
    } else if (message.type === 'pong') {
      // The heartbeat's answer: it did its work when it arrived (see beat).
    } else if (message.type === 'event') {
      if (message.event === 'app.languageChanged') savedLanguage = message.payload.language;
      dispatch(message.event, message.payload);
    }
  }

  function dispatch(event: EventName, payload: unknown): void {
    const set = listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        // One broken listener must not starve the others.
        console.error(`window.api listener of ${event} threw`, error);
      }
    }
  }

  function remote(command: CommandName, args: unknown[]): Promise<unknown> {
    const id = nextId++;
    const text = JSON.stringify({ type: 'invoke', id, command, args });
    return new Promise((resolve, reject) => {
      if (!socket) {
        reject(new Error('The connection to Titlewave was lost; try again.'));
        return;
      }
      inFlight.set(id, { resolve, reject });
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else queued.push({ text, id });
    });
  }

  async function appInfo(): Promise<CommandResult<'app.info'>> {
    const info = (await remote('app.info', [])) as CommandResult<'app.info'>;
    return { ...info, language: savedLanguage ?? browserLanguage() };
  }

  function page(command: PageCommandName, args: unknown[]): Promise<unknown> {
    switch (command) {
      case 'dialog.openTextFiles':
        return openTextFiles();
      case 'dialog.saveText':
        return Promise.resolve(saveText(args[0] as CommandArgs<'dialog.saveText'>[0]));
      case 'dialog.openSitemapFile':
        return openSitemapFile();
      case 'dialog.saveBytes':
        return Promise.resolve(saveBytes(args[0] as CommandArgs<'dialog.saveBytes'>[0]));
      case 'shell.openExternal':
        return Promise.resolve(openExternal(args[0]));
      case 'dialog.choosePaths':
      case 'dialog.chooseFolder':
      case 'dialog.chooseSaveFile':
        // A browser has no native path pickers; the UI offers path fields instead (app.info says nativeDialogs false).
        return Promise.resolve(null);
    }
  }

  const api: Api = {
    invoke<C extends CommandName>(command: C, ...args: CommandArgs<C>): Promise<CommandResult<C>> {
      // Page commands run synchronously up to their first await, inside the caller's user activation.
      try {
        if (command === 'app.info') return appInfo() as Promise<CommandResult<C>>;
        if (isPageCommand(command)) return page(command, args) as Promise<CommandResult<C>>;
        return remote(command, args) as Promise<CommandResult<C>>;
      } catch (error) {
        return Promise.reject(toError(error));
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as AnyListener;
      set.add(entry);
      // A page that starts listening while the connection is down learns it at once, not at the next change.
      if (event === 'app.connection' && (connection === 'lost' || connection === 'replaced')) {
        const state = connection;
        queueMicrotask(() => {
          if (set.has(entry)) entry({ state });
        });
      }
      return () => {
        set.delete(entry);
      };
    },
    pathForFile(): string | null {
      return null;
    },
  };

  connect();
  return Object.freeze(api);
}

function browserLanguage(): Language {
  const languages = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of languages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/**
 * A hidden file input, clicked synchronously: browsers open a file chooser only inside a user activation, so this
 * must run in the same task as the click that called `invoke`. Resolves with the files picked, or null when the user cancels.
 */
function chooseFiles(accept: string, multiple: boolean): Promise<File[] | null> {
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = multiple;
  input.accept = accept;
  input.hidden = true;
  document.body.append(input);
  const chosen = new Promise<File[] | null>((resolve) => {
    input.addEventListener(
      'change',
      () => {
        const files = [...(input.files ?? [])];
        input.remove();
        resolve(files.length === 0 ? null : files);
      },
      { once: true },
    );
    input.addEventListener(
      'cancel',
      () => {
        input.remove();
        resolve(null);
      },
      { once: true },
    );
  });
  input.click();
  return chosen;
}

/** URL lists the user picks (chooseFiles runs before the first await, inside the click's activation). */
async function openTextFiles(): Promise<{ name: string; text: string }[] | null> {
  const files = await chooseFiles('.txt,.csv,text/plain,text/csv', true);
  if (files === null) return null;
  try {
    // Decoded as the desktop app and the CLI do (UTF-16 by its byte order mark), not with file.text() (UTF-8 only).
    return await Promise.all(files.map(async (file) => ({ name: file.name, text: decodeTextFile(new Uint8Array(await file.arrayBuffer()), file.name) })));
  } catch (error) {
    throw new Error(`Could not read the file: ${errorMessage(error)}`);
  }
}

/** Bytes as base64, in slices (String.fromCharCode over megabytes at once would overflow the stack). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

/** A sitemap file the user picks (read as bytes: it may be gzip), like openTextFiles inside the click's activation. */
async function openSitemapFile(): Promise<{ name: string; base64: string } | null> {
  const file = (await chooseFiles('.xml,.gz,.txt,application/xml,text/xml,application/gzip,text/plain', false))?.[0];
  if (file === undefined) return null;
  if (file.size > MAX_SITEMAP_UPLOAD_BYTES) throw new Error(`${file.name} is over ${MAX_SITEMAP_UPLOAD_BYTES / 2 ** 20} MiB`);
  try {
    return { name: file.name, base64: toBase64(new Uint8Array(await file.arrayBuffer())) };
  } catch (error) {
    throw new Error(`Could not read the file: ${errorMessage(error)}`);
  }
}

/** Download bytes (an .xlsx export) under the suggested name. */
function saveBytes({ suggestedName, base64 }: { suggestedName: string; base64: string }): boolean {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  const type = /\.xlsx$/i.test(suggestedName) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'application/octet-stream';
  download(suggestedName, new Blob([bytes], { type }));
  return true;
}

/** Download the text under the suggested name (the browser's own download flow decides where it goes). */
function saveText({ suggestedName, text }: { suggestedName: string; text: string }): boolean {
  const type = /\.csv$/i.test(suggestedName) ? 'text/csv;charset=utf-8' : /\.jsonl?$/i.test(suggestedName) ? 'application/json;charset=utf-8' : 'text/plain;charset=utf-8';
  download(suggestedName, new Blob([text], { type }));
  return true;
}

function download(suggestedName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = suggestedName;
  anchor.rel = 'noopener';
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty for it to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function openExternal(value: unknown): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new Error('Not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('Only http and https links open in the browser');
  window.open(url.href, '_blank', 'noopener,noreferrer');
}

Object.defineProperty(window, 'api', { value: createBridge(), writable: false, configurable: false, enumerable: true });
