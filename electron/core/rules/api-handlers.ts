/**
 * The API's rules, profiles and breakpoints methods (electron/common/api.ts) over the rules service.
 * createApiHandlers (../api/handlers.ts) spreads these in. Params are untrusted: shapes are checked here,
 * rule contents by validateRule in the store (a refusal is an 'invalid-rule' error naming each field).
 */
import { ApiError, type ApiHandlers, type ProfileShare } from '../../common/api';
import type { MockAnswer, RequestEdits, ResponseEdits } from '../../common/breakpoint';
import { decodeProfileLink, parseProfileExport, profileShareLink, profileShareUrl, toProfileExport } from '../../common/profile-share';
import { validateRule } from '../../common/rule-validate';
import { optionalInteger, optionalString, paramsObject, requiredId, requiredIds, type Params } from '../../common/api-params';
import type { RulesService } from './index';
import { importProfile } from './profiles';

export type RuleMethod =
  | 'rules.list'
  | 'rules.save'
  | 'rules.delete'
  | 'rules.reorder'
  | 'rules.explain'
  | 'profiles.list'
  | 'profiles.save'
  | 'profiles.delete'
  | 'profiles.copy'
  | 'profiles.export'
  | 'profiles.import'
  | 'breakpoints.list'
  | 'breakpoints.resume'
  | 'breakpoints.abort'
  | 'breakpoints.answer'
  | 'breakpoints.settings';

const MAX_LINK = 4_000_000;
const MAX_URL = 2000;
/** A pause may wait from one second to a day. */
const MIN_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 24 * 60 * 60_000;

function requiredObject(method: string, p: Params, name: string): Record<string, unknown> {
  const v = p[name];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(`${method}: param '${name}' must be an object`, 'bad-params');
  return v as Record<string, unknown>;
}

function stringList(method: string, p: Params, name: string, optional: boolean): string[] | undefined {
  const v = p[name];
  if (v === undefined && optional) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ApiError(`${method}: param '${name}' must be an array of strings`, 'bad-params');
  return v as string[];
}

