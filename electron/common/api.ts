/**
 * The one API the renderer (and the CLI, when a `hindsight serve` holds the data dir) talks to.
 * Methods and events carry plain data only. Transports (electron IPC, WebSocket, in-memory) move
 * `ApiRequest`/`ApiResponse`/`ApiEventBatch` messages and refuse any name not in the allow-lists below.
 *
 * Adding a method: add it to ApiMethods AND to API_METHODS (the compiler checks they agree).
 */
import type { Flow, FlowSummary, BodySide } from './flow';
import type { FlowDiff } from './diff';
import type { OutgoingRequest, ParsedCurl, ReplayOutcome, RequestDraft, RuleChoice } from './replay';
import type { BreakpointInfo, BreakpointResumed, MessageEdits, MockAnswer, RequestEdits, ResponseEdits } from './breakpoint';
import type { ExportFormat, ExportResult, ExportShell } from './export-format';
import type { ProfileExport } from './profile-share';
import type { DeviceProfile } from './rule';
import type { FlowMessage, MessagePage } from './message';
import type { ProfileDraft, RuleDraft, RuleInfo, RulesState } from './rule-state';
import type { InspectState, RelayInfo } from './inspect';
import type { SessionReport } from './session-report';
import type { SessionInfo } from './users';
import type { ProtoInfo } from './grpc';
import type { Http2Info, Http2Mode } from './http2-setting';
import type { CoverageQuery, CoverageReport, EndpointReport, ErrorReport, ReportKind, ReportQuery } from './report';

export interface FlowQuery {
  /** Filter language expression (electron/common/filter.ts); empty = all. */
  filter?: string;
  /** Newest first. Return flows with seq < before (the previous page's nextCursor). */
  before?: number;
  /**
   * With `before`: the previous page's nextCursorTime. Pages list flows by the time they happened
   * (startedAt, then seq), newest first, so an imported flow sits among the flows of its time; the
   * cursor is the last listed flow's (startedAt, seq). Without it the seq's flow is looked up.
   */
  beforeTime?: number;
  /** Page size, default 200, at most 5000. */
  limit?: number;
}

export interface FlowPage {
  flows: FlowSummary[];
  /** Flows matching the filter (all pages). */
  matched: number;
  /**
   * True when counting stopped at a cap (the PostgreSQL store counts at most 10,000 matches, so a broad
   * filter over millions of flows stays fast): `matched` is then a lower bound, shown as "10,000+".
   */
  matchedCapped?: boolean;
  /** Flows stored. */
  total: number;
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextCursor?: number;
  /** Pass as `beforeTime` with `before`. */
  nextCursorTime?: number;
  /**
   * Present when the filter has `msg:` terms (docs/FILTERS.md): the page was found by reading message logs,
   * newest first. `matched` then counts the flows found (this page, plus one when there are more).
   */
  messageScan?: MessageScan;
}

/** How much of the message logs a `msg:` query read. */
export interface MessageScan {
  /** Flows whose message logs were read. */
  flows: number;
  /** Message bytes read. */
  bytes: number;
  /** A bound (5,000 flows or 200 MB) stopped the scan: older flows were not searched; `nextCursor` continues. */
  bounded: boolean;
}

export interface TrimInfo {
  at: number;
  /** Flows removed by that trim. */
  removed: number;
  /** Flows removed by trims since the store was created. */
  removedTotal: number;
}

export interface Status {
  version: string;
  proxy: { host: string; port: number; mode: 'forward' | 'reverse'; reverseTarget?: string };
  capture: boolean;
  stored: number;
  lastTrim?: TrimInfo;
  caPath: string;
  dataDir: string;
  /** Non-fatal problems the user must see (a full disk stopping body writes, a datafile moved aside). */
  warnings: string[];
  /** Network conditions (electron/core/conditions): the global switch and how many rules and profiles set some. */
  conditions?: { enabled: boolean; rules: number; profiles: number };
  /**
   * Exchanges forwarded but not recorded since the start because the store could not keep up (its queues
   * to the disk were full): the proxy never waits for the store. Absent or 0 when none.
   */
  dropped?: number;
  /**
   * Failures before a request exists (a client rejecting Hindsight's certificate, a request refused as too large
   * or unparseable) not recorded as flows since the start: one is kept per client, reason and second, and each
   * kept flow counts those held back before it in error.repeats. Absent or 0 when none.
   */
  suppressedFailures?: number;
}

