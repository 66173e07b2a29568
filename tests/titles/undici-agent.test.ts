import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import DispatcherAgent from 'undici/lib/dispatcher/agent.js';

describe("the engine's undici Agent (imported without undici's index)", () => {
  it('is the class undici exports', () => {
    expect(DispatcherAgent).toBe(Agent);
  });
});
