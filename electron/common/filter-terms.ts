/**
 * Turns one filter term into a predicate over FlowSummary, checking its value on the way (a bad CIDR,
 * regex or status is a FilterError pointing at the value). Everything the predicate needs — lower-case
 * needles, compiled patterns (user-regex.ts, linear-time), parsed ranges — is computed here, once, so evaluating over 60,000 summaries
 * allocates nothing per summary.
 */
import { ipInRange, parseIpRange } from './cidr';
import { parseGrpcStatus } from './grpc';
import { FilterError } from './filter-error';
import { ERROR_PHASE_VALUES, IS_VALUES, filterKeyByName, type IsValue } from './filter-keys';
import type { FilterOp, TermToken } from './filter-lex';
import type { FlowSummary } from './flow';
import type { MessageOracle } from './filter-messages';
import { MAX_PATTERN_LENGTH, compileUserRegex, compileWildcard, type UserRegex } from './user-regex';
import { escapeRegex, hasWildcard } from './wildcard';

/** `messages` answers `msg:` terms (filter-messages.ts); without it they match nothing. */
export type Predicate = (s: FlowSummary, messages?: MessageOracle) => boolean;

/** Compiles a `msg:` term of the filter being parsed (the parser numbers them and notes their polarity). */
export type MessageTermCompiler = (t: TermToken) => Predicate;

const IS_TESTS: { [K in IsValue]: Predicate } = {
  error: (s) => s.state === 'failed' || s.error !== undefined,
  live: (s) => s.state === 'live',
  paused: (s) => s.state === 'intercepted',
  replay: (s) => s.replayOf !== undefined,
  imported: (s) => s.imported === true,
  mocked: (s) => s.appliedRuleKinds.includes('mock'),
  mapped: (s) => s.appliedRuleKinds.includes('map-remote') || s.appliedRuleKinds.includes('map-local'),
  ws: (s) => s.websocket === true,
  pinned: (s) => s.pinned,
  sse: (s) => s.contentType === 'text/event-stream',
  grpc: (s) => s.grpc === true,
};

const METHOD_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const QUANTITY = /^(\d+(?:\.\d+)?)([a-z]*)$/i;
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000 };

/** ASCII case-insensitive equality without allocating (method names, host names). */
function asciiEqualsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

function fail(text: string, t: TermToken, reason: string): never {
  const start = t.valueStart < t.end ? t.valueStart : t.start;
  throw new FilterError(reason, start, t.end, text.slice(start, t.end));
}

/** Bare words: case-insensitive substring of the URL. An /i regex of the escaped word scans as fast
 *  as `includes` (measured) and, unlike lower-casing each URL, allocates nothing. */
function textPredicate(needle: string): Predicate {
  if (needle.toLowerCase() === needle.toUpperCase()) return (s) => s.url.includes(needle);
  const re = new RegExp(escapeRegex(needle), 'i');
  return (s) => re.test(s.url);
}

function patternPredicate(text: string, t: TermToken, get: (s: FlowSummary) => string): Predicate {
  if (t.regex) {
    const compiled = compileUserRegex(t.regex.source, t.regex.flags);
    if (!compiled.ok) fail(text, t, `bad regular expression: ${compiled.error}`);
    const re = compiled.regex;
    return (s) => re.test(get(s));
  }
  const re = wildcard(text, t, t.value);
  return (s) => re.test(get(s));
}

/** A wildcard term's value, compiled; too long a value is refused like too long a regex. */
function wildcard(text: string, t: TermToken, value: string): UserRegex {
  if (value.length > MAX_PATTERN_LENGTH) fail(text, t, `${t.key}: the pattern is ${value.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`);
  try {
    return compileWildcard(value);
  } catch (err) {
    fail(text, t, `${t.key}: ${(err as Error).message}`);
  }
}

