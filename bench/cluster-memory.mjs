// Redis memory per queued URL: a producer with a window of N URLs and no worker queues N URLs of 1000 hosts
// (`http://host-K.example:8080/articles/I`), and Redis's used_memory before and after is divided by N.
import { Redis } from 'ioredis';
import { ClusterTitlesRun, parseRedisUrl } from '../dist/src/cluster/index.js';

const usedMemory = async (client) => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);

export async function memoryPerUrl(url, n) {
  const client = new Redis(url);
  try {
    await client.flushall();
    function* lines() {
      for (let i = 0; i < n; i++) yield `http://host-${i % 1000}.example:8080/articles/${i}`;
    }
    const before = await usedMemory(client);
    const run = await ClusterTitlesRun.start({ target: parseRedisUrl(url), lines: lines(), window: n, hostCap: n, runId: 'memory-bench' });
    while (run.queuedUrls() < n) await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await usedMemory(client);
    await run.cancel();
    await run.done;
    return (after - before) / n;
  } finally {
    client.disconnect();
  }
}
