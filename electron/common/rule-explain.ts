/**
 * One English line per rule, for the rules list, the flow detail ("changed by …") and `hindsight`
 * output: what the rule does, to which requests, for which clients. Like mockttp's explain(), it
 * reads the rule's data only; it never runs anything.
 */
import { grpcStatusLabel } from './grpc';
import { describeConditions } from './conditions';
import { redactProxyText } from './connection-rule';
import type { Action, DeviceProfile, Matcher, Rule, RuleScope } from './rule';

interface Target {
  /** `GET` or `GET/POST`, when method matchers exist. */
  method?: string;
  /** Hosts and URL patterns, readable (`api.example.com/users/*`, `/v\d+/ (regex)`). */
  places: string[];
  /** ` with header X-Debug`, … */
  headers: string;
}

const SCHEME = /^(?:https?|\*):\/\//i;

function describeMatchers(matchers: readonly Matcher[]): Target {
  const methods: string[] = [];
  const places: string[] = [];
  const headers: string[] = [];
  for (const m of matchers) {
    switch (m.type) {
      case 'method':
        methods.push(m.method.toUpperCase());
        break;
      case 'host':
        places.push(m.host);
        break;
      case 'url':
        places.push(m.syntax === 'regex' ? `/${m.pattern}/ (regex)` : m.pattern.replace(SCHEME, ''));
        break;
      case 'header':
        headers.push(m.value === undefined ? m.name : `${m.name} containing "${m.value}"`);
        break;
    }
  }
  return {
    ...(methods.length ? { method: methods.join('/') } : {}),
    places,
    headers: headers.length ? ` with header ${headers.join(' and ')}` : '',
  };
}

/** `GET api.example.com/users/*`, `GET requests`, `every request`. */
function requestPhrase(t: Target): string {
  const where = t.places.join(' and ');
  if (t.method) return `${t.method} ${where || 'requests'}${t.headers}`;
  if (where) return `${where}${t.headers}`;
  return t.headers ? `requests${t.headers}` : 'every request';
}