export interface Bounds {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

function boundsFor(op: FilterOp, n: number): Bounds {
  switch (op) {
    case '>':
      return { lo: n, hi: Infinity, loOpen: true, hiOpen: false };
    case '>=':
      return { lo: n, hi: Infinity, loOpen: false, hiOpen: false };
    case '<':
      return { lo: -Infinity, hi: n, loOpen: false, hiOpen: true };
    case '<=':
      return { lo: -Infinity, hi: n, loOpen: false, hiOpen: false };
    case ':':
      return { lo: n, hi: n, loOpen: false, hiOpen: false };
  }
}

/** A flow without the number (no response yet, no duration) matches no comparison; `-` finds those. */
function boundsPredicate(get: (s: FlowSummary) => number | undefined, b: Bounds): Predicate {
  const { lo, hi, loOpen, hiOpen } = b;
  return (s) => {
    const v = get(s);
    if (v === undefined) return false;
    return (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  };
}

/** `n`, `a-b` (with `:`), or one number after a comparison; `parse` reads one number with its unit. */
function quantityBounds(text: string, t: TermToken, parse: (v: string) => number | undefined, expected: string): Bounds {
  const dash = t.value.indexOf('-', 1);
  if (t.op === ':' && dash > 0) {
    const lo = parse(t.value.slice(0, dash));
    const hi = parse(t.value.slice(dash + 1));
    if (lo === undefined || hi === undefined) fail(text, t, `${t.key}: expects ${expected}`);
    if (lo > hi) fail(text, t, `${t.key}: range ${t.value} is empty (the first number is larger)`);
    return { lo, hi, loOpen: false, hiOpen: false };
  }
  const n = parse(t.value);
  if (n === undefined) fail(text, t, `${t.key}${t.op} expects ${expected}`);
  return boundsFor(t.op, n);
}

function unitParser(units: Record<string, number>): (v: string) => number | undefined {
  return (v) => {
    const m = QUANTITY.exec(v.trim());
    if (!m) return undefined;
    const unit = m[2].toLowerCase();
    return Object.hasOwn(units, unit) ? Number(m[1]) * units[unit] : undefined;
  };
}
const parseSize = unitParser(SIZE_UNITS);
const parseDuration = unitParser(DURATION_UNITS);
const parseStatus = (v: string): number | undefined => {
  if (!/^\d{3}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 100 && n <= 599 ? n : undefined;
};

function statusPredicate(text: string, t: TermToken): Predicate {
  const cls = /^([1-5])xx$/i.exec(t.value);
  if (cls) {
    if (t.op !== ':') fail(text, t, `status${t.op} takes a number, not a class like ${t.value}`);
    const lo = Number(cls[1]) * 100;
    return boundsPredicate((s) => s.status, { lo, hi: lo + 99, loOpen: false, hiOpen: false });
  }
  const expected = 'a status from 100 to 599, a class like 5xx, or a range like 400-499';
  return boundsPredicate((s) => s.status, quantityBounds(text, t, parseStatus, expected));
}

/** `grpc:` a status code or name, `error` (ended with any status but OK) or `none` (a call without a status). */
function grpcPredicate(text: string, t: TermToken): Predicate {
  if (t.op !== ':') fail(text, t, `grpc${t.op} is not a comparison; write grpc:CODE`);
  const value = t.value.toLowerCase();
  if (value === 'error') return (s) => s.grpcStatus !== undefined && s.grpcStatus !== 0;
  if (value === 'none') return (s) => s.grpc === true && s.grpcStatus === undefined;
  const code = parseGrpcStatus(t.value);
  if (code === undefined) fail(text, t, `grpc: "${t.value}" is not a gRPC status; use a code 0-16, a name like UNAVAILABLE, error or none`);
  return (s) => s.grpcStatus === code;
}

const ERROR_PHASES = new Set(ERROR_PHASE_VALUES.map((v) => v.label));

/** `error:tls` — the phase (FlowSummary.error is "phase: message"); any other value is text in the message. */
function errorPredicate(value: string): Predicate {
  const lower = value.toLowerCase();
  if (ERROR_PHASES.has(lower)) {
    const prefix = `${lower}: `;
    return (s) => s.error !== undefined && s.error.startsWith(prefix);
  }
  const re = new RegExp(escapeRegex(value), 'i');
  return (s) => s.error !== undefined && re.test(s.error);
}

/** Compiles one term; throws FilterError when its value is bad. `text` is the whole expression. */
export function compileTerm(text: string, t: TermToken, messageTerm: MessageTermCompiler): Predicate {
  const needsValue = t.key !== 'text' && t.key !== 'pinned';
  if (needsValue && t.value.trim() === '') fail(text, t, `${t.key}${t.op} needs a value, e.g. ${filterKeyByName(t.key)?.example}`);
  switch (t.key) {
    case 'text':
      return textPredicate(t.value);
    case 'pinned':
      return (s) => s.pinned;
    case 'ip': {
      const parsed = parseIpRange(t.value);
      if (!parsed.ok) fail(text, t, `ip: ${parsed.error}`);
      const range = parsed.range;
      return (s) => ipInRange(s.clientIp, range);
    }
    case 'host': {
      const lower = t.value.toLowerCase().replace(/^\[(.*)\]$/, '$1');
      if (hasWildcard(lower)) {
        const re = wildcard(text, t, lower);
        return (s) => re.test(s.host);
      }
      // FlowSummary.host is lower-case already (splitUrl); the fallback covers hand-made summaries.
      return (s) => s.host === lower || asciiEqualsIgnoreCase(s.host, lower);
    }
    case 'url':
      return patternPredicate(text, t, (s) => s.url);
    case 'path':
      return patternPredicate(text, t, (s) => s.path);
    case 'method': {
      if (!METHOD_TOKEN.test(t.value)) fail(text, t, `method: "${t.value}" is not a method name`);
      const upper = t.value.toUpperCase();
      return (s) => s.method === upper || asciiEqualsIgnoreCase(s.method, upper);
    }
    case 'status':
      return statusPredicate(text, t);
    case 'type': {
      const lower = t.value.toLowerCase();
      return (s) => s.contentType !== undefined && s.contentType.includes(lower);
    }
    case 'id': {
      const id = t.value;
      return (s) => s.id === id;
    }
    case 'is': {
      const value = t.value.toLowerCase() as IsValue;
      const test = Object.hasOwn(IS_TESTS, value) ? IS_TESTS[value] : undefined;
      if (!test) fail(text, t, `is:${t.value} is unknown; use one of ${IS_VALUES.map((v) => v.label).join(', ')}`);
      return test;
    }
    case 'size':
      return boundsPredicate((s) => s.responseSize, quantityBounds(text, t, parseSize, 'a size like 10kb, 2mb or 512'));
    case 'reqsize':
      return boundsPredicate((s) => s.requestSize, quantityBounds(text, t, parseSize, 'a size like 10kb, 2mb or 512'));
    case 'duration':
      return boundsPredicate((s) => s.durationMs, quantityBounds(text, t, parseDuration, 'a time like 250ms, 1.5s or 2m'));
    case 'grpc':
      return grpcPredicate(text, t);
    case 'error':
      return errorPredicate(t.value);
    case 'node': {
      // Exact and case-sensitive: node names are what `--node` was given, shown as such in the Node column.
      const name = t.value;
      return (s) => s.node === name;
    }
    case 'msg':
      return messageTerm(t);
  }
}

/**
 * The range a numeric term (status, size, reqsize, duration) matches, for stores that evaluate filters
 * elsewhere (the PostgreSQL store compiles it to SQL). The term was checked by parsing already.
 */
export function termBounds(t: Pick<TermToken, 'key' | 'op' | 'value'>): Bounds | undefined {
  const token: TermToken = { kind: 'term', quoted: false, start: 0, end: 0, valueStart: 0, ...t };
  const size = 'a size like 10kb, 2mb or 512';
  switch (t.key) {
    case 'status': {
      const cls = /^([1-5])xx$/i.exec(t.value);
      if (cls) return { lo: Number(cls[1]) * 100, hi: Number(cls[1]) * 100 + 99, loOpen: false, hiOpen: false };
      return quantityBounds('', token, parseStatus, 'a status');
    }
    case 'size':
    case 'reqsize':
      return quantityBounds('', token, parseSize, size);
    case 'duration':
      return quantityBounds('', token, parseDuration, 'a time');
    default:
      return undefined;
  }
}
