/**
 * The dispatcher a titles run sends its requests through: directly (one keep-alive undici Agent), through an http or
 * https proxy (undici's ProxyAgent: plain http is forwarded, as curl does, https tunnelled with CONNECT), through a
 * SOCKS5 proxy (the `socks` package opens the tunnel inside the Agent's own connector, so connections are pooled and
 * limited per host as usual), or as the environment says (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, in either
 * case). Failures of the proxy itself (it refuses the connection, wants or rejects credentials) are tagged so the
 * record says PROXY rather than blaming the site. A proxy's credentials never appear in a message. Node only.
 *
 * (undici 7 has a Socks5ProxyAgent too; it is experimental — it warns at run time — and keeps one pool per origin
 * for ever, which a run over a million hosts cannot afford, so the `socks` client is used instead.)
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Agent as AgentTypes, buildConnector as BuildConnector } from 'undici';
// undici's pieces one by one, not its index: the index loads all of undici (fetch, WebSocket, caches, mocks, and
// through them Node's own copy), about 70 ms of CPU at every start, a twentieth of a CPU-bound CLI run of 5,000
// pages. tests/titles/undici-agent.test.ts checks that each is the very class or function the index exports.
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import connectApi from 'undici/lib/api/api-connect.js';
import { DIRECT, describeProxy, ENVIRONMENT, parseProxyUrl, withScheme } from './list-settings.js';
import { errorMessage, toError } from '../errors.js';

// ProxyAgent tunnels https with its pool's connect(), a method undici's index gives every Dispatcher
// (Object.assign(Dispatcher.prototype, api)); without the index, the same function is given here.
(Dispatcher.prototype as { connect?: unknown }).connect ??= connectApi;

/** `direct`, `environment`, or a proxy URL: http://, https://, socks5:// (names resolved here) or socks5h:// (by the proxy). */
export type ProxySetting = string;

export { DIRECT, describeProxy, ENVIRONMENT, environmentProxyProblem, parseProxyUrl, proxySettingProblem, ProxySettingError } from './list-settings.js';

