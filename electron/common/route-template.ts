/**
 * Route templates: the endpoint a request path belongs to, so `/users/42/orders/5f0c…` and
 * `/users/7/orders/9a1b…` count as one endpoint, `/users/{id}/orders/{uuid}`. Pure; used by the reports
 * (electron/core/report) and meant for anything else that groups flows by endpoint (session replay, diff).
 *
 * Without an API description the template is guessed per path segment: a segment that looks like a value
 * (a number, a UUID, a long hex string, a base64-like token, a date, an email address) becomes a parameter;
 * everything else (words, slugs, short codes like `v2`) is kept. With an OpenAPI 3 document
 * (openapi-routes.ts) the document's own templates and operation ids win.
 */

/** What a parameter segment looked like; the name shown in the template. */
export type RouteParamKind = 'id' | 'uuid' | 'hex' | 'token' | 'date' | 'email';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^[-+]?\d+(?:\.\d+)?$/;
// An ISO date, optionally with a time: 2026-12-04, 2026-12-04T17:01:04Z, 2026-12-04T17:01:04.123+01:00.
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[a-z]{2,}$/i;
/** Hex ids from 16 characters up (Mongo ObjectIds are 24, SHA-1 40, SHA-256 64). */
const LONG_HEX = /^[0-9a-f]{16,}$/i;
/** Characters of base64, base64url, JWTs (dots) and percent-encoded tokens. */
const TOKEN_CHARS = /^[A-Za-z0-9_\-+=.~%]{16,}$/;

/** The kind of value a decoded path segment holds, or undefined when it is a literal part of the route. */
export function paramKind(segment: string): RouteParamKind | undefined {
  if (segment === '') return undefined;
  if (NUMBER.test(segment)) return 'id';
  if (UUID.test(segment)) return 'uuid';
  if (DATE.test(segment)) return 'date';
  if (EMAIL.test(segment)) return 'email';
  if (LONG_HEX.test(segment) && /\d/.test(segment)) return 'hex';
  if (looksLikeToken(segment)) return 'token';
  return undefined;
}

/**
 * A token is long, mixes letters and digits, and is not made of words: `aGVsbG8gd29ybGQ1`, a JWT, an
 * opaque cursor. A slug (`how-to-cook-rice-in-2024`) has digits too, so the letters must also mix case or
 * run 24 characters or more without a separator a human would use between words.
 */
function looksLikeToken(segment: string): boolean {
  if (!TOKEN_CHARS.test(segment) || !/\d/.test(segment) || !/[A-Za-z]/.test(segment)) return false;
  const mixedCase = /[a-z]/.test(segment) && /[A-Z]/.test(segment);
  if (mixedCase) return true;
  const longestRun = Math.max(...segment.split(/[-_.~]/).map((part) => part.length));
  return longestRun >= 24;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path without its query string or fragment ('/' when empty). */
export function pathOnly(pathAndQuery: string): string {
  const end = pathAndQuery.search(/[?#]/);
  const path = end < 0 ? pathAndQuery : pathAndQuery.slice(0, end);
  return path === '' ? '/' : path;
}

/**
 * The guessed route template of a path (a query string is ignored): `/users/42/orders/{uuid}`. Parameters
 * of one kind are numbered from the second on (`/a/{id}/b/{id2}`) so the template stays a valid OpenAPI
 * path. Literal segments are kept exactly as sent (case included).
 */
export function templatePath(pathAndQuery: string): string {
  const segments = pathOnly(pathAndQuery).split('/');
  const seen = new Map<RouteParamKind, number>();
  for (let i = 0; i < segments.length; i++) {
    const kind = paramKind(decodeSegment(segments[i]));
    if (!kind) continue;
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    segments[i] = n === 1 ? `{${kind}}` : `{${kind}${n}}`;
  }
  return segments.join('/');
}

/** An endpoint: method + host + route template (+ the OpenAPI operation, when a document named it). */
export interface Endpoint {
  method: string;
  host: string;
  route: string;
  /** The OpenAPI operationId (or `METHOD path` when the document gives none). */
  operation?: string;
}

/** One string per endpoint, for grouping: `GET api.example.com /users/{id}`. */
export function endpointKey(endpoint: Pick<Endpoint, 'method' | 'host' | 'route'>): string {
  return `${endpoint.method} ${endpoint.host} ${endpoint.route}`;
}
