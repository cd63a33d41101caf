/**
 * The rule editor's model: a rule as the form holds it (numbers as typed, clients as one line, every
 * action's fields kept while the user switches between actions), turned into a RuleDraft for rules.save,
 * checked as the user types by the same validateRule the core runs on save, and built from a captured
 * flow ("Mock response", "Mock request", "Map remote…", "Breakpoint on this URL"). Pure apart from
 * formFromFlow, which reads the flow's body through the API.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { Flow, Headers } from '../../../../electron/common/flow';
import { explainRule } from '../../../../electron/common/rule-explain';
import type { Action, DeviceProfile, Matcher, Rule } from '../../../../electron/common/rule';
import type { RuleDraft } from '../../../../electron/common/rule-state';
import { validateRule, type FieldError } from '../../../../electron/common/rule-validate';
import { escapeRegex } from '../../../../electron/common/wildcard';
import { editableBody } from '../../lib/body/text';
import { scopeMatcher, type UrlScope } from './url-scopes';
import { conditionsForm, conditionsOf, defaultConditionsForm, type ConditionsForm } from '../conditions/conditions-form';
import { emptyModify, modifyAction, modifyForm, type ModifyForm } from './modify-form';

export type ActionType = Action['type'];
export type BodyEncoding = 'utf8' | 'base64';

export interface RuleForm {
  id?: string;
  name: string;
  enabled: boolean;
  priority?: number;
  matchers: Matcher[];
  action: ActionType;
  mock: { status: string; headers: Headers; body: string; bodyEncoding: BodyEncoding; delayMs: string; grpc: GrpcMockForm };
  /** mock-request: each part is only sent when its switch is on. */
  rewrite: {
    setMethod: boolean;
    method: string;
    setUrl: boolean;
    url: string;
    setHeaders: boolean;
    headers: Headers;
    setBody: boolean;
    body: string;
    bodyEncoding: BodyEncoding;
  };
  mapRemote: { to: string; keepHostHeader: boolean };
  mapLocal: { path: string };
  /** The rewrite action's edits: lists as typed, the status as text. */
  modify: ModifyForm;
  breakpoint: { on: 'request' | 'response' | 'both' };
  conditions: ConditionsForm;
  /** ws-message: rewrite or drop WebSocket text messages. */
  wsMessage: WsMessageForm;
  /** upstream-proxy: the proxy as typed (http://…, socks5://…, pac+file:///…, direct). */
  upstream: { proxy: string };
  /**
   * client-certificate: new material (PEM text, or a PKCS#12 file as base64 with its passphrase), or the
   * stored certificate the rule already names (kept when no new material is given).
   */
  clientCert: { format: 'pem' | 'pkcs12'; pem: string; pkcs12: string; passphrase: string; certificate?: string; subject?: string };
  /** IPs and CIDRs, separated by commas or spaces. */
  clients: string;
  /** A device profile id, or '' for none. */
  profile: string;
  /** '' = every time. */
  times: string;
}

/** A mock's gRPC answer as typed: on, the status code as text, the message, the reply as JSON text. */
export interface GrpcMockForm {
  on: boolean;
  status: string;
  message: string;
  json: string;
}

const noGrpc = (): GrpcMockForm => ({ on: false, status: '0', message: '', json: '' });

export const ACTION_LABELS: Record<ActionType, string> = {
  mock: 'Mock response',
  'mock-request': 'Rewrite request',
  'map-remote': 'Map remote',
  'map-local': 'Map local',
  rewrite: 'Modify',
  breakpoint: 'Breakpoint',
  conditions: 'Network conditions',
  'ws-message': 'WebSocket messages',
  passthrough: 'Passthrough (no decryption)',
  'do-not-record': 'Do not record',
  'upstream-proxy': 'Upstream proxy',
  'client-certificate': 'Client certificate',
};

export interface WsMessageForm {
  direction: 'to-server' | 'to-client' | 'both';
  find: string;
  syntax: 'text' | 'regex';
  flags: string;
  effect: 'replace' | 'drop' | 'pause';
  replace: string;
}

export function emptyForm(): RuleForm {
  return {
    name: '',
    enabled: true,
    matchers: [{ type: 'url', pattern: '', syntax: 'wildcard' }],
    action: 'mock',
    mock: { status: '200', headers: [['Content-Type', 'application/json']], body: '', bodyEncoding: 'utf8', delayMs: '', grpc: noGrpc() },
    rewrite: { setMethod: false, method: 'GET', setUrl: false, url: '', setHeaders: false, headers: [], setBody: false, body: '', bodyEncoding: 'utf8' },
    mapRemote: { to: '', keepHostHeader: false },
    mapLocal: { path: '' },
    modify: emptyModify(),
    breakpoint: { on: 'both' },
    conditions: defaultConditionsForm(),
    wsMessage: { direction: 'both', find: '', syntax: 'text', flags: '', effect: 'replace', replace: '' },
    upstream: { proxy: '' },
    clientCert: { format: 'pem', pem: '', pkcs12: '', passphrase: '' },
    clients: '',
    profile: '',
    times: '',
  };
}

