/**
 * JSON for big results without one long block of the event loop: `history.load` of a 100,000-row run is tens of
 * megabytes of JSON, which `JSON.stringify` would build in one go. Big arrays (at the top level or in a top-level
 * property) are stringified in slices with a turn of the event loop between them; everything else is plain
 * JSON.stringify. The output is exactly what JSON.stringify gives.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

const SLICE = 1000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

async function stringifyArray(array: readonly unknown[]): Promise<string> {
  const parts: string[] = [];
  for (let start = 0; start < array.length; start += SLICE) {
    if (start > 0) await nextTurn();
    let part = '';
    const end = Math.min(array.length, start + SLICE);
    for (let i = start; i < end; i++) {
      // As JSON.stringify does in arrays: undefined, functions and symbols become null.
      part += (i > start ? ',' : '') + (JSON.stringify(array[i]) ?? 'null');
    }
    parts.push(part);
  }
  return `[${parts.join(',')}]`;
}

export async function stringifyLarge(value: unknown): Promise<string | undefined> {
  if (Array.isArray(value)) return value.length > SLICE ? stringifyArray(value) : JSON.stringify(value);
  if (!isPlainObject(value) || !Object.values(value).some((v) => Array.isArray(v) && v.length > SLICE)) return JSON.stringify(value);
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    const json = Array.isArray(member) && member.length > SLICE ? await stringifyArray(member) : JSON.stringify(member);
    if (json !== undefined) members.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${members.join(',')}}`;
}
