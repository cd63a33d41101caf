/**
 * The filter language's vocabulary, as data: every key with its code, help and an example (the help
 * table in docs/FILTERS.md is rendered from here and a test keeps the two equal, as mitmproxy's
 * flowfilter.py does), the values offered after `is:` and friends, and the operators. The parser
 * (filter-parse.ts) and autocomplete (filter-suggest.ts) read the same table.
 */

export type FilterKeyName =
  | 'ip'
  | 'host'
  | 'url'
  | 'path'
  | 'method'
  | 'status'
  | 'type'
  | 'id'
  | 'is'
  | 'pinned'
  | 'size'
  | 'reqsize'
  | 'duration'
  | 'grpc'
  | 'error'
  | 'node'
  | 'msg';

export interface FilterOption {
  /** The text autocomplete inserts. */
  label: string;
  help: string;
}

export interface FilterKeyInfo {
  name: FilterKeyName;
  /** How the key is written (`host:`, `pinned`, `size>`). */
  code: string;
  help: string;
  example: string;
  /** Takes no value (`pinned`). */
  flag?: boolean;
  /** Accepts `>`, `>=`, `<`, `<=` besides `:`. */
  comparable?: boolean;
  /** Values offered by autocomplete after the colon. */
  values?: readonly FilterOption[];
}

export type IsValue = 'error' | 'live' | 'paused' | 'replay' | 'imported' | 'mocked' | 'mapped' | 'ws' | 'pinned' | 'sse' | 'grpc';

/** `is:` values: flow states and origins. */
export const IS_VALUES: readonly (FilterOption & { label: IsValue })[] = [
  { label: 'error', help: 'failed flows (no response: DNS, connect, TLS, upstream or rule error)' },
  { label: 'live', help: 'flows still in progress' },
  { label: 'paused', help: 'flows held at a breakpoint' },
  { label: 'replay', help: 'flows made by replaying another flow' },
  { label: 'imported', help: 'flows imported from a file (HAR)' },
  { label: 'mocked', help: 'flows answered by a mock rule' },
  { label: 'mapped', help: 'flows sent elsewhere by a map-remote rule or answered from a local file (map-local)' },
  { label: 'ws', help: 'WebSocket upgrades' },
  { label: 'pinned', help: 'pinned flows (same as `pinned`)' },
  { label: 'sse', help: 'Server-Sent Event streams (text/event-stream responses)' },
  { label: 'grpc', help: 'gRPC and gRPC-Web calls (application/grpc… requests)' },
];

const GRPC_VALUES: readonly FilterOption[] = [
  { label: 'OK', help: 'calls that ended with status 0' },
  { label: 'error', help: 'calls that ended with any status but OK' },
  { label: 'UNAVAILABLE', help: 'status 14' },
  { label: 'DEADLINE_EXCEEDED', help: 'status 4' },
  { label: 'INTERNAL', help: 'status 13' },
  { label: 'UNIMPLEMENTED', help: 'status 12' },
  { label: 'NOT_FOUND', help: 'status 5' },
  { label: 'none', help: 'calls without a status (still open, or cut off)' },
];

/** `error:` values: the phase a flow failed in (FlowErrorPhase). */
export const ERROR_PHASE_VALUES: readonly FilterOption[] = [
  { label: 'client', help: 'the client went away, or sent a request Hindsight refused (431, 400)' },
  { label: 'tls', help: 'a TLS handshake: the client rejected Hindsight’s certificate, or the server’s failed verification' },
  { label: 'dns', help: 'the host name did not resolve' },
  { label: 'connect', help: 'no connection to the server' },
  { label: 'upstream', help: 'the server’s answer was malformed or broke off' },
  { label: 'timeout', help: 'no answer in time' },
  { label: 'rule', help: 'a rule failed on the flow' },
  { label: 'store', help: 'the flow could not be stored completely' },
];

const METHOD_VALUES: readonly FilterOption[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT'].map(
  (m) => ({ label: m, help: `${m} requests` }),
);

const STATUS_VALUES: readonly FilterOption[] = [
  { label: '2xx', help: 'success' },
  { label: '3xx', help: 'redirects' },
  { label: '4xx', help: 'client errors' },
  { label: '5xx', help: 'server errors' },
];

const TYPE_VALUES: readonly FilterOption[] = [
  { label: 'json', help: 'JSON bodies' },
  { label: 'html', help: 'HTML pages' },
  { label: 'javascript', help: 'scripts' },
  { label: 'css', help: 'style sheets' },
  { label: 'image', help: 'images' },
  { label: 'xml', help: 'XML bodies' },
  { label: 'form', help: 'form posts' },
  { label: 'text', help: 'text bodies' },
];

