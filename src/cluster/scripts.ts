/**
 * The Lua scripts that make the scale-out mode's guarantees atomic on the Redis side. Each is one round trip and runs
 * alone on the server, so two workers holding the same job (one of them presumed dead after a lock timeout) can never
 * both get a result in, and a host's lease count can never pass its limit.
 */
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Commit results of a run. KEYS: run hash, done bitmap, out stream, by-worker hash. ARGV: worker name, then triples
 * (item number, payload, "1" if it is a failure). An item whose bit is already set is dropped (someone else got its
 * result in first). Returns the number committed, or -1 when the run is no longer running (cancelled, finished,
 * gone): then nothing is written, so a cancelled run leaves no keys behind.
 */
const commitResults = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return -1 end
local committed = 0
local failed = 0
for i = 2, #ARGV, 3 do
  if redis.call('SETBIT', KEYS[2], ARGV[i], 1) == 0 then
    redis.call('XADD', KEYS[3], '*', 'r', ARGV[i + 1])
    committed = committed + 1
    if ARGV[i + 2] == '1' then failed = failed + 1 end
  end
end
if committed > 0 then
  redis.call('HINCRBY', KEYS[1], 'committed', committed)
  if failed > 0 then redis.call('HINCRBY', KEYS[1], 'committedFailed', failed) end
  redis.call('HINCRBY', KEYS[4], ARGV[1], committed)
end
return committed
`;

/**
 * Take leases on hosts, one per request asked for, each if fewer than its limit are live (the requests of one turn of a
 * worker's event loop, in one round trip). KEYS: the run hash, then each request's host lease set (a host may come more
 * than once). ARGV: time to live (ms), then each request's limit and lease id. Expiry uses the server's clock, so the
 * machines' clocks never matter. Returns 1 or 0 per request, or -1 when the run is no longer running (no key is
 * created for an ended run).
 */
const acquireLeases = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local swept = {}
local granted = {}
for k = 2, #KEYS do
  local key = KEYS[k]
  if not swept[key] then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    swept[key] = true
  end
  local at = k * 2 - 2
  if redis.call('ZCARD', key) < tonumber(ARGV[at]) then
    redis.call('ZADD', key, now + ttl, ARGV[at + 1])
    redis.call('PEXPIRE', key, ttl * 2)
    granted[k - 1] = 1
  else
    granted[k - 1] = 0
  end
end
return granted
`;

/**
 * Extend leases still held. KEYS: lease sets; ARGV: time to live (ms), then for each key the number of its lease ids
 * followed by them. Leases that already expired are not brought back (another worker may hold the slot now).
 * Returns the number extended.
 */
const renewLeases = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local at = 2
local renewed = 0
for k = 1, #KEYS do
  local n = tonumber(ARGV[at])
  at = at + 1
  for i = 1, n do
    local score = redis.call('ZSCORE', KEYS[k], ARGV[at])
    if score and tonumber(score) > now then
      redis.call('ZADD', KEYS[k], now + ttl, ARGV[at])
      renewed = renewed + 1
    end
    at = at + 1
  end
  redis.call('PEXPIRE', KEYS[k], ttl * 2)
end
return renewed
`;

export interface ClusterScripts {
  commitResults(runKey: string, doneKey: string, outKey: string, byWorkerKey: string, worker: string, ...items: (string | number)[]): Promise<number>;
  acquireLeases(numberOfKeys: number, ...args: (string | number)[]): Promise<number | number[]>;
  renewLeases(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
}

/** The same scripts in a pipeline (ioredis defines them there too). */
export interface ClusterPipelineScripts {
  acquireLeases(numberOfKeys: number, ...args: (string | number)[]): ChainableCommander;
}

/** Defines the scripts on a client (ioredis sends EVALSHA, and the script itself when the server lacks it). */
export function withScripts(client: Redis): Redis & ClusterScripts {
  client.defineCommand('commitResults', { numberOfKeys: 4, lua: commitResults });
  client.defineCommand('acquireLeases', { lua: acquireLeases });
  client.defineCommand('renewLeases', { lua: renewLeases });
  return client as Redis & ClusterScripts;
}
