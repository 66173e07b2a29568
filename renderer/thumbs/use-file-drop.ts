/**
 * Dropping files and folders anywhere on the Thumbnails tab. Paths come from the host (`pathForFile`: Electron's
 * webUtils in the preload); a browser never reveals them, and the tab then says what to do instead.
 */
import { useRef, useState, type DragEvent } from 'react';
import { getApi } from '../api.js';

export interface FileDrop {
  dragging: boolean;
  /** Set when some dropped items came without a path. */
  pathsUnknown: boolean;
  clearNotice: () => void;
  handlers: {
    onDragEnter: (event: DragEvent<HTMLElement>) => void;
    onDragOver: (event: DragEvent<HTMLElement>) => void;
    onDragLeave: (event: DragEvent<HTMLElement>) => void;
    onDrop: (event: DragEvent<HTMLElement>) => void;
  };
}

const isFileDrag = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function useFileDrop(onPaths: (paths: string[]) => void, disabled: boolean): FileDrop {
  const [dragging, setDragging] = useState(false);
  const [pathsUnknown, setPathsUnknown] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them so the highlight does not flicker.
  const depth = useRef(0);

  return {
    dragging,
    pathsUnknown,
    clearNotice: () => setPathsUnknown(false),
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
        event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
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
        let unknown = 0;
        for (const file of Array.from(event.dataTransfer.files)) {
          const path = api.pathForFile(file);
          if (path) found.push(path);
          else unknown++;
        }
        if (found.length > 0) onPaths(found);
        setPathsUnknown(unknown > 0);
      },
    },
  };
}
