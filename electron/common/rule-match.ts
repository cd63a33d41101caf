/**
 * Does a rule apply to this request from this client? Pure, and cheap per request: a rule is compiled
 * once (user patterns on the linear-time engine of user-regex.ts, parsed CIDRs) and the result cached per rule id + version (or per rule object
 * when it has no version). The rules engine in electron/core/rules calls this in the proxy's hot path;
 * counting `times` and ordering by priority are its business, not this module's.
 *
 * Semantics: every matcher must match (none = every request); the scope must admit the client (empty
 * scope = every client; otherwise the client must be in `scope.clients` or in the clients of the
 * profile named by `scope.profile`); a disabled rule matches nothing.
 */
import { ipInAnyRange, parseIpRange, type IpRange } from './cidr';
import { splitUrl, type Headers } from './flow';
import type { DeviceProfile, Matcher, Rule } from './rule';
import { compileUserRegex, compileWildcard, type UserRegex } from './user-regex';
import { hasWildcard } from './wildcard';

export interface RuleRequest {
  method: string;
  /** Absolute URL as the client asked for it. */
  url: string;
  headers: Headers;
  /** The real client (outer connection for CONNECT tunnels), any spelling (::ffff:… included). */
  clientIp: string;
}

export interface CompiledRule {
  readonly id: string;
  /** The matchers only (method, URL, host, headers). */
  matchesRequest(req: Pick<RuleRequest, 'method' | 'url' | 'headers'>): boolean;
  /** The scope only. */
  admitsClient(clientIp: string, profiles: readonly DeviceProfile[]): boolean;
}

type RequestTest = (req: Pick<RuleRequest, 'method' | 'url' | 'headers'>) => boolean;

function hostOf(url: string): string {
  return splitUrl(url).host;
}

function urlRegex(m: Extract<Matcher, { type: 'url' }>): UserRegex {
  // URL matching ignores case in both syntaxes, so a wildcard and its regex match the same URLs.
  if (m.syntax === 'wildcard') return compileWildcard(m.pattern, m.regex);
  const compiled = compileUserRegex(m.regex ?? m.pattern, 'i');
  if (!compiled.ok) throw new Error(`URL pattern ${JSON.stringify(m.pattern)} cannot run: ${compiled.error}`);
  return compiled.regex;
}

const MATCHER_COMPILERS: { [K in Matcher['type']]: (m: Extract<Matcher, { type: K }>) => RequestTest } = {
  url: (m) => {
    const re = urlRegex(m);
    return (req) => re.test(req.url);
  },
  method: (m) => {
    const method = m.method.toUpperCase();
    return (req) => req.method === method || req.method.toUpperCase() === method;
  },
  host: (m) => {
    const host = m.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!hasWildcard(host)) return (req) => hostOf(req.url) === host;
    const re = compileWildcard(host);
    return (req) => re.test(hostOf(req.url));
  },
  header: (m) => {
    const name = m.name.toLowerCase();
    const value = m.value?.toLowerCase();
    return (req) => {
      for (const [k, v] of req.headers) {
        if (k.toLowerCase() === name && (value === undefined || v.toLowerCase().includes(value))) return true;
      }
      return false;
    };
  },
};

function compileMatcher(m: Matcher): RequestTest {
  return (MATCHER_COMPILERS[m.type] as (m: Matcher) => RequestTest)(m);
}

function parseRanges(texts: readonly string[], what: string): IpRange[] {
  return texts.map((t) => {
    const parsed = parseIpRange(t);
    if (!parsed.ok) throw new Error(`${what}: ${parsed.error}`);
    return parsed.range;
  });
}

// Profiles change rarely and are passed in on every call: parse each profile's clients once.
const profileRanges = new WeakMap<DeviceProfile, { clients: readonly string[]; count: number; ranges: IpRange[] }>();

function rangesOf(profile: DeviceProfile): IpRange[] {
  const cached = profileRanges.get(profile);
  if (cached && cached.clients === profile.clients && cached.count === profile.clients.length) return cached.ranges;
  // A profile with a bad entry admits through its good ones; validateDeviceProfile refuses it on save.
  const ranges = profile.clients.flatMap((t) => {
    const parsed = parseIpRange(t);
    return parsed.ok ? [parsed.range] : [];
  });
  profileRanges.set(profile, { clients: profile.clients, count: profile.clients.length, ranges });
  return ranges;
}

/** Compiles a rule (uncached). Throws when a pattern or CIDR is bad: run validateRule on save. */
function compile(rule: Rule): CompiledRule {
  const tests = rule.matchers.map(compileMatcher);
  const clients = parseRanges(rule.scope.clients ?? [], `rule ${rule.id} scope`);
  const profileId = rule.scope.profile;
  const everyClient = clients.length === 0 && profileId === undefined;
  return {
    id: rule.id,
    matchesRequest: (req) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i](req)) return false;
      return true;
    },
    admitsClient: (clientIp, profiles) => {
      if (everyClient) return true;
      if (clients.length > 0 && ipInAnyRange(clientIp, clients)) return true;
      if (profileId === undefined) return false;
      const profile = profiles.find((p) => p.id === profileId);
      return profile !== undefined && ipInAnyRange(clientIp, rangesOf(profile));
    },
  };
}

const byVersion = new Map<string, CompiledRule>();
const byObject = new WeakMap<Rule, CompiledRule>();
const BY_VERSION_MAX = 10_000;

/** The compiled form of a rule, cached per id + version (per object when the rule has no version). */
export function compileRule(rule: Rule): CompiledRule {
  if (rule.version === undefined) {
    let compiled = byObject.get(rule);
    if (!compiled) {
      compiled = compile(rule);
      byObject.set(rule, compiled);
    }
    return compiled;
  }
  const key = `${rule.id}\u0000${rule.version}`;
  let compiled = byVersion.get(key);
  if (!compiled) {
    compiled = compile(rule);
    if (byVersion.size >= BY_VERSION_MAX) byVersion.clear();
    byVersion.set(key, compiled);
  }
  return compiled;
}

/** True when the enabled rule's matchers all match the request and its scope admits the client. */
export function matchesRule(rule: Rule, req: RuleRequest, profiles: readonly DeviceProfile[]): boolean {
  if (!rule.enabled) return false;
  const compiled = compileRule(rule);
  return compiled.admitsClient(req.clientIp, profiles) && compiled.matchesRequest(req);
}