export interface BodyResult {
  /** The stored bytes, base64 (raw as received, or decoded when `decoded` is true). */
  base64: string;
  size: number;
  storedSize: number;
  truncated: boolean;
  decoded: boolean;
  contentType?: string;
  encoding?: string;
  /** Set when decoding was asked for but failed; base64 then holds the raw bytes. */
  decodeError?: string;
}

export interface CaInfo {
  pem: string;
  path: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
  subject: string;
  notAfter: number;
}

/** One certificate as a list of trusted CAs shows it. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Epoch ms. */
  notAfter: number;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
  pem: string;
}

/** Private CAs trusted for servers' TLS besides the system's (electron/core/capture/upstream-ca.ts). */
export interface UpstreamCaInfo {
  /** The data folder's setting: upstream-ca.pem, read at every start, changed by upstreamCa.set/clear. */
  file: string;
  saved: CertificateSummary[];
  /** `hindsight serve --upstream-ca FILE`: trusted for this run only, not changed here. */
  fromFlags: CertificateSummary[];
}

/** One OS proxy setting as it is now (macOS: one per network service). */
export interface SysproxyView {
  /** macOS network service ("Wi-Fi"); absent elsewhere. */
  service?: string;
  mode: 'off' | 'manual' | 'pac';
  host?: string;
  port?: number;
  pacUrl?: string;
  bypass: string[];
}

/** The system proxy switch (desktop app; `hindsight serve --system-proxy`). */
export interface SysproxyInfo {
  /** Whether this shell can set the OS proxy here. */
  supported: boolean;
  /** Why not, when unsupported. */
  reason?: string;
  backend?: 'windows' | 'macos' | 'gnome' | 'kde';
  /** The OS proxy points at this Hindsight. */
  enabled: boolean;
  /** PAC mode setting: `PROXY 127.0.0.1:port; DIRECT`, so traffic goes direct when Hindsight is not running. */
  pac: boolean;
  /** Bypass list setting (hosts that never go through the proxy). */
  bypass: string[];
  current: SysproxyView[];
}

/** A client refused because its address is not on the LAN allow-list (one entry per address). */
export interface LanRefusal {
  ip: string;
  firstAt: number;
  lastAt: number;
  count: number;
}

/** Listening on the LAN for phones: off by default; only allow-listed addresses may use the proxy. */
export interface LanInfo {
  enabled: boolean;
  /** IPs and CIDRs allowed besides loopback. */
  allow: string[];
  /** This machine's LAN addresses (what a phone sets as its proxy) and the proxy port. */
  addresses: string[];
  port: number;
  /** Recently refused clients, newest first, for a one-click "allow". */
  refused: LanRefusal[];
}

/** One place a root CA can be trusted (the user's OS store, an NSS database, the system store). */
export interface TrustStoreInfo {
  id: string;
  name: string;
  kind: 'os-user' | 'nss' | 'system';
  /** null when it cannot be checked here. */
  trusted: boolean | null;
  /** Hindsight can install into it for the current user (the OS may still ask to confirm). */
  canInstall: boolean;
  /** The exact commands, for the user to copy. */
  installCommand: string;
  removeCommand: string;
  note?: string;
}
export interface TrustInfo {
  stores: TrustStoreInfo[];
}

/** What `sessions.replay` sends where: the flows (ids or a filter), the target origins and the comparison's options. */
export interface SessionReplayParams {
  ids?: string[];
  filter?: string;
  to?: string;
  map?: string[];
  headers?: string[];
  ignore?: string[];
  concurrency?: number;
  delayMs?: number;
  rules?: RuleChoice;
}