/** A failure of the proxy, not of the site: the record's error is PROXY. */
export class ProxyError extends Error {
  readonly code = 'TITLEWAVE_PROXY';
  override readonly name = 'ProxyError';
  constructor(
    message: string,
    /** Worth another try (the proxy refused or dropped the connection, or was slow), not (credentials). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Turn an error from connecting to `proxy` into a ProxyError (messages without credentials). */
function proxyFailure(proxy: string, error: unknown): ProxyError {
  const message = errorMessage(error);
  const code = (error as { code?: unknown } | null)?.code;
  const has = (pattern: RegExp): boolean => pattern.test(message) || (typeof code === 'string' && pattern.test(code));
  if (has(/ECONNREFUSED/)) return new ProxyError(`the proxy ${proxy} refused the connection`, true);
  if (has(/ENOTFOUND|EAI_NONAME|EAI_AGAIN/)) return new ProxyError(`the proxy's host name ${proxy} does not resolve`, has(/EAI_AGAIN/));
  if (has(/ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|timed out/i)) return new ProxyError(`the proxy ${proxy} did not answer in time`, true);
  if (has(/ECONNRESET|EPIPE|Socket closed|other side closed/i)) return new ProxyError(`the proxy ${proxy} closed the connection`, true);
  if (has(/EHOSTUNREACH|ENETUNREACH/)) return new ProxyError(`the proxy ${proxy} cannot be reached`, true);
  if (has(/Authentication failed/i)) return new ProxyError(`the proxy ${proxy} rejected the user name or password`, false);
  if (has(/no accepted authentication type/i)) return new ProxyError(`the proxy ${proxy} wants credentials (none were accepted)`, false);
  if (has(/CERT|SSL|TLS/)) return new ProxyError(`the TLS connection to the proxy ${proxy} failed (${message})`, false);
  return new ProxyError(`the proxy ${proxy} failed: ${message}`, true);
}

type Connect = BuildConnector.connector;

/** A connector whose failures are the proxy's. */
function taggedConnect(connect: unknown, proxy: string): Connect {
  const inner: Connect = typeof connect === 'function' ? (connect as Connect) : buildConnector((connect ?? {}) as BuildConnector.BuildOptions);
  return (options, callback) => {
    inner(options, (...args) => {
      if (args[0] !== null) callback(proxyFailure(proxy, args[0]), null);
      else callback(null, args[1]);
    });
  };
}

/** What an Agent is built with, whatever is in front of it. */
export interface ConnectionOptions {
  /** Connections per origin (the per-host limit). */
  connections: number;
  /** Connect timeout (ms), for the site and for the proxy. */
  connectTimeoutMs: number;
}

function agentOptions(options: ConnectionOptions): AgentTypes.Options {
  return {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    maxHeaderSize: 64 * 1024,
    connect: { timeout: options.connectTimeoutMs },
  };
}

function httpProxyAgent(proxy: URL, options: ConnectionOptions): Dispatcher {
  const shown = describeProxy(proxy);
  const proxyOrigin = proxy.origin;
  return new ProxyAgent({
    ...agentOptions(options),
    uri: proxy.href,
    // Plain http is forwarded (absolute-form requests), as curl does: proxies commonly refuse CONNECT to port 80.
    proxyTunnel: false,
    // The connection that carries CONNECT tunnels (https sites).
    clientFactory: (origin: URL, opts: object) => new Pool(origin, { ...opts, connect: taggedConnect((opts as { connect?: unknown }).connect, shown) }),
    // The proxy's own pool for forwarded plain http, and the sites' pools (whose connector ProxyAgent makes).
    factory: (origin: string | URL, opts: object) => {
      const target = new URL(String(origin)).origin;
      const connect = (opts as { connect?: unknown }).connect;
      return new Pool(origin, target === proxyOrigin ? { ...opts, connect: taggedConnect(connect, shown) } : opts);
    },
  });
}

function socksAgent(proxy: URL, options: ConnectionOptions): Dispatcher {
  const shown = describeProxy(proxy);
  const tlsConnect = buildConnector({ timeout: options.connectTimeoutMs });
  const remoteNames = proxy.protocol === 'socks5h:';
  const proxyHost = proxy.hostname.replace(/^\[(.*)\]$/, '$1');
  const proxyPort = Number(proxy.port || 1080);
  const userId = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  const connect: Connect = (connectOptions, callback) => {
    const port = Number(connectOptions.port || (connectOptions.protocol === 'https:' ? 443 : 80));
    const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
    const open = async (): Promise<void> => {
      // socks5://: the name is resolved here (a failure is the site's DNS error); socks5h:// lets the proxy do it.
      let host = hostname;
      if (!remoteNames && isIP(hostname) === 0) host = (await lookup(hostname)).address;
      let socket;
      try {
        // Loaded the first time a SOCKS proxy is used: it costs every other run's start-up some 40 ms of CPU.
        const { SocksClient } = await import('socks');
        ({ socket } = await SocksClient.createConnection({
          proxy: { host: proxyHost, port: proxyPort, type: 5, ...(userId !== '' ? { userId, password } : {}) },
          command: 'connect',
          destination: { host, port },
          timeout: options.connectTimeoutMs,
        }));
      } catch (error) {
        throw socksFailure(shown, hostname, error);
      }
      if (connectOptions.protocol !== 'https:') {
        callback(null, socket);
        return;
      }
      tlsConnect({ ...connectOptions, httpSocket: socket }, callback);
    };
    open().catch((error: unknown) => callback(toError(error), null));
  };
  return new Agent({ ...agentOptions(options), connect });
}

/** A SOCKS failure: the proxy's own (PROXY), or the site's as the proxy reports it (connection refused, unreachable). */
function socksFailure(proxy: string, host: string, error: unknown): Error {
  const message = errorMessage(error);
  const rejected = /rejected connection - (\w+)/.exec(message)?.[1];
  // Not the SocksClientError itself: its `options` hold the password.
  if (rejected === 'ConnectionRefused') return Object.assign(new Error(`connection refused (through the proxy ${proxy})`), { code: 'ECONNREFUSED' });
  if (rejected === 'HostUnreachable' || rejected === 'NetworkUnreachable' || rejected === 'TTLExpired')
    return Object.assign(new Error(`${host} cannot be reached (the proxy ${proxy} says ${rejected})`), { code: 'EHOSTUNREACH' });
  if (rejected === 'NotAllowed') return new ProxyError(`the proxy ${proxy} does not allow a connection to ${host}`, false);
  if (rejected !== undefined) return new ProxyError(`the proxy ${proxy} could not connect to ${host} (${rejected})`, true);
  return proxyFailure(proxy, error);
}

/** The dispatcher for one proxy URL. */
function proxyDispatcher(proxy: URL, options: ConnectionOptions): Dispatcher {
  return proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:' ? socksAgent(proxy, options) : httpProxyAgent(proxy, options);
}

/** One NO_PROXY entry: a host name (matching its subdomains too), an IP address, optionally with a port, or `*`. */
interface NoProxyEntry {
  host: string;
  port: number | null;
}

function parseNoProxy(value: string): NoProxyEntry[] | 'all' {
  const entries: NoProxyEntry[] = [];
  for (const raw of value.split(/[\s,]+/)) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    if (item === '*') return 'all';
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(item);
    if (match === null) continue;
    entries.push({ host: (match[1] as string).replace(/^\*?\./, ''), port: match[2] !== undefined ? Number(match[2]) : null });
  }
  return entries;
}

/** Loopback is never sent through the environment's proxy (as browsers do): no proxy can reach this machine's loopback. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Routes each request as the environment says: HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY for what those leave
 * unset (as curl reads them; the lower-case name first), directly for NO_PROXY's hosts and loopback.
 */
class EnvironmentDispatcher extends Dispatcher {
  /** Where requests go that no proxy takes (also the whole dispatcher when the environment names no proxy). */
  readonly direct: Dispatcher;
  readonly #http: Dispatcher | null;
  readonly #https: Dispatcher | null;
  readonly #noProxy: NoProxyEntry[] | 'all';

