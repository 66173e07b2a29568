/**
 * The main window's size and position, remembered in `<userData>/window-state.json` between launches, and restored
 * only when the saved rectangle is still (mostly) on a display that exists now: a window left on a monitor that was
 * unplugged must not open off-screen. Pure logic; the Electron calls live in window.ts.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../services/atomic.js';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
  fullScreen: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 } as const;
export const MIN_SIZE = { width: 900, height: 600 } as const;
/** How much of the saved window must lie on one display's work area, in each direction, to restore it there. */
const MIN_VISIBLE = 64;

const coordinate = z.number().int().min(-100_000).max(100_000);
const stateSchema = z.object({
  bounds: z.object({ x: coordinate, y: coordinate, width: z.number().int().min(1).max(100_000), height: z.number().int().min(1).max(100_000) }),
  maximized: z.boolean(),
  fullScreen: z.boolean(),
});

/** The saved state, or null when there is none or it is damaged (never worth failing the launch for). */
export async function loadWindowState(path: string): Promise<WindowState | null> {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveWindowState(path: string, state: WindowState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * The bounds to open the window with: the saved ones when a display's work area shows enough of them (shrunk to fit
 * that work area if the display got smaller), else null (let the window open centred at its default size).
 */
export function restorableBounds(saved: WindowState | null, workAreas: readonly Rectangle[]): Rectangle | null {
  if (!saved) return null;
  const { bounds } = saved;
  for (const area of workAreas) {
    const shown = overlap(bounds, area);
    if (shown.width >= Math.min(MIN_VISIBLE, bounds.width) && shown.height >= Math.min(MIN_VISIBLE, bounds.height)) {
      const width = Math.max(Math.min(bounds.width, area.width), Math.min(MIN_SIZE.width, area.width));
      const height = Math.max(Math.min(bounds.height, area.height), Math.min(MIN_SIZE.height, area.height));
      if (width < bounds.width || height < bounds.height) {
        // Shrunk to fit a smaller display: put it wholly on that display.
        const x = Math.min(Math.max(bounds.x, area.x), area.x + area.width - width);
        const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - height);
        return { x, y, width, height };
      }
      // As the user left it, but with the title bar reachable: never above the work area, never wholly past an edge.
      const x = Math.min(Math.max(bounds.x, area.x - width + MIN_VISIBLE), area.x + area.width - MIN_VISIBLE);
      const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - MIN_VISIBLE);
      return { x, y, width, height };
    }
  }
  return null;
}

/** The parts of a BrowserWindow the tracker reads; a plain object in tests. */
export interface TrackedWindow {
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'enter-full-screen' | 'leave-full-screen' | 'close', listener: () => void): unknown;
}

/**
 * Saves the window's state when it changes (debounced, so a drag writes once) and when it closes. The normal
 * bounds are saved, not the maximized ones, so un-maximizing after a restart goes back to the user's size.
 */
export function trackWindowState(window: TrackedWindow, path: string, options: { debounceMs?: number; onError?: (error: unknown) => void } = {}): { flush(): Promise<void> } {
  const debounceMs = options.debounceMs ?? 500;
  let timer: NodeJS.Timeout | null = null;
  let last: WindowState | null = null;
  let writing: Promise<void> = Promise.resolve();

  const capture = (): void => {
    if (window.isDestroyed() || window.isMinimized()) return;
    last = { bounds: window.getNormalBounds(), maximized: window.isMaximized(), fullScreen: window.isFullScreen() };
  };
  const write = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const state = last;
    if (!state) return writing;
    last = null;
    writing = writing.then(() => saveWindowState(path, state)).catch((error: unknown) => options.onError?.(error));
    return writing;
  };
  const schedule = (): void => {
    capture();
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void write(), debounceMs);
  };

  for (const event of ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const) window.on(event, schedule);
  window.on('close', () => {
    capture();
    void write();
  });
  return { flush: write };
}
