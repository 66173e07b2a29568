/**
 * undici's Agent on its own (src/titles/engine.ts): the same class the package's index exports
 * (tests/titles/undici-agent.test.ts checks it), without the index's typings for this path.
 */
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const agent: typeof Agent;
  export default agent;
}