export const FILTER_KEYS: readonly FilterKeyInfo[] = [
  { name: 'ip', code: 'ip:', help: 'client address: one IPv4/IPv6 address or a CIDR range', example: 'ip:10.0.0.0/8' },
  { name: 'host', code: 'host:', help: 'host name, exact or wildcard, case-insensitive', example: 'host:*.example.com' },
  {
    name: 'url',
    code: 'url:',
    help: 'whole URL: wildcard (`*` any run, `?` one character) or /regex/flags',
    example: 'url:https://api.example.com/users/*',
  },
  { name: 'path', code: 'path:', help: 'path and query: wildcard or /regex/flags', example: 'path:/api/*' },
  { name: 'method', code: 'method:', help: 'request method, case-insensitive', example: 'method:POST', values: METHOD_VALUES },
  {
    name: 'status',
    code: 'status:',
    help: 'response status: exact, class or range; also status>=, status<',
    example: 'status:5xx',
    comparable: true,
    values: STATUS_VALUES,
  },
  { name: 'type', code: 'type:', help: 'part of the media type (response, else request)', example: 'type:json', values: TYPE_VALUES },
  { name: 'id', code: 'id:', help: 'one flow by its id', example: 'id:flow-42' },
  { name: 'is', code: 'is:', help: 'state or origin: ' + IS_VALUES.map((v) => v.label).join(', '), example: 'is:error', values: IS_VALUES },
  { name: 'pinned', code: 'pinned', help: 'pinned flows', example: 'pinned', flag: true },
  {
    name: 'size',
    code: 'size>',
    help: 'response body size in bytes, kb, mb, gb (1024-based); also size:, size<, ranges a-b',
    example: 'size>10kb',
    comparable: true,
  },
  { name: 'reqsize', code: 'reqsize>', help: 'request body size, like size', example: 'reqsize>0', comparable: true },
  { name: 'duration', code: 'duration>', help: 'total time in ms, s or m', example: 'duration>1.5s', comparable: true },
  {
    name: 'grpc',
    code: 'grpc:',
    help: 'gRPC status of a call: a code (0-16) or its name, `error` (any but OK), `none` (no status yet)',
    example: 'grpc:UNAVAILABLE',
    values: GRPC_VALUES,
  },
  {
    name: 'error',
    code: 'error:',
    help: 'failed in a phase (' + ERROR_PHASE_VALUES.map((v) => v.label).join(', ') + '), or text in the failure message',
    example: 'error:tls',
    values: ERROR_PHASE_VALUES,
  },
  { name: 'node', code: 'node:', help: 'the team node (`serve --node NAME`) that captured the flow, exact name', example: 'node:lab-1' },
  {
    name: 'msg',
    code: 'msg:',
    help: 'text inside a flow’s WebSocket or SSE messages, case-insensitive, or /regex/flags; read from the message logs when flows are listed (bounded, see below)',
    example: 'msg:hello',
  },
];

export interface FilterOperatorInfo {
  code: string;
  help: string;
  example: string;
}

export const FILTER_OPERATORS: readonly FilterOperatorInfo[] = [
  { code: 'word', help: 'URL contains the word, case-insensitive', example: 'checkout' },
  { code: '"a b"', help: 'a quoted value, as a word or after any key; never read as a regex', example: 'host:"my host"' },
  { code: '-', help: 'negates the term or group after it', example: '-method:OPTIONS' },
  { code: 'a b', help: 'both terms (AND); `and` may be written out', example: 'host:api.test status:5xx' },
  { code: 'or', help: 'either side (case-insensitive); binds looser than AND', example: 'status:5xx or is:error' },
  { code: '( )', help: 'groups terms', example: '-(host:cdn.test or type:image)' },
];

export function filterKeyByName(name: string): FilterKeyInfo | undefined {
  const lower = name.toLowerCase();
  return FILTER_KEYS.find((k) => k.name === lower);
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The Markdown help table, as docs/FILTERS.md holds it between its generated-table markers. */
export function filterHelpMarkdown(): string {
  const rows = [
    '| code | meaning | example |',
    '| --- | --- | --- |',
    ...FILTER_KEYS.map((k) => `| \`${k.code}\` | ${cell(k.help)} | \`${cell(k.example)}\` |`),
    ...FILTER_OPERATORS.map((o) => `| \`${o.code}\` | ${cell(o.help)} | \`${cell(o.example)}\` |`),
  ];
  return rows.join('\n') + '\n';
}