/** A device profile ready to share: the document (a file), the app link and the web UI link (QR codes). */
export interface ProfileShare {
  document: ProfileExport;
  /** `hindsight://profile/<payload>` */
  link: string;
  /** `<uiUrl>#profile=<payload>`, when uiUrl was given. */
  url?: string;
}

/** A device bind link (electron/core/devices): `url` is http://hindsight.ca/bind/<code>, valid until expiresAt. */
export interface BindLink {
  code: string;
  url: string;
  expiresAt: number;
}

export interface ApiMethods {
  'status.get': { params: Record<string, never>; result: Status };
  'capture.set': { params: { enabled: boolean }; result: Status };
  'flows.query': { params: FlowQuery; result: FlowPage };
  'flows.get': { params: { id: string }; result: Flow | null };
  'flows.body': { params: { id: string; side: BodySide; decode?: boolean }; result: BodyResult | null };
  'flows.pin': { params: { ids: string[]; pinned: boolean }; result: { changed: number } };
  'flows.delete': { params: { ids: string[] }; result: { removed: number } };
  'flows.clear': { params: { includePinned?: boolean }; result: { removed: number } };
  'ca.get': { params: Record<string, never>; result: CaInfo };
  /** Private CAs trusted for servers' TLS: the saved setting and this run's --upstream-ca files. */
  'upstreamCa.get': { params: Record<string, never>; result: UpstreamCaInfo };
  /**
   * Replaces the saved setting with a PEM bundle and trusts it at once (new upstream connections); a bundle
   * with no certificate or one that does not parse is refused ('bad-params', naming which) and nothing changes.
   */
  'upstreamCa.set': { params: { pem: string }; result: UpstreamCaInfo };
  /** Removes the saved setting; --upstream-ca files stay trusted for this run. */
  'upstreamCa.clear': { params: Record<string, never>; result: UpstreamCaInfo };
  // Replay, edit-and-resend, diff (electron/core/replay). New flows arrive through flows/add like any other.
  /** Sends stored requests again, one after another, through the proxy; outcomes in the order of `ids`. */
  'flows.replay': { params: { ids: string[]; rules?: RuleChoice; allowTruncated?: boolean }; result: { results: ReplayOutcome[] } };
  /** Sends a composed request through the proxy; `basedOn` links the new flow (replayOf). */
  'flows.send': { params: { request: OutgoingRequest; basedOn?: string; rules?: RuleChoice }; result: FlowSummary };
  /** A stored request as the composer edits it; null when the flow does not exist. */
  'flows.draft': { params: { id: string }; result: RequestDraft | null };
  /** A pasted curl command (bash) as a request; a command that cannot be read fails with 'bad-curl'. */
  'flows.parseCurl': { params: { command: string }; result: ParsedCurl };
  /** Compares two flows; volatile headers (electron/common/diff.ts) are hidden unless hideVolatile is false. */
  'flows.diff': { params: { a: string; b: string; hideVolatile?: boolean; volatile?: { request?: string[]; response?: string[] } }; result: FlowDiff };
  // Export and import (electron/core/export/api-handlers.ts). Large downloads also have an HTTP route:
  // `GET /api/export?ticket=…` (a ticket from export.ticket) streams the same document.
  /** The flows named by `ids` (in that order), else those matching `filter` (oldest first), as one document. */
  'export.flows': { params: { ids?: string[]; filter?: string; format: ExportFormat; shell?: ExportShell }; result: ExportResult };
  /** A single-use, one-minute ticket for the UI server's streaming download of this export (`/api/export?ticket=…`). */
  'export.ticket': { params: { ids?: string[]; filter?: string; format: ExportFormat; shell?: ExportShell }; result: { ticket: string; expiresAt: number } };
  /** Adds the flows of a HAR file, marked imported; a file that is not a usable HAR fails with 'bad-har' and adds nothing. */
  /** `ids`: the imported flows still stored; `trimmed`/`trimmedOther`: imported and older flows the store's trim removed at once. */
  /** `notKept`: entries left out, the oldest, when the file has more than the store keeps (`keeps`). */
  'flows.import': { params: { harText: string }; result: { imported: number; ids: string[]; trimmed?: number; trimmedOther?: number; notKept?: number; keeps?: number } };
  // Rules (electron/core/rules). A refused save fails with code 'invalid-rule' and `fields` naming each bad field.
  'rules.list': { params: Record<string, never>; result: RulesState };
  /** Creates (no id) or replaces a rule; saving resets its hit counter. */
  'rules.save': { params: { rule: RuleDraft }; result: RuleInfo };
  'rules.delete': { params: { ids: string[] }; result: { removed: number } };
  /** Puts the listed rules in this order within the places they hold; every priority is renumbered. */
  'rules.reorder': { params: { ids: string[] }; result: RuleInfo[] };
  /** The English line for a rule being edited (validated like a save, not stored). */
  'rules.explain': { params: { rule: RuleDraft }; result: { explanation: string } };
  'profiles.list': { params: Record<string, never>; result: DeviceProfile[] };
  /** Creates or updates a profile; `rules`, when given, becomes its whole rule set. */
  'profiles.save': { params: { profile: ProfileDraft }; result: DeviceProfile };
  'profiles.delete': { params: { id: string }; result: { removed: boolean } };
  /** A new profile with copies of the rules of `id`, bound to other clients. */
  'profiles.copy': { params: { id: string; clients: string[]; name?: string }; result: DeviceProfile };
  /** The JSON document, the app link and (given the UI's URL) a web link, each able to carry it (QR code). */
  'profiles.export': { params: { id: string; uiUrl?: string }; result: ProfileShare };
  /** From a document or either link form; `clients`/`name` override the shared ones. New ids throughout. */
  'profiles.import': { params: { document?: unknown; link?: string; clients?: string[]; name?: string }; result: DeviceProfile };
  /** Paused exchanges, oldest first, and the pause timeout. */
  'breakpoints.list': { params: Record<string, never>; result: { paused: BreakpointInfo[]; timeoutMs: number } };
  'breakpoints.resume': { params: { id: string; edits?: RequestEdits | ResponseEdits | MessageEdits }; result: { paused: number } };
  /** The client gets 502 "Hindsight: aborted at a breakpoint"; the flow fails. */
  'breakpoints.abort': { params: { id: string }; result: { paused: number } };
  'breakpoints.answer': { params: { id: string; response: MockAnswer }; result: { paused: number } };
  /** Reads, or sets and persists, how long a pause waits before continuing unchanged. */
  'breakpoints.settings': { params: { timeoutMs?: number }; result: { timeoutMs: number } };
  // The Node inspector relay (electron/core/inspect). Relays listen on loopback; the desktop app remembers them.
  /** Every relay with the processes behind it (the Inspector view polls this while it is open). */
  'inspect.list': { params: Record<string, never>; result: InspectState };
  /** Starts a relay on 127.0.0.1:port (default 9229) polling `targets` (default 9229-9250); `name` names the stable paths. */
  'inspect.start': { params: { port?: number; targets?: string[]; name?: string }; result: RelayInfo };
  /** Stops and forgets the relay on `port`. */
  'inspect.stop': { params: { port: number }; result: { stopped: boolean } };
  // Session replay (electron/core/automation): the flows sent to another origin and compared with the recorded answers.
  /** `to` an origin and/or `map` 'FROM=TO' origins; `headers` 'Name: value' overrides; `ignore` header names or `$.json.paths`. */
  'sessions.replay': { params: SessionReplayParams; result: SessionReport };
  // Reports (electron/core/report), computed from stored summaries. A bad filter fails with 'bad-filter'; a
  // bad OpenAPI document, release pattern or unknown release with 'bad-params' naming it.
  'report.endpoints': { params: ReportQuery; result: EndpointReport };
  'report.errors': { params: ReportQuery; result: ErrorReport };
  'report.coverage': { params: CoverageQuery; result: CoverageReport };
  /** The report as one self-contained HTML file (inline CSS and SVG, no network), for saving. */
  'report.html': { params: CoverageQuery & { kind: ReportKind }; result: { html: string; fileName: string } };
  // Messages inside flows (WebSocket, SSE: electron/core/api/messages.ts). A live flow's new messages show in its
  // `flows/update` summaries (messageCount); ask for the page after the last seq you have.
  /** Messages with seq > after (default 0), at most `limit` (200, up to 1000); `search` keeps those whose text contains it. null: no such flow. */
  'flows.messages': { params: { id: string; after?: number; limit?: number; search?: string }; result: MessagePage | null };
  /** Sends a text (or base64 binary) message into an open WebSocket, to the client or the server; recorded as injected. Fails with 'not-live' when the socket is not open. */
  'flows.sendMessage': { params: { id: string; to: 'client' | 'server'; text?: string; base64?: string }; result: FlowMessage };
  // Shell methods (SHELL_METHODS): answered by the desktop app, not every transport.
  'sysproxy.get': { params: Record<string, never>; result: SysproxyInfo };
  'sysproxy.set': { params: { enabled?: boolean; pac?: boolean; bypass?: string[] }; result: SysproxyInfo };
  'lan.get': { params: Record<string, never>; result: LanInfo };
  /** Changing `enabled` restarts the proxy on the new address. */
  'lan.set': { params: { enabled?: boolean; allow?: string[] }; result: LanInfo };
  /** Adds one address to the allow-list (the one-click "allow" of a refused client). */
  'lan.allow': { params: { ip: string }; result: LanInfo };
  'trust.get': { params: Record<string, never>; result: TrustInfo };
  /** Installs (trusted: true) or removes the CA in one store for the current user. */
  'trust.set': { params: { store: string; trusted: boolean }; result: TrustInfo };
  /**
   * Replaces the UI token of `hindsight serve` (kept in the data folder and the lock file): every open tab
   * and script holding the old one is disconnected and locked out; the caller gets the new token to put in
   * its URL. The desktop window has no token: it answers 'unavailable'.
   */
  'token.rotate': { params: Record<string, never>; result: { token: string } };
  /** A native "Save as" dialog, then writes text or base64 bytes to the chosen file. */
  'dialog.save': {
    params: { suggestedName: string; text?: string; base64?: string; filters?: { name: string; extensions: string[] }[] };
    result: { saved: boolean; path?: string };
  };
  /** The global network-conditions switch (electron/core/conditions): off keeps every condition but applies none. */
  'conditions.set': { params: { enabled: boolean }; result: Status };
  // Team mode (electron/core/users, electron/core/devices; roles in electron/common/users.ts).
  /** Who this connection signed in as; `user` is null in single-user mode. */
  'session.get': { params: Record<string, never>; result: SessionInfo };
  /**
   * A short-lived bind code and the page a phone opens through the proxy to be bound (a QR code in the UI):
   * to the profile `profileId` (admins) and/or, with `forMe`, to the signed-in user. Never carries a token.
   */
  'devices.bindCode': { params: { profileId?: string; forMe?: boolean }; result: BindLink };
  // gRPC (electron/core/grpc): the .proto folders that name the fields of gRPC messages.
  'grpc.protos': { params: Record<string, never>; result: ProtoInfo };
  /** Replaces the Settings folders (absolute paths that exist) and reloads every .proto; kept in <data>/grpc.json. */
  'grpc.setProtos': { params: { folders: string[] }; result: ProtoInfo };
  // HTTP/2 with clients and origins (electron/core/capture/h2/setting.ts), kept in <data>/http2.json.
  'http2.get': { params: Record<string, never>; result: Http2Info };
  /** Saves the choice and applies it to new connections at once, unless `serve --http2` fixed it for this run. */
  'http2.set': { params: { mode: Http2Mode }; result: Http2Info };
}
export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