  constructor(env: NodeJS.ProcessEnv, options: ConnectionOptions) {
    super();
    const read = (name: string): string | undefined => {
      const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
      return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
    };
    const all = read('all_proxy');
    const build = (value: string | undefined): Dispatcher | null => (value === undefined ? null : proxyDispatcher(parseProxyUrl(withScheme(value)), options));
    this.direct = new Agent(agentOptions(options));
    this.#http = build(read('http_proxy') ?? all);
    const https = read('https_proxy');
    this.#https = https !== undefined ? build(https) : all !== undefined && read('http_proxy') === undefined ? this.#http : build(all);
    this.#noProxy = parseNoProxy(read('no_proxy') ?? '');
  }

  /** Whether any request can go through a proxy. */
  get proxied(): boolean {
    return this.#http !== null || this.#https !== null;
  }

  #route(origin: string): Dispatcher {
    const url = new URL(origin);
    const proxy = url.protocol === 'https:' ? this.#https : this.#http;
    if (proxy === null || isLoopback(url.hostname) || this.#bypass(url)) return this.direct;
    return proxy;
  }

  #bypass(url: URL): boolean {
    if (this.#noProxy === 'all') return true;
    const host = url.hostname.toLowerCase();
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return this.#noProxy.some((entry) => (entry.port === null || entry.port === port) && (host === entry.host || host.endsWith(`.${entry.host}`)));
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#route(String(options.origin)).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.#all((dispatcher) => dispatcher.close());
    if (callback === undefined) return done;
    void done.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const done = this.#all((dispatcher) => dispatcher.destroy());
    const then = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    if (then === undefined) return done;
    void done.then(then);
  }

  async #all(each: (dispatcher: Dispatcher) => Promise<void>): Promise<void> {
    const distinct = new Set([this.direct, this.#http, this.#https].filter((dispatcher) => dispatcher !== null));
    await Promise.all([...distinct].map((dispatcher) => each(dispatcher).catch(() => undefined)));
  }
}

/**
 * The dispatcher for a proxy setting, and whether requests may go through a proxy (a 407 is then the proxy's).
 * Throws ProxySettingError for a setting that is not `direct`, `environment` or a proxy URL.
 */
export function createDispatcher(setting: ProxySetting, options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): { dispatcher: Dispatcher; proxied: boolean } {
  if (setting === DIRECT) return { dispatcher: new Agent(agentOptions(options)), proxied: false };
  if (setting === ENVIRONMENT) {
    const dispatcher = new EnvironmentDispatcher(env, options);
    // No proxy named: the plain Agent, without a routing layer in front of every request.
    return dispatcher.proxied ? { dispatcher, proxied: true } : { dispatcher: dispatcher.direct, proxied: false };
  }
  return { dispatcher: proxyDispatcher(parseProxyUrl(setting), options), proxied: true };
}
