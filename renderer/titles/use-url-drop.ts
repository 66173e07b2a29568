/**
 * URL list files dropped anywhere on the window while the Titles tab is shown: the URL box shows itself as the target
 * while files are dragged over the window, and dropped .txt/.csv files are decoded as Open… and the CLI decode them
 * (by their byte order mark, not with file.text(), which knows only UTF-8).
 */
import { useEffect, useRef, useState } from 'react';
import { decodeTextFile } from '../../src/titles/text-encoding.js';
import { isUrlListFile } from './files.js';

export interface UrlDropHandlers {
  /** Files are being dragged over the window (show the drop target). */
  onDragStart: () => void;
  onFiles: (files: { name: string; text: string }[]) => void;
  onRejected: (name: string) => void;
  onError: (error: unknown) => void;
}

/** Whether files are being dragged over the window; drops go to `handlers` while `active`. */
export function useUrlDrop(active: boolean, handlers: UrlDropHandlers): boolean {
  const [dragging, setDragging] = useState(false);
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (!active) return;
    // dragenter/dragleave fire for every element crossed: count them so the highlight does not flicker.
    let depth = 0;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth++;
      setDragging(true);
      latest.current.onDragStart();
    };
    const onLeave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(event.dataTransfer?.files ?? [])];
      const accepted = files.filter((file) => isUrlListFile(file.name, file.type));
      for (const file of files) if (!accepted.includes(file)) latest.current.onRejected(file.name);
      Promise.all(accepted.map(async (file) => ({ name: file.name, text: decodeTextFile(new Uint8Array(await file.arrayBuffer()), file.name) }))).then(
        (decoded) => latest.current.onFiles(decoded),
        (error: unknown) => latest.current.onError(error),
      );
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [active]);

  return dragging;
}
