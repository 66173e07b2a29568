/**
 * The Titles tab's keys while it is shown: Ctrl/Cmd+Enter starts a run, Esc cancels the live one (unless a dialog is
 * open or something on the way already used the key, like the filter box clearing itself), Ctrl/Cmd+F goes to the
 * filter box. The application menu's commands (desktop app) arrive as `menu.command` events.
 */
import { useEffect, useRef, type RefObject } from 'react';
import type { MenuCommand } from '../../src/contract.js';
import { useApiEvent } from '../api.js';
import type { ExportFormat } from './run.js';

export interface TitlesCommands {
  start: () => void;
  cancel: () => void;
  openFiles: () => void;
  exportRun: (format: ExportFormat) => void;
  /** A run is going (Esc and the menu's Cancel apply). */
  live: boolean;
  filterRef: RefObject<HTMLInputElement | null>;
}

export function useTitlesShortcuts(active: boolean, commands: TitlesCommands): void {
  const latest = useRef(commands);
  latest.current = commands;

  useEffect(() => {
    if (!active) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const current = latest.current;
      if (mod && event.key === 'Enter') {
        event.preventDefault();
        current.start();
      } else if (event.key === 'Escape' && current.live && !event.defaultPrevented && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        current.cancel();
      } else if (mod && event.key.toLowerCase() === 'f' && !event.shiftKey) {
        event.preventDefault();
        current.filterRef.current?.focus();
        current.filterRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [active]);

  useApiEvent('menu.command', ({ command }: { command: MenuCommand }) => {
    const current = latest.current;
    // Open and Export act whichever tab is shown (the menu names them as the Titles tab's); the rest only here.
    if (command === 'open') current.openFiles();
    else if (command === 'export-csv') current.exportRun('csv');
    else if (command === 'export-json') current.exportRun('json');
    else if (command === 'export-jsonl') current.exportRun('jsonl');
    else if (command === 'export-xlsx') current.exportRun('xlsx');
    else if (!active) return;
    else if (command === 'start') current.start();
    else if (command === 'cancel' && current.live) current.cancel();
  });
}
