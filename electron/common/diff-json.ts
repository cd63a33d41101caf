/**
 * Structural diff of two JSON values for flows.diff: which paths were added, removed or changed. Objects
 * compare by key (order ignored: JSON objects are unordered), arrays by index (an insertion shifts what
 * follows; telling moves apart would need a guess about identity, which JSON does not carry).
 */

export type JsonChange =
  | { type: 'added'; path: string; b: unknown }
  | { type: 'removed'; path: string; a: unknown }
  | { type: 'changed'; path: string; a: unknown; b: unknown };

export interface JsonDiff {
  changes: JsonChange[];
  /** Changes left out beyond `limit`. */
  more: number;
}

/** `$`, `$.name`, `$.list[2]`, `$["odd key"]`. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: Json): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

export function diffJson(a: unknown, b: unknown, limit = 500): JsonDiff {
  const changes: JsonChange[] = [];
  let more = 0;
  const add = (change: JsonChange) => {
    if (changes.length < limit) changes.push(change);
    else more++;
  };
  const walk = (x: Json, y: Json, path: string): void => {
    if (Array.isArray(x) && Array.isArray(y)) {
      const common = Math.min(x.length, y.length);
      for (let i = 0; i < common; i++) walk(x[i], y[i], jsonPath(path, i));
      for (let i = common; i < x.length; i++) add({ type: 'removed', path: jsonPath(path, i), a: x[i] });
      for (let i = common; i < y.length; i++) add({ type: 'added', path: jsonPath(path, i), b: y[i] });
      return;
    }
    if (isObject(x) && isObject(y)) {
      for (const key of Object.keys(x)) {
        if (Object.prototype.hasOwnProperty.call(y, key)) walk(x[key], y[key], jsonPath(path, key));
        else add({ type: 'removed', path: jsonPath(path, key), a: x[key] });
      }
      for (const key of Object.keys(y)) if (!Object.prototype.hasOwnProperty.call(x, key)) add({ type: 'added', path: jsonPath(path, key), b: y[key] });
      return;
    }
    if (!sameJson(x, y)) add({ type: 'changed', path, a: x, b: y });
  };
  walk(a as Json, b as Json, '$');
  return { changes, more };
}

function sameJson(x: Json, y: Json): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  return JSON.stringify(x) === JSON.stringify(y);
}
