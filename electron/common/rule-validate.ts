/**
 * The save-time gate for rules (and device profiles, which carry rules): checks untrusted input from
 * the UI, the API or a rules file, names every bad field by its path (`matchers[0].pattern`,
 * `action.status`, `scope.clients[1]`), and returns a clean Rule holding only known fields, with
 * defaults filled and URL wildcards compiled to `regex`. The proxy only ever runs rules that passed.
 */
import { parseIp, parseIpRange } from './cidr';
import { checkConditions } from './conditions-validate';
import { checkRewrite } from './rewrite-validate';
import { checkWsMessage } from './ws-message-validate';
import { checkConnectionAction, checkHostOnlyMatchers } from './connection-rule-validate';
import type { Headers } from './flow';
import type { GrpcMockAnswer } from './grpc';
import type { Action, DeviceProfile, Matcher, Rule, RuleScope } from './rule';
import { MAX_PATTERN_LENGTH, compileUserRegex } from './user-regex';
import { wildcardToRegex } from './wildcard';

export interface FieldError {
  field: string;
  message: string;
}

export type RuleValidation = { ok: true; rule: Rule } | { ok: false; errors: FieldError[] };
export type ProfileValidation = { ok: true; profile: DeviceProfile } | { ok: false; errors: FieldError[] };

type Obj = Record<string, unknown>;

/** Collects errors under a path prefix; the checks below read fields through it. */
class Checker {
  readonly errors: FieldError[] = [];
  add(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }
}

const MAX_NAME = 200;
/** A mock may hold the response this long: enough to test timeouts, short of a forgotten hang. */
const MAX_DELAY_MS = 10 * 60_000;
const MAX_GRPC_MESSAGE = 4096;
const MAX_GRPC_JSON = 1024 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HOST_NAME = /^(?:\*\.)?[a-z0-9_*?](?:[a-z0-9_*?.-]*[a-z0-9_*?])?$/i;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (at: string, field: string) => (at ? `${at}.${field}` : field);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

function str(c: Checker, o: Obj, at: string, field: string, opts: { optional?: boolean; nonEmpty?: boolean } = {}): string | undefined {
  const v = o[field];
  const path = join(at, field);
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== 'string') return c.add(path, v === undefined ? 'is required' : `must be text, not ${kind(v)}`);
  if (opts.nonEmpty && v.trim() === '') return c.add(path, 'must not be empty');
  return v;
}

function bool(c: Checker, o: Obj, at: string, field: string, fallback: boolean | undefined): boolean | undefined {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') return c.add(join(at, field), `must be true or false, not ${kind(v)}`);
  return v;
}

function oneOf<T extends string>(c: Checker, o: Obj, at: string, field: string, values: readonly T[], fallback?: T): T | undefined {
  const v = o[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    return c.add(join(at, field), `must be one of ${values.map((x) => `"${x}"`).join(', ')}${v === undefined ? '' : `, not ${JSON.stringify(v)}`}`);
  }
  return v as T;
}

function wholeNumber(c: Checker, o: Obj, at: string, field: string, min: number, max: number, what: string): number | undefined {
  const v = o[field];
  const path = join(at, field);
  if (typeof v !== 'number' || !Number.isInteger(v)) return c.add(path, `must be a whole number (${what}), not ${JSON.stringify(v) ?? 'nothing'}`);
  if (v < min || v > max) return c.add(path, `must be from ${min} to ${max} (${what}), not ${v}`);
  return v;
}

/** An optional whole number of at least `min` (times, version). */
function counter(c: Checker, o: Obj, at: string, field: string, min: number, what: string): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    return c.add(join(at, field), `must be a whole number, ${min} or more (${what}), not ${JSON.stringify(v)}`);
  }
  return v;
}

function headers(c: Checker, o: Obj, at: string, field: string, optional: boolean): Headers | undefined {
  const v = o[field];
  const path = join(at, field);
  if (v === undefined) return optional ? undefined : [];
  if (!Array.isArray(v)) return c.add(path, 'must be a list of [name, value] pairs');
  const out: Headers = [];
  v.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      c.add(`${path}[${i}]`, 'must be a [name, value] pair of texts');
    } else if (!TOKEN.test(pair[0])) {
      c.add(`${path}[${i}]`, `"${pair[0]}" is not a valid header name`);
    } else if (/[\r\n]/.test(pair[1])) {
      c.add(`${path}[${i}]`, 'a header value must not contain line breaks');
    } else {
      out.push([pair[0], pair[1]]);
    }
  });
  return out;
}

