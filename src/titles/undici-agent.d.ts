/**
 * undici's pieces on their own (src/titles/proxy.ts): the same classes and function the package's index exports
 * (tests/titles/undici-agent.test.ts checks it), without the index's typings for these paths.
 */
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const agent: typeof Agent;
  export default agent;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import { Dispatcher } from 'undici';
  export default Dispatcher;
}
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const pool: typeof Pool;
  export default pool;
}
declare module 'undici/lib/dispatcher/proxy-agent.js' {
  import type { ProxyAgent } from 'undici';
  const proxyAgent: typeof ProxyAgent;
  export default proxyAgent;
}
declare module 'undici/lib/core/connect.js' {
  import type { buildConnector } from 'undici';
  const connect: typeof buildConnector;
  export default connect;
}
declare module 'undici/lib/api/api-connect.js' {
  /** Dispatcher.prototype.connect as undici's index sets it. */
  const connect: (...args: unknown[]) => unknown;
  export default connect;
}
