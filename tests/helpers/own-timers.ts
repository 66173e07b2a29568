/**
 * Records the timers that Titlewave's own code sets from now on (setTimeout called from a file whose path contains
 * `from`, for `minMs` or more); `pending()` lists those neither fired nor cleared that would keep the process alive
 * (ref'ed). Code that is done must not make the process that ran it wait. (The libraries' own short-lived timers, such
 * as ioredis's guard on a closing socket, are theirs to keep.)
 */
import { vi } from 'vitest';

export function watchOwnTimers({ from, minMs = 0 }: { from: string; minMs?: number }): { created: () => number; pending: () => string[]; stop: () => void } {
  const created: { timer: NodeJS.Timeout; where: string }[] = [];
  const original = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original(callback, ms, ...args);
    // The caller: the first frame that is neither this wrapper nor vitest's spy.
    const caller = (new Error().stack ?? '').split('\n').slice(1).find((frame) => !frame.includes('own-timers.ts') && !frame.includes('@vitest')) ?? '';
    if ((ms ?? 0) >= minMs && caller.includes(from)) created.push({ timer, where: `${ms} ms ${caller.trim()}` });
    return timer;
  }) as typeof setTimeout);
  return {
    created: () => created.length,
    // A Timeout that fired or was cleared is destroyed (Node's own flag).
    pending: () => created.filter(({ timer }) => !(timer as unknown as { _destroyed: boolean })._destroyed && timer.hasRef()).map(({ where }) => where),
    stop: () => spy.mockRestore(),
  };
}