function scopePhrase(scope: RuleScope, profiles: readonly DeviceProfile[]): string {
  const parts = [...(scope.clients ?? [])];
  if (scope.profile !== undefined) {
    const profile = profiles.find((p) => p.id === scope.profile);
    parts.push(profile ? `profile "${profile.name}"` : `profile ${scope.profile} (not found)`);
  }
  return parts.length ? `from ${parts.join(' or ')}` : 'for every client';
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

type Explainers = { [K in Action['type']]: (action: Extract<Action, { type: K }>, target: Target, scope: string) => string };

const EXPLAIN: Explainers = {
  mock: (a, t, scope) =>
    a.grpc
      ? `Answer gRPC ${grpcStatusLabel(a.grpc.status)}${a.grpc.json ? ' with a reply' : ''}${a.delayMs ? ` after ${duration(a.delayMs)}` : ''} for ${requestPhrase(t)} ${scope}`
      : `Mock ${a.status}${a.delayMs ? ` after ${duration(a.delayMs)}` : ''} for ${requestPhrase(t)} ${scope}`,
  'mock-request': (a, t, scope) => {
    const changes = [
      ...(a.method ? [`method ${a.method}`] : []),
      ...(a.url ? [`URL ${a.url}`] : []),
      ...(a.headers?.length ? [`headers ${a.headers.map(([name]) => name).join(', ')}`] : []),
      ...(a.body !== undefined ? ['body'] : []),
    ];
    return `Rewrite ${requestPhrase(t)} ${scope} (${changes.length ? `set ${changes.join(', ')}` : 'no changes'})`;
  },
  rewrite: (a, t, scope) => {
    const headers = (edits: readonly { op: string; name: string }[]) => edits.map((e) => `${e.op} ${e.name}`).join(', ');
    const bodies = (edits: readonly { find: string; syntax: string }[]) => edits.map((e) => (e.syntax === 'regex' ? `/${e.find}/` : JSON.stringify(e.find))).join(', ');
    const changes = [
      ...(a.requestHeaders ? [`request headers: ${headers(a.requestHeaders)}`] : []),
      ...(a.query ? [`query: ${headers(a.query)}`] : []),
      ...(a.requestBody ? [`request body: replace ${bodies(a.requestBody)}`] : []),
      ...(a.status !== undefined ? [`status ${a.status}`] : []),
      ...(a.responseHeaders ? [`response headers: ${headers(a.responseHeaders)}`] : []),
      ...(a.responseBody ? [`response body: replace ${bodies(a.responseBody)}`] : []),
    ];
    return `Modify ${requestPhrase(t)} ${scope} (${changes.join('; ')})`;
  },
  'map-local': (a, t, scope) => `Answer ${requestPhrase(t)} from local ${a.path} ${scope}`,
  'map-remote': (a, t, scope) =>
    `Send ${requestPhrase(t)} to ${a.to} ${scope} (${a.keepHostHeader ? 'Host header kept' : 'Host header follows'})`,
  breakpoint: (a, t, scope) => {
    const noun = a.on === 'request' ? 'requests' : a.on === 'response' ? 'responses' : 'requests and responses';
    const preposition = a.on === 'response' ? 'from' : 'to';
    const where = t.places.join(' and ');
    if (!t.method && !where && !t.headers) return `Pause every ${a.on === 'both' ? 'request and response' : a.on} ${scope}`;
    return `Pause ${t.method ? `${t.method} ` : ''}${noun}${where ? ` ${preposition} ${where}` : ''}${t.headers} ${scope}`;
  },
  conditions: (a, t, scope) => `Network conditions (${describeConditions(a.conditions)}) for ${requestPhrase(t)} ${scope}`,
  'ws-message': (a, t, scope) => {
    const find = a.syntax === 'regex' ? `/${a.find}/${a.flags ?? ''}` : JSON.stringify(a.find);
    const which = a.direction === 'to-server' ? 'client-to-server' : a.direction === 'to-client' ? 'server-to-client' : 'WebSocket';
    const where = requestPhrase(t).replace(/^every request$/, 'every WebSocket');
    if (a.effect === 'drop') return `Drop ${which} messages containing ${find} on ${where} ${scope}`;
    if (a.effect === 'pause') return `Pause ${which} messages containing ${find} on ${where} ${scope}`;
    return `Replace ${find} with ${JSON.stringify(a.replace ?? '')} in ${which} messages on ${where} ${scope}`;
  },
  passthrough: (_a, t, scope) => `Pass ${t.places.length ? t.places.join(' and ') : 'every host'} through without decrypting ${scope} (host, bytes and duration recorded)`,
  'do-not-record': (_a, t, scope) => `Forward ${requestPhrase(t)} ${scope} without recording`,
  'client-certificate': (a, t, scope) =>
    `Present client certificate ${a.subject ? `"${a.subject}"` : a.pkcs12 !== undefined ? '(PKCS#12)' : '(PEM)'} to ${t.places.length ? t.places.join(' and ') : 'every host'} ${scope}`,
  'upstream-proxy': (a, t, scope) => {
    const via = redactProxyText(a.proxy);
    return via === 'direct' ? `Connect directly (no upstream proxy) for ${requestPhrase(t)} ${scope}` : `Send ${requestPhrase(t)} ${scope} through upstream proxy ${via}`;
  },
};

/** A profile's own conditions in one line: "Network conditions (3G: …) for every request from profile "Pixel"". */
export function explainProfileConditions(profile: DeviceProfile): string | undefined {
  if (!profile.conditions) return undefined;
  return `Network conditions (${describeConditions(profile.conditions)}) for every request from profile "${profile.name}"`;
}

/** E.g. "Mock 500 for GET api.example.com/users/* from 127.0.0.2". */
export function explainRule(rule: Rule, profiles: readonly DeviceProfile[] = []): string {
  const target = describeMatchers(rule.matchers);
  const scope = scopePhrase(rule.scope, profiles);
  const line = (EXPLAIN[rule.action.type] as (a: Action, t: Target, s: string) => string)(rule.action, target, scope);
  const times = rule.times === undefined ? '' : rule.times === 1 ? ', once' : `, ${rule.times} times`;
  return line + times;
}
