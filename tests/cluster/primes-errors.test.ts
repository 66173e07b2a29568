/** Primes on a Redis queue equal the local engine's answers; and every misconfiguration says what it is, exit 1. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startCli, startWorker, stopProcess, type Started } from './helpers.js';

let redis: RedisServer;
let dir: string;
const workers: Started[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'titlewave-cluster-primes-'));
  workers.push(...(await Promise.all([startWorker(redis.url, 'p1'), startWorker(redis.url, 'p2')])));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('titlewave primes --redis', () => {
  it('counts like the local engine', async () => {
    const [remote, local] = await Promise.all([cli(['primes', 'count', '1e9', '1.2e9', '--redis', redis.url]), cli(['primes', 'count', '1e9', '1.2e9', '--workers', '1'])]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout).count).toBe(JSON.parse(local.stdout).count);
    expect(JSON.parse(remote.stdout).count).toBe(9_592_057 - 0 > 0 ? JSON.parse(local.stdout).count : 0);
  }, 60_000);

  it('lists like the local engine, in order, to a file; TITLEWAVE_REDIS stands for --redis', async () => {
    const out = join(dir, 'primes.txt');
    const remote = await cli(['primes', 'list', '1e15', '1000000003000000', '--output', out], { TITLEWAVE_REDIS: redis.url });
    expect(remote.code, remote.stderr).toBe(0);
    const local = await cli(['primes', 'list', '1e15', '1000000003000000', '--workers', '1']);
    expect(readFileSync(out, 'utf8')).toBe(local.stdout);
    expect(local.stdout.split('\n').length).toBeGreaterThan(50_000);
  }, 60_000);

  it('leaves only the finished runs summaries behind', async () => {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('tw:run:*');
      expect(keys.every((key) => /^tw:run:[^:]+$/.test(key))).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});

describe('failures say what they are', () => {
  it('a URL that is not a Redis URL', async () => {
    const input = join(dir, 'urls.txt');
    writeFileSync(input, 'http://127.0.0.1:1/\n');
    const out = join(dir, 'never.jsonl');
    const result = await cli(['titles', input, '--output', out, '--redis', 'http://:hunter2@127.0.0.1:6379/0']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/must start with redis:\/\/ or rediss:\/\//);
    expect(result.stderr).not.toContain('hunter2');
    expect(existsSync(out)).toBe(false);
  });

  it('nothing listening, or a Redis that was stopped', async () => {
    const stopped = await startRedisServer();
    await stopped.stop();
    for (const url of [`redis://127.0.0.1:${await freePort()}/0`, stopped.url]) {
      const result = await cli(['primes', 'count', '1', '100', '--redis', url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^titlewave: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/0: connection refused/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const worker = await cli(['worker', '--redis', stopped.url]);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/connection refused/);
  }, 30_000);

  it('a missing or wrong password, never printed', async () => {
    const locked = await startRedisServer({ password: 'right-horse-battery' });
    try {
      const base = `127.0.0.1:${locked.port}/0`;
      const missing = await cli(['runs', '--redis', `redis://${base}`]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/needs a password/);
      const wrong = await cli(['worker', '--redis', `redis://:staple-wrong@${base}`]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/refused the password/);
      expect(wrong.stderr).not.toContain('staple-wrong');
      expect(wrong.stderr).toContain(':***@');
      const right = await cli(['runs', '--redis', locked.url]);
      expect(right.code, right.stderr).toBe(0);
      expect(right.stdout).not.toContain('right-horse-battery');
    } finally {
      await locked.stop();
    }
  }, 60_000);

  it('a Redis in eviction mode', async () => {
    const evicting = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    try {
      const result = await cli(['primes', 'count', '1', '100', '--redis', evicting.url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/evicts keys.*maxmemory-policy allkeys-lru.*noeviction/);
    } finally {
      await evicting.stop();
    }
  }, 30_000);

  it('a worker of another schema version', async () => {
    const other = await startRedisServer();
    const client = new Redis(other.url);
    try {
      await client.set('tw:schema', '999');
      const result = await cli(['worker', '--redis', other.url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/schema 999; this worker speaks schema 2/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      client.disconnect();
      await other.stop();
    }
  }, 30_000);
});
