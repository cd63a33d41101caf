/**
 * Parameter checks at the API boundary. Whatever arrives over a transport is untrusted JSON: each handler
 * reads its params through these, and a wrong type or range becomes a 'bad-params' ApiError that names
 * the parameter, before any service is touched.
 */
import { ApiError } from './api';

export type Params = Record<string, unknown>;

/** The params object itself: absent means {}, anything but a plain object is refused, unknown keys too. */
export function paramsObject(method: string, params: unknown, allowed: readonly string[]): Params {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new ApiError(`${method}: params must be an object`, 'bad-params');
  }
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw new ApiError(`${method}: unknown param '${key}'`, 'bad-params');
  }
  return params as Params;
}

function bad(method: string, name: string, what: string): ApiError {
  return new ApiError(`${method}: param '${name}' must be ${what}`, 'bad-params');
}

export function optionalBoolean(method: string, p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(method, name, 'a boolean');
  return v;
}

export function requiredBoolean(method: string, p: Params, name: string): boolean {
  const v = optionalBoolean(method, p, name);
  if (v === undefined) throw bad(method, name, 'a boolean');
  return v;
}

export function optionalString(method: string, p: Params, name: string, maxLength: number): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(method, name, 'a string');
  if (v.length > maxLength) throw bad(method, name, `at most ${maxLength} characters`);
  return v;
}

/** Flow ids are short tokens made by the proxy; anything else cannot name a flow. */
const MAX_ID_LENGTH = 200;

export function requiredId(method: string, p: Params, name: string): string {
  const v = p[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
    throw bad(method, name, `a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  return v;
}

/** Enough for "select all" on a full store (60,000 by default) with room for a raised limit. */
const MAX_IDS = 1_000_000;

export function requiredIds(method: string, p: Params, name: string): string[] {
  const v = p[name];
  if (!Array.isArray(v)) throw bad(method, name, 'an array of flow ids');
  if (v.length > MAX_IDS) throw bad(method, name, `at most ${MAX_IDS} ids`);
  v.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw bad(method, `${name}[${i}]`, `a non-empty string of at most ${MAX_ID_LENGTH} characters`);
    }
  });
  return v as string[];
}

export function optionalInteger(method: string, p: Params, name: string, min: number, max: number): number | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(method, name, `an integer from ${min} to ${max}`);
  }
  return v;
}

export function requiredOneOf<T extends string>(method: string, p: Params, name: string, values: readonly T[]): T {
  const v = p[name];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw bad(method, name, `one of ${values.map((x) => `'${x}'`).join(', ')}`);
  }
  return v as T;
}
