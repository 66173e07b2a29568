/** Window size and position remembered (src/desktop/window-state.ts): restore rules, the file, the tracker. */
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadWindowState, restorableBounds, saveWindowState, trackWindowState, type Rectangle, type WindowState } from '../../src/desktop/window-state.js';

const scratch = mkdtempSync(join(tmpdir(), 'titlewave-window-state-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const laptop: Rectangle = { x: 0, y: 0, width: 1440, height: 900 };
const monitorOnTheRight: Rectangle = { x: 1440, y: 0, width: 2560, height: 1440 };
const state = (bounds: Rectangle, maximized = false): WindowState => ({ bounds, maximized, fullScreen: false });

describe('restorableBounds', () => {
  it('gives nothing without a saved state', () => {
    expect(restorableBounds(null, [laptop])).toBeNull();
  });

  it('restores a window that is on a display as it was', () => {
    expect(restorableBounds(state({ x: 100, y: 80, width: 1100, height: 700 }), [laptop])).toEqual({ x: 100, y: 80, width: 1100, height: 700 });
    expect(restorableBounds(state({ x: 1600, y: 100, width: 1800, height: 1000 }), [laptop, monitorOnTheRight])).toEqual({ x: 1600, y: 100, width: 1800, height: 1000 });
  });

  it('does not restore a window left on a monitor that is gone (it would open off-screen)', () => {
    expect(restorableBounds(state({ x: 1600, y: 100, width: 1800, height: 1000 }), [laptop])).toBeNull();
    expect(restorableBounds(state({ x: -3000, y: -2000, width: 1000, height: 700 }), [laptop])).toBeNull();
  });

  it('shrinks a window bigger than the display it is on, and puts it wholly on that display', () => {
    expect(restorableBounds(state({ x: 1300, y: -50, width: 3000, height: 2000 }), [laptop])).toEqual({ x: 0, y: 0, width: 1440, height: 900 });
    expect(restorableBounds(state({ x: 1200, y: 100, width: 1000, height: 1000 }), [laptop])).toEqual({ x: 440, y: 0, width: 1000, height: 900 });
  });

  it('keeps the title bar of a window left half off-screen reachable', () => {
    expect(restorableBounds(state({ x: 1300, y: -200, width: 1000, height: 700 }), [laptop])).toEqual({ x: 1300, y: 0, width: 1000, height: 700 });
  });
});

describe('the file', () => {
  it('round-trips', async () => {
    const path = join(scratch, 'a', 'window-state.json');
    const saved = state({ x: 5, y: 6, width: 1000, height: 700 }, true);
    await saveWindowState(path, saved);
    expect(await loadWindowState(path)).toEqual(saved);
  });

  it.each(['', '{', 'null', '{"bounds":{"x":"a"}}', '{"bounds":{"x":0,"y":0,"width":-5,"height":10},"maximized":false,"fullScreen":false}'])('a damaged file (%j) counts as none', async (text) => {
    const path = join(scratch, `damaged-${Math.random()}.json`);
    writeFileSync(path, text);
    expect(await loadWindowState(path)).toBeNull();
  });

  it('a missing file counts as none', async () => {
    expect(await loadWindowState(join(scratch, 'missing.json'))).toBeNull();
  });
});

class TrackedFake extends EventEmitter {
  bounds: Rectangle = { x: 10, y: 10, width: 1000, height: 700 };
  maximized = false;
  minimized = false;
  getNormalBounds = () => ({ ...this.bounds });
  isMaximized = () => this.maximized;
  isFullScreen = () => false;
  isMinimized = () => this.minimized;
  isDestroyed = () => false;
}

describe('trackWindowState', () => {
  it('writes once after a burst of moves, and the normal bounds with the maximized flag', async () => {
    const path = join(scratch, 'tracked.json');
    const window = new TrackedFake();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const tracker = trackWindowState(window, path, { debounceMs: 30 });
      for (let x = 0; x < 20; x++) {
        window.bounds = { ...window.bounds, x };
        window.emit('move');
        vi.advanceTimersByTime(20);
      }
      window.maximized = true;
      window.emit('maximize');
      // Each change pushed the write back: nothing written until the window has been still for the debounce.
      vi.advanceTimersByTime(29);
      await new Promise((resolve) => setImmediate(resolve));
      expect(existsSync(path)).toBe(false);
      vi.advanceTimersByTime(1);
      // The debounced write has started; flush waits for it (and has nothing newer to write).
      await tracker.flush();
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ bounds: { x: 19, y: 10, width: 1000, height: 700 }, maximized: true, fullScreen: false });
    } finally {
      vi.useRealTimers();
    }
  });

  it('saves on close at once, and ignores changes while minimized', async () => {
    const path = join(scratch, 'closed.json');
    const window = new TrackedFake();
    const tracker = trackWindowState(window, path, { debounceMs: 10_000 });
    window.bounds = { x: 300, y: 200, width: 1200, height: 800 };
    window.emit('resize');
    window.minimized = true;
    window.bounds = { x: -32000, y: -32000, width: 160, height: 28 };
    window.emit('move');
    window.emit('close');
    await tracker.flush();
    expect(JSON.parse(readFileSync(path, 'utf8')).bounds).toEqual({ x: 300, y: 200, width: 1200, height: 800 });
  });
});