function body(c: Checker, o: Obj, at: string, optional: boolean): { body?: string; bodyEncoding?: 'utf8' | 'base64' } {
  const text = str(c, o, at, 'body', { optional: true }) ?? (optional ? undefined : '');
  const encoding = o.bodyEncoding === undefined ? undefined : oneOf(c, o, at, 'bodyEncoding', ['utf8', 'base64'] as const);
  if (encoding === 'base64' && text !== undefined && (text.replace(/\s+/g, '').length % 4 !== 0 || !BASE64.test(text.replace(/\s+/g, '')))) {
    c.add(join(at, 'body'), 'is not valid base64 (bodyEncoding is "base64")');
  }
  return { ...(text !== undefined ? { body: text } : {}), ...(encoding ? { bodyEncoding: encoding } : {}) };
}

/** http(s)://host[:port][/prefix], nothing else: map-remote rewrites scheme, host, port and a path prefix. */
export function checkTargetUrl(to: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/i.exec(to.trim());
  if (!m) return 'must be an absolute URL like https://staging.example.com:8443/prefix';
  const [, scheme, authority, , rest] = m;
  if (!/^https?$/i.test(scheme)) return `must start with http:// or https://, not ${scheme}://`;
  if (rest) return 'must not have a query or fragment (only scheme, host, port and a path prefix)';
  if (authority.includes('@')) return 'must not contain a user name or password';
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hostPort || !hostPort[1]) return 'needs a host name';
  const host = hostPort[1];
  if (host.startsWith('[') ? !parseIp(host) : !/^[a-z0-9.-]+$/i.test(host) || host.startsWith('.') || host.endsWith('.') || host.includes('..')) {
    return `"${host}" is not a valid host name`;
  }
  if (hostPort[2] !== undefined) {
    const port = Number(hostPort[2]);
    if (hostPort[2] === '' || port < 1 || port > 65535) return `port "${hostPort[2]}" must be from 1 to 65535`;
  }
  return undefined;
}

/** An absolute file or directory path (POSIX `/…`, Windows `C:\…` or `\\server\share`); it need not exist yet. */
export function checkLocalPath(path: string): string | undefined {
  const p = path.trim();
  if (p.includes('\0')) return 'must not contain a NUL character';
  if (!/^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(p)) return `must be an absolute path (like /home/me/site or C:\\site), not ${JSON.stringify(p)}`;
  return undefined;
}