export interface ApiEvents {
  'flows/add': FlowSummary[];
  'flows/update': FlowSummary[];
  /** ids removed; `all` when the store was cleared (pinned flows may remain, sent in `kept`). */
  'flows/remove': { ids: string[]; all?: boolean };
  'store/trimmed': TrimInfo;
  'status/changed': Status;
  'lan/refused': LanRefusal;
  'sysproxy/changed': SysproxyInfo;
  'rules/changed': RulesState;
  'breakpoints/paused': BreakpointInfo;
  'breakpoints/resumed': BreakpointResumed;
  /**
   * The desktop app was handed a `hindsight://profile/…` link (checked: it decodes to a valid profile).
   * The renderer asks the user before importing it, as for a `#profile=` web link.
   */
  'profiles/link-opened': { link: string };
}
export type ApiEvent = keyof ApiEvents;

/**
 * Methods only a shell with OS access answers (the desktop app). Other servers may leave them out of
 * their ApiHandlers; a call then fails with `unavailable`.
 */
export const SHELL_METHODS = [
  'sysproxy.get',
  'sysproxy.set',
  'lan.get',
  'lan.set',
  'lan.allow',
  'trust.get',
  'trust.set',
  'dialog.save',
] as const satisfies readonly ApiMethod[];
export type ShellMethod = (typeof SHELL_METHODS)[number];
/** The allow-lists: nothing else is callable or delivered. `satisfies` keeps them in step with the types. */
export const API_METHODS = [
  'status.get',
  'capture.set',
  'flows.query',
  'flows.get',
  'flows.body',
  'flows.pin',
  'flows.delete',
  'flows.clear',
  'ca.get',
  'flows.replay',
  'flows.send',
  'flows.draft',
  'flows.parseCurl',
  'flows.diff',
  'export.flows',
  'export.ticket',
  'token.rotate',
  'flows.import',
  'rules.list',
  'rules.save',
  'rules.delete',
  'rules.reorder',
  'rules.explain',
  'profiles.list',
  'profiles.save',
  'profiles.delete',
  'profiles.copy',
  'profiles.export',
  'profiles.import',
  'breakpoints.list',
  'breakpoints.resume',
  'breakpoints.abort',
  'breakpoints.answer',
  'breakpoints.settings',
  'inspect.list',
  'inspect.start',
  'inspect.stop',
  'sessions.replay',
  'report.endpoints',
  'report.errors',
  'report.coverage',
  'report.html',
  'flows.messages',
  'flows.sendMessage',
  'session.get',
  'devices.bindCode',
  ...SHELL_METHODS,
  'conditions.set',
  'upstreamCa.get',
  'upstreamCa.set',
  'upstreamCa.clear',
  'grpc.protos',
  'grpc.setProtos',
  'http2.get',
  'http2.set',
] as const satisfies readonly ApiMethod[];
export const API_EVENTS = [
  'flows/add',
  'flows/update',
  'flows/remove',
  'store/trimmed',
  'status/changed',
  'lan/refused',
  'sysproxy/changed',
  'rules/changed',
  'breakpoints/paused',
  'breakpoints/resumed',
  'profiles/link-opened',
] as const satisfies readonly ApiEvent[];