export function createRuleApiHandlers(rules: RulesService): Pick<ApiHandlers, RuleMethod> {
  const { store, breakpoints } = rules;
  const ready = async () => rules.ready;
  const pausedCount = () => ({ paused: breakpoints.size });
  return {
    async 'rules.list'(params) {
      paramsObject('rules.list', params, []);
      await ready();
      return store.state();
    },
    async 'rules.save'(params) {
      const p = paramsObject('rules.save', params, ['rule']);
      await ready();
      return store.save(requiredObject('rules.save', p, 'rule'));
    },
    async 'rules.delete'(params) {
      const p = paramsObject('rules.delete', params, ['ids']);
      const ids = requiredIds('rules.delete', p, 'ids');
      await ready();
      return { removed: await store.delete(ids) };
    },
    async 'rules.reorder'(params) {
      const p = paramsObject('rules.reorder', params, ['ids']);
      const ids = requiredIds('rules.reorder', p, 'ids');
      await ready();
      return store.reorder(ids);
    },
    async 'rules.explain'(params) {
      const p = paramsObject('rules.explain', params, ['rule']);
      await ready();
      return { explanation: store.explain(requiredObject('rules.explain', p, 'rule')) };
    },
    async 'profiles.list'(params) {
      paramsObject('profiles.list', params, []);
      await ready();
      return store.profileList();
    },
    async 'profiles.save'(params) {
      const p = paramsObject('profiles.save', params, ['profile']);
      await ready();
      return store.saveProfile(requiredObject('profiles.save', p, 'profile'));
    },
    async 'profiles.delete'(params) {
      const p = paramsObject('profiles.delete', params, ['id']);
      const id = requiredId('profiles.delete', p, 'id');
      await ready();
      return { removed: await store.deleteProfile(id) };
    },
    async 'profiles.copy'(params) {
      const m = 'profiles.copy';
      const p = paramsObject(m, params, ['id', 'clients', 'name']);
      const id = requiredId(m, p, 'id');
      const clients = stringList(m, p, 'clients', false)!;
      const name = optionalString(m, p, 'name', 200);
      await ready();
      const source = store.profile(id);
      return importProfile(store, toProfileExport(source, Date.now()), { clients, name: name ?? `${source.name} (copy)` });
    },
    async 'profiles.export'(params) {
      const m = 'profiles.export';
      const p = paramsObject(m, params, ['id', 'uiUrl']);
      const id = requiredId(m, p, 'id');
      const uiUrl = optionalString(m, p, 'uiUrl', MAX_URL);
      if (uiUrl !== undefined && !/^https?:\/\/[^/?#]+/i.test(uiUrl)) throw new ApiError(`${m}: param 'uiUrl' must be an http(s) URL`, 'bad-params');
      await ready();
      const document = toProfileExport(store.profile(id), Date.now());
      const share: ProfileShare = { document, link: profileShareLink(document) };
      if (uiUrl !== undefined) share.url = profileShareUrl(uiUrl, document);
      return share;
    },
    async 'profiles.import'(params) {
      const m = 'profiles.import';
      const p = paramsObject(m, params, ['document', 'link', 'clients', 'name']);
      const link = optionalString(m, p, 'link', MAX_LINK);
      if ((link === undefined) === (p.document === undefined)) throw new ApiError(`${m}: give either 'document' or 'link'`, 'bad-params');
      const clients = stringList(m, p, 'clients', true);
      const name = optionalString(m, p, 'name', 200);
      const parsed = link !== undefined ? decodeProfileLink(link) : parseProfileExport(p.document);
      if (!parsed.ok) throw new ApiError(`${m}: ${parsed.error}`, 'invalid-rule');
      await ready();
      return importProfile(store, parsed.value, { clients, name });
    },
    async 'breakpoints.list'(params) {
      paramsObject('breakpoints.list', params, []);
      return { paused: breakpoints.list(), timeoutMs: rules.breakpointTimeout() };
    },
    async 'breakpoints.resume'(params) {
      const p = paramsObject('breakpoints.resume', params, ['id', 'edits']);
      const id = requiredId('breakpoints.resume', p, 'id');
      const edits = p.edits === undefined ? undefined : checkEdits('breakpoints.resume', requiredObject('breakpoints.resume', p, 'edits'));
      await breakpoints.decide(id, { type: 'resume', edits });
      return pausedCount();
    },
    async 'breakpoints.abort'(params) {
      const p = paramsObject('breakpoints.abort', params, ['id']);
      await breakpoints.decide(requiredId('breakpoints.abort', p, 'id'), { type: 'abort' });
      return pausedCount();
    },
    async 'breakpoints.answer'(params) {
      const m = 'breakpoints.answer';
      const p = paramsObject(m, params, ['id', 'response']);
      const id = requiredId(m, p, 'id');
      await breakpoints.decide(id, { type: 'answer', response: checkAnswer(m, requiredObject(m, p, 'response')) });
      return pausedCount();
    },
    async 'breakpoints.settings'(params) {
      const p = paramsObject('breakpoints.settings', params, ['timeoutMs']);
      const timeoutMs = optionalInteger('breakpoints.settings', p, 'timeoutMs', MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
      await ready();
      if (timeoutMs !== undefined) await rules.setBreakpointTimeout(timeoutMs);
      return { timeoutMs: rules.breakpointTimeout() };
    },
  };
}

/**
 * Edits and answers are checked by the same gate as a rule's action (validateRule): a request edit is a
 * mock-request action, a response edit or answer a mock action. Errors name the param's own fields.
 */
function checkAsAction(method: string, param: string, action: Record<string, unknown>): void {
  const checked = validateRule({ id: 'check', name: 'check', matchers: [], action });
  if (checked.ok) return;
  const first = checked.errors[0];
  throw new ApiError(`${method}: ${first.field.replace(/^action\b/, param)}: ${first.message}`, 'bad-params');
}

function checkEdits(method: string, edits: Record<string, unknown>): RequestEdits | ResponseEdits {
  const { statusText, ...rest } = edits;
  if (statusText !== undefined && (typeof statusText !== 'string' || /[\r\n]/.test(statusText))) {
    throw new ApiError(`${method}: edits.statusText: must be one line of text`, 'bad-params');
  }
  const isResponse = 'status' in edits || 'statusText' in edits;
  if (isResponse) checkAsAction(method, 'edits', { headers: [], body: '', ...rest, status: rest.status ?? 200, type: 'mock' });
  else checkAsAction(method, 'edits', { ...rest, type: 'mock-request' });
  return edits as RequestEdits | ResponseEdits;
}

function checkAnswer(method: string, response: Record<string, unknown>): MockAnswer {
  const { statusText, ...rest } = response;
  if (statusText !== undefined && (typeof statusText !== 'string' || /[\r\n]/.test(statusText))) {
    throw new ApiError(`${method}: response.statusText: must be one line of text`, 'bad-params');
  }
  checkAsAction(method, 'response', { headers: [], body: '', ...rest, type: 'mock' });
  return { headers: [], body: '', ...(response as Partial<MockAnswer>) } as MockAnswer;
}
