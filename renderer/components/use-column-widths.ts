/** A resizable grid's column widths (DataGrid's `columnWidths`), remembered between sessions in localStorage. */
import { useCallback, useState } from 'react';

type Widths = Readonly<Record<string, number>>;

function load(storageKey: string): Widths {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null');
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return {};
    // Only sensible widths: a column added since is simply missing (it gets its default).
    return Object.fromEntries(Object.entries(stored).filter(([, value]) => typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 100_000));
  } catch {
    return {};
  }
}

export function useColumnWidths(storageKey: string): [Widths, (widths: Record<string, number> | null) => void] {
  const [widths, setWidths] = useState<Widths>(() => load(storageKey));
  const update = useCallback(
    (next: Record<string, number> | null) => {
      setWidths(next ?? {});
      try {
        if (next) localStorage.setItem(storageKey, JSON.stringify(next));
        else localStorage.removeItem(storageKey);
      } catch {
        // Storage full or disabled: the widths still apply to this session.
      }
    },
    [storageKey],
  );
  return [widths, update];
}