// Compile-time check that every method/event in the types is in the lists.
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const _methodsComplete: Missing<ApiMethod, typeof API_METHODS> extends never ? true : never = true;
const _eventsComplete: Missing<ApiEvent, typeof API_EVENTS> extends never ? true : never = true;
void _methodsComplete;
void _eventsComplete;

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}
export function isApiEvent(name: unknown): name is ApiEvent {
  return typeof name === 'string' && (API_EVENTS as readonly string[]).includes(name);
}

/**
 * Wire messages, the same for every transport.
 * Headless (WebSocket) transport: `ws://<ui host>:<ui port>/api/ws` with the token as a WebSocket subprotocol
 * (`hindsight`, `hindsight.token.<token>`: browsers cannot set headers on a WebSocket) or an
 * `Authorization: Bearer <token>` header; the server answers each ApiRequest with an ApiResponse and pushes
 * ApiEventBatch messages. Body bytes also have an HTTP route, `GET /api/flows/<id>/<request|response>/body
 * [?decode=1]` with the Bearer header. A token in a URL query is refused; the one exception is the export
 * download, `/api/export?ticket=…`, whose ticket (export.ticket) is single-use and lives a minute.
 * The UI URL carries the token in its fragment (`http://127.0.0.1:8081/#token=…`) so it never reaches logs.
 * Electron transport: the preload exposes `window.hindsight = { call(method, params), onEvents(listener) }`.
 */