/** An http(s) URL with a host; used for mock-request's url (a whole URL may carry a query). */
function checkAbsoluteUrl(url: string): string | undefined {
  const m = /^(https?):\/\/([^/?#]+)/i.exec(url.trim());
  return m ? undefined : 'must be an absolute http:// or https:// URL';
}

type MatcherChecks = { [K in Matcher['type']]: (c: Checker, o: Obj, at: string) => Extract<Matcher, { type: K }> | undefined };

const MATCHER_CHECKS: MatcherChecks = {
  url: (c, o, at) => {
    const syntax = oneOf(c, o, at, 'syntax', ['wildcard', 'regex'] as const, 'wildcard');
    const pattern = str(c, o, at, 'pattern', { nonEmpty: true });
    if (pattern === undefined || syntax === undefined) return undefined;
    if (pattern.length > MAX_PATTERN_LENGTH) return c.add(join(at, 'pattern'), `is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`);
    if (syntax === 'regex') {
      const compiled = compileUserRegex(pattern, 'i');
      if (!compiled.ok) return c.add(join(at, 'pattern'), compiled.error);
      return { type: 'url', pattern, syntax, regex: pattern };
    }
    return { type: 'url', pattern, syntax, regex: wildcardToRegex(pattern) };
  },
  method: (c, o, at) => {
    const method = str(c, o, at, 'method', { nonEmpty: true });
    if (method === undefined) return undefined;
    if (!TOKEN.test(method)) return c.add(join(at, 'method'), `"${method}" is not a method name`);
    return { type: 'method', method: method.toUpperCase() };
  },
  host: (c, o, at) => {
    const host = str(c, o, at, 'host', { nonEmpty: true });
    if (host === undefined) return undefined;
    const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!HOST_NAME.test(bare) && !parseIp(bare)) {
      return c.add(join(at, 'host'), `"${host}" is not a host name (write it without scheme, port or path; * and ? are wildcards)`);
    }
    return { type: 'host', host: bare };
  },
  header: (c, o, at) => {
    const name = str(c, o, at, 'name', { nonEmpty: true });
    const value = str(c, o, at, 'value', { optional: true });
    if (name === undefined) return undefined;
    if (!TOKEN.test(name)) return c.add(join(at, 'name'), `"${name}" is not a valid header name`);
    return value === undefined || value === '' ? { type: 'header', name } : { type: 'header', name, value };
  },
};

/** A gRPC answer: status 0–16, an optional message, the reply as JSON (text, or an object kept as its text). */
function grpcAnswer(c: Checker, value: unknown, at: string): GrpcMockAnswer | undefined {
  if (!isObject(value)) return c.add(at, `must be an object { status, message?, json? }, not ${kind(value)}`);
  const status = wholeNumber(c, value, at, 'status', 0, 16, 'a gRPC status code');
  const message = str(c, value, at, 'message', { optional: true });
  if (message !== undefined && message.length > MAX_GRPC_MESSAGE) c.add(join(at, 'message'), `must be at most ${MAX_GRPC_MESSAGE} characters`);
  let json: string | undefined;
  if (typeof value.json === 'string') {
    try {
      const parsed: unknown = JSON.parse(value.json);
      if (!isObject(parsed)) c.add(join(at, 'json'), `must be a JSON object (the response message), not ${kind(parsed)}`);
      else json = value.json;
    } catch (err) {
      c.add(join(at, 'json'), `is not JSON: ${(err as Error).message}`);
    }
  } else if (isObject(value.json)) json = JSON.stringify(value.json);
  else if (value.json !== undefined) c.add(join(at, 'json'), `must be the response message as a JSON object, not ${kind(value.json)}`);
  if (json !== undefined && json.length > MAX_GRPC_JSON) c.add(join(at, 'json'), `must be at most ${MAX_GRPC_JSON} characters`);
  if (status === undefined) return undefined;
  return { status, ...(message ? { message } : {}), ...(json !== undefined ? { json } : {}) };
}

type ActionChecks = { [K in Action['type']]: (c: Checker, o: Obj, at: string) => Extract<Action, { type: K }> | undefined };

const ACTION_CHECKS: ActionChecks = {
  mock: (c, o, at) => {
    // A gRPC answer makes its own status line and headers: they may be left out.
    const forGrpc = o.grpc !== undefined;
    const status = forGrpc && o.status === undefined ? 200 : wholeNumber(c, o, at, 'status', 100, 599, 'an HTTP status');
    const hs = forGrpc && o.headers === undefined ? [] : headers(c, o, at, 'headers', false);
    const b = body(c, o, at, false);
    let delayMs: number | undefined;
    if (o.delayMs !== undefined) {
      const d = o.delayMs;
      if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) c.add(join(at, 'delayMs'), `must be a number of milliseconds, 0 or more, not ${JSON.stringify(d)}`);
      else if (d > MAX_DELAY_MS) c.add(join(at, 'delayMs'), `must be at most ${MAX_DELAY_MS} ms (10 minutes), not ${d}`);
      else delayMs = d;
    }
    const grpc = o.grpc === undefined ? undefined : grpcAnswer(c, o.grpc, join(at, 'grpc'));
    if (status === undefined || hs === undefined) return undefined;
    return {
      type: 'mock',
      status,
      headers: hs,
      body: b.body ?? '',
      ...(b.bodyEncoding ? { bodyEncoding: b.bodyEncoding } : {}),
      ...(delayMs !== undefined ? { delayMs } : {}),
      ...(grpc ? { grpc } : {}),
    };
  },
  'mock-request': (c, o, at) => {
    const method = str(c, o, at, 'method', { optional: true, nonEmpty: true });
    if (method !== undefined && !TOKEN.test(method)) c.add(join(at, 'method'), `"${method}" is not a method name`);
    const url = str(c, o, at, 'url', { optional: true, nonEmpty: true });
    const urlError = url === undefined ? undefined : checkAbsoluteUrl(url);
    if (urlError) c.add(join(at, 'url'), urlError);
    const hs = headers(c, o, at, 'headers', true);
    const b = body(c, o, at, true);
    const out: Extract<Action, { type: 'mock-request' }> = { type: 'mock-request' };
    if (method !== undefined) out.method = method.toUpperCase();
    if (url !== undefined) out.url = url.trim();
    if (hs !== undefined) out.headers = hs;
    if (b.body !== undefined) out.body = b.body;
    if (b.bodyEncoding) out.bodyEncoding = b.bodyEncoding;
    return out;
  },
  'map-remote': (c, o, at) => {
    const to = str(c, o, at, 'to', { nonEmpty: true });
    const keepHostHeader = bool(c, o, at, 'keepHostHeader', undefined);
    if (to === undefined) return undefined;
    const error = checkTargetUrl(to);
    if (error) return c.add(join(at, 'to'), error);
    return keepHostHeader === undefined ? { type: 'map-remote', to: to.trim() } : { type: 'map-remote', to: to.trim(), keepHostHeader };
  },
  'map-local': (c, o, at) => {
    const path = str(c, o, at, 'path', { nonEmpty: true });
    if (path === undefined) return undefined;
    const error = checkLocalPath(path);
    if (error) return c.add(join(at, 'path'), error);
    return { type: 'map-local', path: path.trim() };
  },
  rewrite: (c, o, at) => {
    const checked = checkRewrite(o, at || 'action');
    if (!checked.ok) return void c.errors.push(...checked.errors);
    return checked.action;
  },
  breakpoint: (c, o, at) => {
    const on = oneOf(c, o, at, 'on', ['request', 'response', 'both'] as const, 'both');
    return on === undefined ? undefined : { type: 'breakpoint', on };
  },
  conditions: (c, o, at) => {
    const checked = checkConditions(o.conditions, join(at, 'conditions'));
    if (!checked.ok) return void c.errors.push(...checked.errors);
    return { type: 'conditions', conditions: checked.conditions };
  },
  'ws-message': (c, o, at) => {
    const checked = checkWsMessage(o, at || 'action');
    if (!checked.ok) return void c.errors.push(...checked.errors);
    return checked.action;
  },
  passthrough: (c, o, at) => connectionAction(c, 'passthrough', o, at),
  'do-not-record': (c, o, at) => connectionAction(c, 'do-not-record', o, at),
  'upstream-proxy': (c, o, at) => connectionAction(c, 'upstream-proxy', o, at),
  'client-certificate': (c, o, at) => connectionAction(c, 'client-certificate', o, at),
};