/** The form for a stored rule (or a draft handed to the editor). */
export function formFromRule(rule: RuleDraft): RuleForm {
  const form = emptyForm();
  form.id = rule.id;
  form.name = rule.name;
  form.enabled = rule.enabled ?? true;
  if (rule.priority !== undefined) form.priority = rule.priority;
  // The compiled regex is the store's; the form edits what the user wrote.
  form.matchers = rule.matchers.map((m) => (m.type === 'url' ? { type: 'url', pattern: m.pattern, syntax: m.syntax } : { ...m }));
  form.clients = (rule.scope?.clients ?? []).join(', ');
  form.profile = rule.scope?.profile ?? '';
  form.times = rule.times === undefined ? '' : String(rule.times);
  const a = rule.action;
  form.action = a.type;
  switch (a.type) {
    case 'mock':
      form.mock = {
        status: String(a.status),
        headers: a.headers.map(([n, v]) => [n, v]),
        body: a.body,
        bodyEncoding: a.bodyEncoding ?? 'utf8',
        delayMs: a.delayMs ? String(a.delayMs) : '',
        grpc: a.grpc ? { on: true, status: String(a.grpc.status), message: a.grpc.message ?? '', json: a.grpc.json ?? '' } : noGrpc(),
      };
      break;
    case 'mock-request':
      form.rewrite = {
        setMethod: a.method !== undefined,
        method: a.method ?? 'GET',
        setUrl: a.url !== undefined,
        url: a.url ?? '',
        setHeaders: a.headers !== undefined,
        headers: (a.headers ?? []).map(([n, v]) => [n, v]),
        setBody: a.body !== undefined,
        body: a.body ?? '',
        bodyEncoding: a.bodyEncoding ?? 'utf8',
      };
      break;
    case 'map-remote':
      form.mapRemote = { to: a.to, keepHostHeader: a.keepHostHeader ?? false };
      break;
    case 'map-local':
      form.mapLocal = { path: a.path };
      break;
    case 'rewrite':
      form.modify = modifyForm(a);
      break;
    case 'breakpoint':
      form.breakpoint = { on: a.on };
      break;
    case 'conditions':
      form.conditions = conditionsForm(a.conditions);
      break;
    case 'ws-message':
      form.wsMessage = { direction: a.direction, find: a.find, syntax: a.syntax, flags: a.flags ?? '', effect: a.effect, replace: a.replace ?? '' };
      break;
    case 'upstream-proxy':
      form.upstream = { proxy: a.proxy };
      break;
    case 'client-certificate':
      form.clientCert = { format: 'pem', pem: '', pkcs12: '', passphrase: '', certificate: a.certificate, subject: a.subject };
      break;
  }
  return form;
}