export interface ApiRequest {
  id: number;
  method: string;
  params: unknown;
}
export type ApiResponse = { id: number; result: unknown } | { id: number; error: ApiErrorInfo };

/**
 * Why a call failed. `code` lets the UI react without parsing messages:
 * - unknown-method: the name is not in API_METHODS (refused before any handler runs);
 * - bad-request:    the message itself is malformed (no numeric id, not an object);
 * - bad-params:     a parameter has the wrong type or range (the message names it);
 * - bad-filter:     the filter expression does not parse; start/end point at the bad token;
 * - not-found:      the flow or body asked for does not exist;
 * - closed:         the transport closed before the answer came (client side);
 * - unavailable:    a shell method (SHELL_METHODS) this server does not answer;
 * - invalid-rule:   a rule or profile was refused on save; `fields` names each bad field;
 * - bad-curl:       flows.parseCurl could not read the command (the message says what and where);
 * - replay-failed:  a request could not be sent through the proxy at all (no flow was recorded);
 * - bad-har:        flows.import was given something that is not a usable HAR (the message names the entry and field);
 * - not-live:       flows.sendMessage named a flow that is not an open WebSocket (or its stream cannot take a frame);
 * - internal:       anything else (the message says what);
 * - forbidden:      the signed-in user's role may not do this (a member saving a rule: electron/common/users.ts).
 */