function connectionAction<K extends Parameters<typeof checkConnectionAction>[0]>(c: Checker, type: K, o: Obj, at: string): Extract<Action, { type: K }> | undefined {
  const checked = checkConnectionAction(type, o, at || 'action');
  if (!checked.ok) return void c.errors.push(...checked.errors);
  return checked.action as Extract<Action, { type: K }>;
}

function clientList(c: Checker, value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return c.add(path, 'must be a list of IP addresses or CIDR ranges');
  const out: string[] = [];
  value.forEach((entry, i) => {
    if (typeof entry !== 'string') return c.add(`${path}[${i}]`, `must be text, not ${kind(entry)}`);
    const parsed = parseIpRange(entry);
    if (!parsed.ok) return c.add(`${path}[${i}]`, parsed.error);
    out.push(parsed.range.text);
  });
  return out;
}

function checkScope(c: Checker, value: unknown, at: string): RuleScope {
  const path = join(at, 'scope');
  if (value === undefined) return {};
  if (!isObject(value)) {
    c.add(path, 'must be an object with clients and/or profile');
    return {};
  }
  const scope: RuleScope = {};
  const clients = clientList(c, value.clients, `${path}.clients`);
  if (clients && clients.length > 0) scope.clients = clients;
  const profile = str(c, value, path, 'profile', { optional: true, nonEmpty: true });
  if (profile !== undefined) scope.profile = profile;
  return scope;
}

function checkTyped<T>(c: Checker, value: unknown, at: string, table: Record<string, (c: Checker, o: Obj, at: string) => T | undefined>, what: string): T | undefined {
  if (!isObject(value)) return c.add(at, `must be an object with a "type" (${Object.keys(table).join(', ')})`);
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) {
    return c.add(join(at, 'type'), `unknown ${what} type ${JSON.stringify(type)}; use one of ${Object.keys(table).join(', ')}`);
  }
  return table[type](c, value, at);
}

