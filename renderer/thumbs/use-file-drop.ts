/**
 * Dropping files and folders anywhere on the Thumbnails tab. Paths come from the host (`pathForFile`: Electron's
 * webUtils in the preload); a browser never reveals them, and the tab then says what to do instead.
 */
import { useRef, useState, type DragEvent } from 'react';
import { getApi } from '../api.js';

export interface FileDrop {
  dragging: boolean;
  /** The names of dropped items that came without a path (browser mode), or null. */
  pathsUnknown: string[] | null;
  clearNotice: () => void;
  handlers: {
    onDragEnter: (event: DragEvent<HTMLElement>) => void;
    onDragOver: (event: DragEvent<HTMLElement>) => void;
    onDragLeave: (event: DragEvent<HTMLElement>) => void;
    onDrop: (event: DragEvent<HTMLElement>) => void;
  };
}

const isFileDrag = (event: DragEvent) => event.dataTransfer.types.includes('Files');

/**
 * `pathsKnown`: whether the host gives dropped files' paths (the desktop app). Where it cannot (a browser), a drop is
 * refused as it is dragged over (the pointer says so) and, dropped anyway, named in the tab's explanation.
 */
export function useFileDrop(onPaths: (paths: string[]) => void, disabled: boolean, pathsKnown: boolean): FileDrop {
  const [dragging, setDragging] = useState(false);
  const [pathsUnknown, setPathsUnknown] = useState<string[] | null>(null);
  // dragenter/dragleave fire for every child crossed: count them so the highlight does not flicker.
  const depth = useRef(0);

  return {
    dragging,
    pathsUnknown,
    clearNotice: () => setPathsUnknown(null),
    handlers: {
      onDragEnter(event) {
        if (!isFileDrag(event)) return;
        event.preventDefault();
        // The window's own drop handling (URL lists for the Titles tab) must not see drops meant for this tab.
        event.stopPropagation();
        depth.current++;
        setDragging(true);
      },
      onDragOver(event) {
        if (!isFileDrag(event)) return;
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer.dropEffect = disabled || !pathsKnown ? 'none' : 'copy';
      },
      onDragLeave(event) {
        if (!isFileDrag(event)) return;
        event.stopPropagation();
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      },
      onDrop(event) {
        if (!isFileDrag(event)) return;
        event.preventDefault();
        event.stopPropagation();
        depth.current = 0;
        setDragging(false);
        if (disabled) return;
        const api = getApi();
        const found: string[] = [];
        const unknown: string[] = [];
        for (const file of Array.from(event.dataTransfer.files)) {
          const path = api.pathForFile(file);
          if (path) found.push(path);
          else unknown.push(file.name);
        }
        if (found.length > 0) onPaths(found);
        setPathsUnknown(unknown.length > 0 ? unknown : null);
      },
    },
  };
}
