/**
 * The API's replay, composer and diff methods (flows.replay, flows.send, flows.draft, flows.diff) over the
 * core's replay service (a pasted curl command is read by flows.parseCurl in ../import/api-handlers.ts). createApiHandlers (../api/handlers.ts) spreads these in.
 * Params are untrusted: every shape is checked here before the service sees it.
 */
import { ApiError, type ApiErrorCode, type ApiHandlers } from '../../common/api';
import { diffFlows } from '../../common/diff';
import { toSummary, type Headers } from '../../common/flow';
import { RULE_CHOICES, type OutgoingRequest, type ReplayOutcome, type ReplayRefusal, type RuleChoice } from '../../common/replay';
import { optionalBoolean, optionalString, paramsObject, requiredId, requiredIds, requiredOneOf, type Params } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { diffInput } from './diff-input';
import { ReplayError } from './service';

export type ReplayMethod = 'flows.replay' | 'flows.send' | 'flows.draft' | 'flows.diff';

/** Replays asked for in one call: enough for a large selection, sent one after another. */
const MAX_REPLAY_IDS = 10_000;
const MAX_URL = 64 * 1024;
const MAX_HEADERS = 1000;
const MAX_HEADER_CHARS = 64 * 1024;
/** A composed body travels inside one API message; stored bodies are capped at 10 MB, base64 adds a third. */
const MAX_BODY_CHARS = 16 * 1024 * 1024;
const MAX_VOLATILE = 200;

const API_CODE: Record<ReplayRefusal, ApiErrorCode> = {
  'not-found': 'not-found',
  truncated: 'bad-params',
  unsupported: 'bad-params',
  invalid: 'bad-params',
  failed: 'replay-failed',
};

function bad(method: string, what: string): ApiError {
  return new ApiError(`${method}: ${what}`, 'bad-params');
}

function optionalRules(method: string, p: Params): RuleChoice | undefined {
  return p.rules === undefined ? undefined : requiredOneOf(method, p, 'rules', RULE_CHOICES);
}

function headerList(method: string, value: unknown, name: string): Headers {
  if (!Array.isArray(value) || value.length > MAX_HEADERS) throw bad(method, `${name} must be an array of at most ${MAX_HEADERS} [name, value] pairs`);
  return value.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string' || pair[0].length + pair[1].length > MAX_HEADER_CHARS) {
      throw bad(method, `${name}[${i}] must be a [name, value] pair of strings`);
    }
    return [pair[0], pair[1]] as [string, string];
  });
}

function outgoingRequest(method: string, value: unknown): OutgoingRequest {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(method, "param 'request' must be an object { method, url, headers, body?, bodyEncoding?, trailers? }");
  const r = paramsObject(method, value, ['method', 'url', 'headers', 'body', 'bodyEncoding', 'trailers']);
  if (typeof r.method !== 'string' || r.method.length === 0 || r.method.length > 100) throw bad(method, 'request.method must be a non-empty string');
  if (typeof r.url !== 'string' || r.url.length === 0 || r.url.length > MAX_URL) throw bad(method, `request.url must be a URL of at most ${MAX_URL} characters`);
  const request: OutgoingRequest = { method: r.method, url: r.url, headers: headerList(method, r.headers, 'request.headers') };
  const body = optionalString(method, r, 'body', MAX_BODY_CHARS);
  if (body !== undefined) request.body = body;
  if (r.bodyEncoding !== undefined) request.bodyEncoding = requiredOneOf(method, r, 'bodyEncoding', ['utf8', 'base64'] as const);
  if (r.trailers !== undefined) request.trailers = headerList(method, r.trailers, 'request.trailers');
  return request;
}

function volatileLists(method: string, value: unknown): { request?: string[]; response?: string[] } | undefined {
  if (value === undefined) return undefined;
  const v = paramsObject(method, value, ['request', 'response']);
  const list = (side: 'request' | 'response') => {
    const names = v[side];
    if (names === undefined) return undefined;
    if (!Array.isArray(names) || names.length > MAX_VOLATILE || names.some((n) => typeof n !== 'string' || n.length > 200)) throw bad(method, `volatile.${side} must be an array of header names`);
    return names as string[];
  };
  const out: { request?: string[]; response?: string[] } = {};
  const request = list('request');
  const response = list('response');
  if (request) out.request = request;
  if (response) out.response = response;
  return out;
}

function asApiError(err: unknown): unknown {
  return err instanceof ReplayError ? new ApiError(err.message, API_CODE[err.code]) : err;
}

export function createReplayApiHandlers(core: AnyCore): Pick<ApiHandlers, ReplayMethod> {
  const { store, replay } = core;
  return {
    async 'flows.replay'(params) {
      const m = 'flows.replay';
      const p = paramsObject(m, params, ['ids', 'rules', 'allowTruncated']);
      const ids = requiredIds(m, p, 'ids');
      if (ids.length > MAX_REPLAY_IDS) throw bad(m, `at most ${MAX_REPLAY_IDS} flows per call`);
      const rules = optionalRules(m, p);
      const allowTruncated = optionalBoolean(m, p, 'allowTruncated') ?? false;
      const results = await replay.replay(ids, { rules, allowTruncated });
      return { results: results.map((r): ReplayOutcome => ('flow' in r ? { of: r.of, flow: toSummary(r.flow) } : r)) };
    },
    async 'flows.send'(params) {
      const m = 'flows.send';
      const p = paramsObject(m, params, ['request', 'basedOn', 'rules']);
      const request = outgoingRequest(m, p.request);
      const basedOn = p.basedOn === undefined ? undefined : requiredId(m, p, 'basedOn');
      const rules = optionalRules(m, p);
      try {
        return toSummary(await replay.send(request, { basedOn, rules }));
      } catch (err) {
        throw asApiError(err);
      }
    },
    async 'flows.draft'(params) {
      const p = paramsObject('flows.draft', params, ['id']);
      const id = requiredId('flows.draft', p, 'id');
      try {
        return await replay.draft(id);
      } catch (err) {
        throw asApiError(err);
      }
    },
    async 'flows.diff'(params) {
      const m = 'flows.diff';
      const p = paramsObject(m, params, ['a', 'b', 'hideVolatile', 'volatile']);
      const ids = [requiredId(m, p, 'a'), requiredId(m, p, 'b')];
      const hideVolatile = optionalBoolean(m, p, 'hideVolatile') ?? true;
      const volatile = volatileLists(m, p.volatile);
      await store.ready;
      const flows = await Promise.all(ids.map((id) => store.get(id)));
      flows.forEach((f, i) => {
        if (!f) throw new ApiError(`no flow ${ids[i]}`, 'not-found');
      });
      const [a, b] = await Promise.all(flows.map((f) => diffInput(store, f!)));
      return diffFlows(a, b, { hideVolatile, ...(volatile ? { volatile } : {}) });
    },
  };
}
