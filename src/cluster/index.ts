/**
 * Scale-out over a Redis queue (BullMQ + ioredis). The engines never know: titles workers use the titles engine's
 * fetcher through a gate with cluster-wide host leases, primes runs use `primeRange` over a pool whose workers are
 * the cluster's. See docs/cluster.md.
 */
export { checkRedis, parseRedisUrl, redactRedisUrls, type RedisInfo, type RedisTarget } from './connection.js';
export { ClusterError, type ClusterErrorCode } from './errors.js';
export { createClusterPrimesPool, type ClusterPrimesInit, type ClusterPrimesPool } from './primes-pool.js';
export { getRun, listRuns, listWorkers, type RunInfo, type WorkerStatus } from './registry.js';
export { SCHEMA_VERSION, type RunKind, type RunState } from './schema.js';
export { cancelClusterRun, ClusterTitlesRun, newRunId, type ClusterRunState, type ClusterTitlesEvents, type ClusterTitlesInit } from './titles-producer.js';
export { startClusterWorker, type ClusterWorker, type ClusterWorkerOptions } from './worker.js';
export { openCluster, type ClusterHandle } from './handle.js';
