import { Agent, buildConnector, Dispatcher, Pool, ProxyAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import DispatcherAgent from 'undici/lib/dispatcher/agent.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import DispatcherPool from 'undici/lib/dispatcher/pool.js';
import DispatcherProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import connect from 'undici/lib/core/connect.js';
import connectApi from 'undici/lib/api/api-connect.js';
import '../../src/titles/proxy.js';

describe("the titles engine's undici pieces (imported without undici's index)", () => {
  it('are the classes and function undici exports', () => {
    expect(DispatcherAgent).toBe(Agent);
    expect(DispatcherBase).toBe(Dispatcher);
    expect(DispatcherPool).toBe(Pool);
    expect(DispatcherProxyAgent).toBe(ProxyAgent);
    expect(connect).toBe(buildConnector);
    // The CONNECT tunnel's method (src/titles/proxy.ts gives it when the index is not loaded): the index's own.
    expect(Dispatcher.prototype.connect).toBe(connectApi);
  });
});