export type ApiErrorCode = 'unknown-method' | 'bad-request' | 'bad-params' | 'bad-filter' | 'not-found' | 'closed' | 'unavailable' | 'invalid-rule' | 'bad-curl' | 'replay-failed' | 'bad-har' | 'internal' | 'forbidden';
export interface ApiErrorInfo {
  message: string;
  code?: ApiErrorCode | (string & {});
  /** bad-filter: the offending token's offsets in the filter string (end exclusive). */
  start?: number;
  end?: number;
  /** invalid-rule: each bad field by its path (`matchers[0].pattern`) with what is wrong. */
  fields?: { field: string; message: string }[];
}

/** A failed call, on both sides: handlers throw it, clients reject with it. */
export class ApiError extends Error implements ApiErrorInfo {
  override name = 'ApiError';
  readonly code: ApiErrorInfo['code'];
  readonly start?: number;
  readonly end?: number;
  fields?: { field: string; message: string }[];
  constructor(message: string, code: ApiErrorInfo['code'] = 'internal', range?: { start: number; end: number }) {
    super(message);
    this.code = code;
    if (range) {
      this.start = range.start;
      this.end = range.end;
    }
  }
  toInfo(): ApiErrorInfo {
    const info: ApiErrorInfo = { message: this.message, code: this.code };
    if (this.start !== undefined) info.start = this.start;
    if (this.end !== undefined) info.end = this.end;
    if (this.fields) info.fields = this.fields;
    return info;
  }
}
/** Events are batched: one message carries every event since the last flush (per frame / 50 ms). */
export interface ApiEventBatch {
  events: { name: string; data: unknown }[];
}

/** What every transport's client side gives the renderer. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
  on<E extends ApiEvent>(event: E, listener: (data: ApiEvents[E]) => void): () => void;
}

/** Server side: what the core provides; transports dispatch into it after checking the allow-list. */
export type ApiHandlers = { [M in Exclude<ApiMethod, ShellMethod>]: (params: ApiParams<M>) => Promise<ApiResult<M>> } & {
  [M in ShellMethod]?: (params: ApiParams<M>) => Promise<ApiResult<M>>;
};