/** A typed number stays a number; anything else goes as typed, for validateRule to name. */
function numberOrText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function actionOf(form: RuleForm): Record<string, unknown> {
  switch (form.action) {
    case 'mock': {
      const delay = numberOrText(form.mock.delayMs);
      const grpc = form.mock.grpc;
      if (grpc.on) {
        return {
          type: 'mock',
          grpc: { status: numberOrText(grpc.status), ...(grpc.message ? { message: grpc.message } : {}), ...(grpc.json.trim() ? { json: grpc.json } : {}) },
          ...(delay !== undefined && delay !== 0 ? { delayMs: delay } : {}),
        };
      }
      return {
        type: 'mock',
        status: numberOrText(form.mock.status),
        headers: form.mock.headers,
        body: form.mock.body,
        ...(form.mock.bodyEncoding === 'base64' ? { bodyEncoding: 'base64' } : {}),
        ...(delay !== undefined && delay !== 0 ? { delayMs: delay } : {}),
      };
    }
    case 'mock-request': {
      const r = form.rewrite;
      return {
        type: 'mock-request',
        ...(r.setMethod ? { method: r.method } : {}),
        ...(r.setUrl ? { url: r.url } : {}),
        ...(r.setHeaders ? { headers: r.headers } : {}),
        ...(r.setBody ? { body: r.body, ...(r.bodyEncoding === 'base64' ? { bodyEncoding: 'base64' } : {}) } : {}),
      };
    }
    case 'map-remote':
      return { type: 'map-remote', to: form.mapRemote.to, ...(form.mapRemote.keepHostHeader ? { keepHostHeader: true } : {}) };
    case 'map-local':
      return { type: 'map-local', path: form.mapLocal.path };
    case 'rewrite':
      return modifyAction(form.modify, numberOrText);
    case 'breakpoint':
      return { type: 'breakpoint', on: form.breakpoint.on };
    case 'conditions':
      return { type: 'conditions', conditions: conditionsOf(form.conditions) };
    case 'ws-message': {
      const w = form.wsMessage;
      return {
        type: 'ws-message',
        direction: w.direction,
        find: w.find,
        syntax: w.syntax,
        ...(w.syntax === 'regex' && w.flags ? { flags: w.flags } : {}),
        effect: w.effect,
        ...(w.effect === 'replace' ? { replace: w.replace } : {}),
      };
    }
    case 'passthrough':
    case 'do-not-record':
      return { type: form.action };
    case 'upstream-proxy':
      return { type: 'upstream-proxy', proxy: form.upstream.proxy };
    case 'client-certificate': {
      const c = form.clientCert;
      if (c.format === 'pem' && c.pem.trim()) return { type: 'client-certificate', pem: c.pem, ...(c.passphrase ? { passphrase: c.passphrase } : {}) };
      if (c.format === 'pkcs12' && c.pkcs12) return { type: 'client-certificate', pkcs12: c.pkcs12, passphrase: c.passphrase };
      return { type: 'client-certificate', ...(c.certificate ? { certificate: c.certificate } : {}), ...(c.subject ? { subject: c.subject } : {}) };
    }
  }
}

/** What rules.save gets. Unchecked on purpose: validateRule (here and on save) names what is wrong. */
export function draftOf(form: RuleForm): RuleDraft {
  const clients = form.clients.split(/[\s,]+/).filter(Boolean);
  const times = numberOrText(form.times);
  const draft: Record<string, unknown> = {
    name: form.name,
    enabled: form.enabled,
    matchers: form.matchers.map((m) => (m.type === 'header' && !m.value ? { type: 'header', name: m.name } : m)),
    action: actionOf(form),
    scope: { ...(clients.length ? { clients } : {}), ...(form.profile ? { profile: form.profile } : {}) },
  };
  if (form.id) draft.id = form.id;
  if (form.priority !== undefined) draft.priority = form.priority;
  if (times !== undefined) draft.times = times;
  return draft as unknown as RuleDraft;
}

export type FormCheck = { ok: true; rule: Rule; explanation: string } | { ok: false; errors: FieldError[] };

/** The same check the core makes on save, run as the user types. */
export function checkForm(form: RuleForm, profiles: readonly DeviceProfile[]): FormCheck {
  const draft = draftOf(form);
  const checked = validateRule({ ...draft, id: draft.id ?? 'unsaved' });
  if (!checked.ok) return checked;
  return { ok: true, rule: checked.rule, explanation: explainRule(checked.rule, profiles) };
}

/** Messages for one field and everything under it (`action` covers `action.status`, `action.headers[2]` …). */
export function messagesFor(errors: readonly FieldError[], prefix: string): string[] {
  return errors.filter((e) => e.field === prefix || e.field.startsWith(`${prefix}.`) || e.field.startsWith(`${prefix}[`)).map((e) => e.message);
}

export function firstMessage(errors: readonly FieldError[], prefix: string): string | undefined {
  return messagesFor(errors, prefix)[0];
}

/** Row messages of a list field (`action.headers[2]` → { 2: message }). */
export function rowMessages(errors: readonly FieldError[], prefix: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const e of errors) {
    const m = new RegExp(`^${escapeRegex(prefix)}\\[(\\d+)\\]`).exec(e.field);
    if (m) out[Number(m[1])] ??= e.message;
  }
  return out;
}

/** Client-list messages, naming the entry (`scope.clients[1]` → `10.0.0.300: …`). */
export function clientMessages(errors: readonly FieldError[], clients: string): string[] {
  const list = clients.split(/[\s,]+/).filter(Boolean);
  return errors
    .filter((e) => e.field.startsWith('scope.clients'))
    .map((e) => {
      const m = /\[(\d+)\]/.exec(e.field);
      return m && list[Number(m[1])] !== undefined ? `${list[Number(m[1])]}: ${e.message}` : e.message;
    });
}

// ---- from a captured flow

export type FlowRuleKind = 'mock' | 'mock-request' | 'map-remote' | 'breakpoint';

/** scheme://host[:port]/* : every path on the flow's origin. */
export function originPattern(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url);
  return m ? `${m[1]}/*` : url;
}

function originOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url);
  return m ? m[1] : '';
}

