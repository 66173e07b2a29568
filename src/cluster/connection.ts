/**
 * Redis connections for the scale-out mode: parsing `redis://` and `rediss://` URLs (the password never leaves this
 * module in any message), the ioredis options producers and workers use, and the start-up check that turns every
 * common misconfiguration into one clear line within seconds: unreachable, wrong or missing password, TLS failure,
 * a Redis that evicts keys, and a Redis used by Titlewave of another schema version.
 */
import type { RedisOptions } from 'ioredis';
import { Redis } from './bullmq.js';
import { ClusterError } from './errors.js';
import { keys, SCHEMA_VERSION } from './schema.js';
import { errorMessage } from '../errors.js';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** The URL without its password, for messages and logs: `redis://:***@host:6379/0`. */
  display: string;
}

/** Reads a Redis URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Not even the text is echoed: it may hold a password.
    throw new ClusterError('BAD_URL', 'the Redis URL is not a URL; expected redis://HOST:6379/0 (or rediss:// for TLS)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ClusterError('BAD_URL', `the Redis URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
  }
  if (url.hostname === '') throw new ClusterError('BAD_URL', 'the Redis URL has no host; expected redis://HOST:6379/0');
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw new ClusterError('BAD_URL', `the Redis URL's database must be a number (redis://HOST:6379/0), got "/${path.slice(0, 20)}"`);
  const db = path === '' ? 0 : Number(path);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const auth = password !== undefined ? `${url.username}:***@` : username !== undefined ? `${url.username}@` : '';
  return { host, port, db, username, password, tls: url.protocol === 'rediss:', display: `${url.protocol}//${auth}${url.host}/${db}` };
}

/** Removes the password from any Redis URL inside a text (for messages that quote something else's error). */
export function redactRedisUrls(text: string): string {
  return text.replace(/(rediss?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}

/**
 * ioredis options for a target. `blocking`: for BullMQ workers and stream readers, which must wait out a lost
 * connection instead of failing their commands (maxRetriesPerRequest null); others fail a command after retries.
 */
export function redisOptions(target: RedisTarget, extra: RedisOptions = {}): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    connectTimeout: 5000,
    // Reconnect forever, at most every 2 s: a worker that loses Redis for a while carries on when it is back.
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    maxRetriesPerRequest: null,
    ...extra,
  };
}

export function createRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const client = new Redis(redisOptions(target, extra));
  // Connection errors surface through commands and the health checks; an 'error' event without a listener would
  // crash the process.
  client.on('error', () => undefined);
  return client;
}

/** What the start-up check learned. */
export interface RedisInfo {
  version: string;
  maxmemoryPolicy: string;
  usedMemory: number;
}

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

/** One clear line for a connection failure, naming the target without its password. */
export function describeRedisError(error: unknown, target: RedisTarget): ClusterError {
  if (error instanceof ClusterError) return error;
  const message = redactRedisUrls(errorMessage(error));
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const at = `Redis at ${target.display}`;
  if (/NOAUTH/i.test(message)) return new ClusterError('AUTH', `${at} needs a password: give it in the URL (redis://:PASSWORD@${target.host}:${target.port}/${target.db})`);
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) return new ClusterError('AUTH', `${at} refused the password${target.username !== undefined ? ' or user name' : ''}`);
  if (/without any password configured|AUTH.*no password/i.test(message)) return new ClusterError('AUTH', `${at} has no password set, but the URL gives one; remove it from the URL or set requirepass on the server`);
  if (/NOPERM/i.test(message)) return new ClusterError('AUTH', `${at}: this user may not run the commands Titlewave needs (${message.slice(0, 120)})`);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return new ClusterError('UNREACHABLE', `cannot connect to ${at}: connection refused (is redis-server running there, and listening on that address?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(message)) return new ClusterError('UNREACHABLE', `cannot connect to ${at}: host not found`);
  if (code === 'ETIMEDOUT' || /ETIMEDOUT|timed out|timeout/i.test(message)) return new ClusterError('UNREACHABLE', `cannot connect to ${at}: no answer within 5 s`);
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return new ClusterError('UNREACHABLE', `cannot connect to ${at}: host unreachable`);
  if (target.tls && /SSL|TLS|certificate|wrong version number|EPROTO/i.test(message)) return new ClusterError('TLS', `the TLS connection to ${at} failed: ${message.slice(0, 160)}`);
  if (/Connection is closed|ECONNRESET|EPIPE/i.test(message)) {
    return new ClusterError('UNREACHABLE', `${at} closed the connection${target.tls ? '' : ' (if the server wants TLS, use rediss://)'}`);
  }
  return new ClusterError('REDIS', `${at}: ${message.slice(0, 200)}`);
}

/**
 * Connects once (no retries, 5 s at most), and checks what Titlewave needs: the password works, the server keeps
 * every key (`maxmemory-policy noeviction`: an evicted job or result would be work lost silently), and the runs on
 * it are of our schema version. Throws a ClusterError with one line for the user.
 */
export async function checkRedis(target: RedisTarget): Promise<RedisInfo> {
  const client = new Redis(
    redisOptions(target, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 5000, commandTimeout: 5000 }),
  );
  let lastError: unknown = null;
  client.on('error', (error) => (lastError = error));
  try {
    try {
      await client.connect();
    } catch (error) {
      throw describeRedisError(lastError ?? error, target);
    }
    let info: string;
    try {
      // Both asked at once (one round trip); one INFO with two sections needs Redis 7.
      info = (await Promise.all([client.info('server'), client.info('memory')])).join('\n');
    } catch (error) {
      throw describeRedisError(error, target);
    }
    const result: RedisInfo = {
      version: infoField(info, 'redis_version') ?? 'unknown',
      maxmemoryPolicy: infoField(info, 'maxmemory_policy') ?? 'noeviction',
      usedMemory: Number(infoField(info, 'used_memory') ?? 0),
    };
    if (result.maxmemoryPolicy !== 'noeviction') {
      throw new ClusterError(
        'EVICTION',
        `Redis at ${target.display} evicts keys when it is full (maxmemory-policy ${result.maxmemoryPolicy}), which would lose queued work; set maxmemory-policy noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf)`,
      );
    }
    return result;
  } finally {
    client.disconnect();
  }
}

/**
 * Claims the schema version for this Redis, or throws SCHEMA when runs of another version are on it. `canReset`:
 * a producer may take over a Redis whose runs of the other version are all finished (after an upgrade).
 */
export async function claimSchema(client: Redis, target: RedisTarget, role: 'producer' | 'worker', canReset: () => Promise<boolean>): Promise<void> {
  const current = await client.get(keys.schema);
  if (current === null) {
    await client.set(keys.schema, String(SCHEMA_VERSION), 'NX');
    return;
  }
  if (current === String(SCHEMA_VERSION)) return;
  if (role === 'producer' && (await canReset())) {
    await client.set(keys.schema, String(SCHEMA_VERSION));
    return;
  }
  throw new ClusterError(
    'SCHEMA',
    `Redis at ${target.display} holds Titlewave runs of job schema ${current}; this ${role} speaks schema ${SCHEMA_VERSION}: run the same Titlewave version on every machine`,
  );
}
