/**
 * The API's session replay (`sessions.replay`), behind the app's "Replay against…": the selected or
 * filtered flows sent to another origin and compared, answered with the whole SessionReport when all are
 * done. It runs the same engine as `hindsight replay --to` (session-replay.ts) over this core's own replay
 * and diff handlers. Params are untrusted and checked here.
 */
import { ApiError, type ApiClient, type ApiHandlers } from '../../common/api';
import { compileFilter, FilterError } from '../../common/filter';
import { RULE_CHOICES } from '../../common/replay';
import { parseIgnore } from '../../common/session-report';
import { optionalInteger, optionalString, paramsObject, requiredIds, requiredOneOf, type Params } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { matchingIds, storeSource } from '../export/source';
import { createReplayApiHandlers } from '../replay/api-handlers';
import { MAX_CONCURRENCY, replaySession } from './session-replay';
import { parseHeaderOverride, parseMap, parseOrigin, type Retarget } from './target';

export type AutomationMethod = 'sessions.replay';

/** One call waits for every replay; past this, the CLI (which streams nothing but takes any count) is the tool. */
export const MAX_SESSION_FLOWS = 2000;
const MAX_LIST = 100;

function strings(method: string, p: Params, name: string): string[] {
  const v = p[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_LIST || v.some((s) => typeof s !== 'string' || s.length > 8192)) throw new ApiError(`${method}: ${name} must be an array of at most ${MAX_LIST} strings`, 'bad-params');
  return v as string[];
}

export function createAutomationApiHandlers(core: AnyCore): Pick<ApiHandlers, AutomationMethod> {
  const replay = createReplayApiHandlers(core);
  const handlers = { ...replay, 'flows.get': async ({ id }: { id: string }) => core.store.get(id) } as const;
  // The engine speaks the API; here it is answered by the handlers directly, without a transport.
  const api = { call: ((method: keyof typeof handlers, params: never) => (handlers[method] as (p: never) => Promise<unknown>)(params)) as ApiClient['call'] };
  return {
    async 'sessions.replay'(params) {
      const m = 'sessions.replay';
      const p = paramsObject(m, params, ['ids', 'filter', 'to', 'map', 'headers', 'ignore', 'concurrency', 'delayMs', 'rules']);
      const filter = optionalString(m, p, 'filter', 10_000);
      if ((p.ids === undefined) === (filter === undefined)) throw new ApiError(`${m}: give ids or filter (one of the two)`, 'bad-params');
      let retarget: Retarget;
      let ignore;
      try {
        const to = optionalString(m, p, 'to', 2000);
        retarget = { ...(to ? { to: parseOrigin(to, 'to') } : {}), map: strings(m, p, 'map').map(parseMap), headers: strings(m, p, 'headers').map(parseHeaderOverride) };
        ignore = parseIgnore(strings(m, p, 'ignore'));
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError(`${m}: ${(err as Error).message}`, 'bad-params');
      }
      if (!retarget.to && retarget.map.length === 0) throw new ApiError(`${m}: give 'to' (an origin) or 'map'`, 'bad-params');
      const rules = p.rules === undefined ? undefined : requiredOneOf(m, p, 'rules', RULE_CHOICES);
      await core.store.ready;
      let ids: string[];
      if (filter !== undefined) {
        try {
          compileFilter(filter);
        } catch (err) {
          if (err instanceof FilterError) throw new ApiError(`${m}: ${err.message}`, 'bad-filter', { start: err.start, end: err.end });
          throw err;
        }
        ids = await matchingIds(storeSource(core.store), filter);
      } else {
        ids = requiredIds(m, p, 'ids');
      }
      if (ids.length > MAX_SESSION_FLOWS) throw new ApiError(`${m}: ${ids.length} flows is more than ${MAX_SESSION_FLOWS} at once; narrow the filter or use \`hindsight replay --to\``, 'bad-params');
      return replaySession(api, ids, {
        retarget,
        ignore,
        ignoreText: strings(m, p, 'ignore'),
        concurrency: optionalInteger(m, p, 'concurrency', 1, MAX_CONCURRENCY) ?? 1,
        delayMs: optionalInteger(m, p, 'delayMs', 0, 60_000) ?? 0,
        ...(rules ? { rules } : {}),
        describeA: filter !== undefined ? `flows matching '${filter}'` : `${ids.length} selected flows`,
      });
    },
  };
}