/** Headers that describe the bytes on the wire, not the message: a mock's body is framed anew. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'date']);
const withoutFraming = (headers: Headers): Headers => headers.filter(([name]) => !FRAMING.has(name.toLowerCase())).map(([n, v]) => [n, v]);

async function bodyText(client: ApiClient, flow: Flow, side: 'request' | 'response'): Promise<{ body: string; bodyEncoding: BodyEncoding; truncated: boolean }> {
  const ref = side === 'request' ? flow.request.body : flow.response?.body;
  if (!ref || (ref.size === 0 && ref.storedSize === 0)) return { body: '', bodyEncoding: 'utf8', truncated: false };
  const result = await client.call('flows.body', { id: flow.id, side, decode: true });
  if (!result) return { body: '', bodyEncoding: 'utf8', truncated: false };
  const body = editableBody(result.base64);
  return body.kind === 'text' ? { body: body.text, bodyEncoding: 'utf8', truncated: result.truncated } : { body: body.base64, bodyEncoding: 'base64', truncated: result.truncated };
}

function shortPath(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split('?')[0] || '/';
  return path.length > 48 ? `…${path.slice(-47)}` : path;
}

/**
 * The URL scope each rule from a flow starts with, as its menu label says: a mock or rewrite is for this
 * endpoint (its path, whatever the query); "Breakpoint on this URL" is for this very URL. The editor offers
 * the other scopes (url-scopes.ts) with a live preview.
 */
export const DEFAULT_SCOPE: Record<Exclude<FlowRuleKind, 'map-remote'>, UrlScope> = {
  mock: 'path',
  'mock-request': 'path',
  breakpoint: 'exact',
};

/** The URL the client asked for: rules match that, not what a rule turned it into. */
export function requestedUrl(flow: Flow): string {
  return flow.original?.request?.url ?? flow.request.url;
}

/** The editor filled from a real exchange: its URL condition, method, headers and (decoded) body. */
export async function formFromFlow(client: ApiClient, flow: Flow, kind: FlowRuleKind): Promise<{ form: RuleForm; note?: string }> {
  const form = emptyForm();
  const { method, url } = flow.request;
  const asked = requestedUrl(flow);
  const conditions: Matcher[] = kind === 'map-remote' ? [] : [{ type: 'method', method: flow.original?.request?.method ?? method }, scopeMatcher(asked, DEFAULT_SCOPE[kind])];
  let note: string | undefined;
  form.action = kind;
  switch (kind) {
    case 'mock': {
      form.name = `Mock ${method} ${shortPath(asked)}`;
      form.matchers = conditions;
      const response = flow.response;
      const body = await bodyText(client, flow, 'response');
      form.mock = {
        status: String(response?.status ?? 200),
        headers: response ? withoutFraming(response.headers) : [['Content-Type', 'application/json']],
        body: body.body,
        bodyEncoding: body.bodyEncoding,
        delayMs: '',
        // A gRPC call is answered as one: its status; the reply is written as JSON (the schema encodes it).
        grpc: flow.grpc ? { on: true, status: String(flow.grpc.status ?? 0), message: flow.grpc.message ?? '', json: '' } : noGrpc(),
      };
      if (!response) note = 'This flow has no response yet: fill in the answer.';
      else if (body.truncated) note = 'The stored response body was truncated: the mock holds only its first part.';
      break;
    }
    case 'mock-request': {
      form.name = `Rewrite ${method} ${shortPath(asked)}`;
      form.matchers = conditions;
      const body = await bodyText(client, flow, 'request');
      form.rewrite = {
        setMethod: true,
        method,
        setUrl: true,
        url,
        setHeaders: true,
        headers: flow.request.headers.filter(([name]) => !['content-length', 'transfer-encoding'].includes(name.toLowerCase())).map(([n, v]) => [n, v]),
        setBody: body.body !== '',
        body: body.body,
        bodyEncoding: body.bodyEncoding,
      };
      if (body.truncated) note = 'The stored request body was truncated: the rewrite holds only its first part.';
      break;
    }
    case 'map-remote':
      form.name = `Map ${originOf(asked).replace(/^[a-z]+:\/\//i, '')}`;
      form.matchers = [{ type: 'url', pattern: originPattern(asked), syntax: 'wildcard' }];
      form.mapRemote = { to: originOf(asked), keepHostHeader: false };
      note = 'Change the target to where these requests should go instead (scheme, host, port, path prefix).';
      break;
    case 'breakpoint':
      form.name = `Pause ${method} ${shortPath(asked)}`;
      form.matchers = conditions;
      form.breakpoint = { on: 'both' };
      break;
  }
  return note ? { form, note } : { form };
}
