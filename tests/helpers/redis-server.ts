/**
 * A real redis-server (Debian's package) for tests and benchmarks: on a free loopback port below 32768, persistence
 * off, stopped by `stop()`. `.ci/run` installs it; nothing else is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT/0, with the password when one was set. */
  url: string;
  /** Stop it (SIGTERM, then SIGKILL after 2 s); resolves when it has exited. */
  stop(): Promise<void>;
  /** Start it again on the same port, empty (tests of a Redis that went away and came back). */
  restart(): Promise<void>;
  readonly process: ChildProcess;
}

export interface RedisServerOptions {
  password?: string;
  /** e.g. 'allkeys-lru' to test the eviction check (default noeviction). */
  maxmemoryPolicy?: string;
}

export const redisServerPath = '/usr/bin/redis-server';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port in [20000, 32767] nobody listens on now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await portIsFree(port)) return port;
  }
}

function launch(port: number, options: RedisServerOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  if (options.maxmemoryPolicy !== undefined) args.push('--maxmemory-policy', options.maxmemoryPolicy, '--maxmemory', '1gb');
  const child = spawn(redisServerPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on port ${port}: ${output}`));
    }, 10_000);
    const poll = async (): Promise<void> => {
      while (child.exitCode === null) {
        if (!(await portIsFree(port))) {
          clearTimeout(deadline);
          resolve(child);
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
    void poll();
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  let port = await freePort();
  let child: ChildProcess;
  for (let attempt = 0; ; attempt += 1) {
    try {
      child = await launch(port, options);
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      port = await freePort();
    }
  }
  const stopChild = async (): Promise<void> => {
    const current = child;
    if (current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    get process() {
      return child;
    },
    stop: stopChild,
    restart: async () => {
      await stopChild();
      child = await launch(port, options);
    },
  };
}