function checkRule(c: Checker, input: unknown, at: string): Rule | undefined {
  if (!isObject(input)) return c.add(at || 'rule', 'must be an object');
  const errorsBefore = c.errors.length;
  const id = str(c, input, at, 'id', { nonEmpty: true });
  const name = str(c, input, at, 'name', { nonEmpty: true });
  if (name !== undefined && name.length > MAX_NAME) c.add(join(at, 'name'), `must be at most ${MAX_NAME} characters`);
  const enabled = bool(c, input, at, 'enabled', true);
  let priority = 0;
  if (input.priority !== undefined) {
    if (typeof input.priority !== 'number' || !Number.isFinite(input.priority)) c.add(join(at, 'priority'), `must be a number, not ${JSON.stringify(input.priority)}`);
    else priority = input.priority;
  }
  const scope = checkScope(c, input.scope, at);
  const matchers: Matcher[] = [];
  if (input.matchers !== undefined && !Array.isArray(input.matchers)) {
    c.add(join(at, 'matchers'), 'must be a list of matchers');
  } else {
    (input.matchers ?? []).forEach((m: unknown, i: number) => {
      const checked = checkTyped<Matcher>(c, m, join(at, `matchers[${i}]`), MATCHER_CHECKS, 'matcher');
      if (checked) matchers.push(checked);
    });
  }
  const action = checkTyped<Action>(c, input.action, join(at, 'action'), ACTION_CHECKS, 'action');
  if (action) c.errors.push(...checkHostOnlyMatchers(action.type, matchers, at));
  const times = counter(c, input, at, 'times', 1, 'how many times the rule applies; leave it out for always');
  const version = counter(c, input, at, 'version', 0, 'the save counter');
  const savedBy = savedByField(c, input, at);
  if (c.errors.length > errorsBefore || id === undefined || name === undefined || enabled === undefined || !action) return undefined;
  const rule: Rule = { id, name: name.trim(), enabled, priority, scope, matchers, action };
  if (times !== undefined) rule.times = times;
  if (version !== undefined) rule.version = version;
  if (savedBy !== undefined) rule.savedBy = savedBy;
  return rule;
}

/** `savedBy` (team mode): a user name the server stamped; kept when valid so a rule or profile keeps its author. */
function savedByField(c: Checker, input: Record<string, unknown>, at: string): string | undefined {
  if (input.savedBy === undefined) return undefined;
  if (typeof input.savedBy !== 'string' || input.savedBy.length === 0 || input.savedBy.length > 64) {
    c.add(join(at, 'savedBy'), 'must be a user name (1–64 characters)');
    return undefined;
  }
  return input.savedBy;
}

/** Checks one rule as received from the UI, the API or a rules file. */
export function validateRule(input: unknown): RuleValidation {
  const c = new Checker();
  const rule = checkRule(c, input, '');
  return rule && c.errors.length === 0 ? { ok: true, rule } : { ok: false, errors: c.errors };
}

/** Checks a device profile (an imported or shared JSON one too) and every rule it carries. */
export function validateDeviceProfile(input: unknown): ProfileValidation {
  const c = new Checker();
  if (!isObject(input)) return { ok: false, errors: [{ field: 'profile', message: 'must be an object' }] };
  const id = str(c, input, '', 'id', { nonEmpty: true });
  const name = str(c, input, '', 'name', { nonEmpty: true });
  const clients = clientList(c, input.clients ?? [], 'clients') ?? [];
  const rules: Rule[] = [];
  if (input.rules !== undefined && !Array.isArray(input.rules)) c.add('rules', 'must be a list of rules');
  else (input.rules ?? []).forEach((r: unknown, i: number) => {
    const rule = checkRule(c, r, `rules[${i}]`);
    if (rule) rules.push(rule);
  });
  const conditions = input.conditions === undefined || input.conditions === null ? undefined : checkConditions(input.conditions, 'conditions');
  if (conditions && !conditions.ok) c.errors.push(...conditions.errors);
  const savedBy = savedByField(c, input, '');
  if (c.errors.length > 0 || id === undefined || name === undefined) return { ok: false, errors: c.errors };
  const profile: DeviceProfile = { id, name: name.trim(), clients, rules };
  if (conditions?.ok) profile.conditions = conditions.conditions;
  if (savedBy !== undefined) profile.savedBy = savedBy;
  return { ok: true, profile };
}
