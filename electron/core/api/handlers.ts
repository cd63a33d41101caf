/**
 * The API's methods over the core's services. Every transport (Electron IPC, WebSocket, in-memory)
 * dispatches into these after the allow-list check in dispatcher.ts; params are untrusted and checked
 * here, one helper per kind of value (params.ts), so a wrong call fails with a message naming the param.
 */
import { ApiError, type ApiHandlers, type BodyResult } from '../../common/api';
import type { BodySide } from '../../common/flow';
import type { AnyCore } from '../core-types';
import { createTeamApiHandlers } from '../devices/api-handlers';
import { createAutomationApiHandlers } from '../automation/api-handlers';
import { createExportApiHandlers } from '../export/api-handlers';
import { createImportApiHandlers } from '../import/api-handlers';
import { createInspectApiHandlers } from '../inspect/api-handlers';
import { createReportApiHandlers } from '../report/api-handlers';
import { createReplayApiHandlers } from '../replay/api-handlers';
import { createRuleApiHandlers } from '../rules/api-handlers';
import { UpstreamCaError } from '../capture/upstream-ca';
import { readFlowBody } from '../store/body-read';
import { queryStore } from '../store/message-filter';
import { createMessageApiHandlers } from './messages';
import { MAX_FLOW_PAGE } from '../../common/flow-pages';
import { createGrpcApiHandlers } from '../grpc/api-handlers';
import { createHttp2ApiHandlers } from '../capture/h2/api-handlers';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  paramsObject,
  requiredBoolean,
  requiredId,
  requiredIds,
  requiredOneOf,
} from '../../common/api-params';

const MAX_FILTER_LENGTH = 10_000;
/** A CA bundle pasted into Settings: a company bundle of a few hundred certificates fits. */
const MAX_CA_BUNDLE = 4 * 1024 * 1024;
const SIDES: readonly BodySide[] = ['request', 'response'];

export function createApiHandlers(core: AnyCore): ApiHandlers {
  const { store } = core;
  return {
    // rules.*, profiles.*, breakpoints.*: electron/core/rules/api-handlers.ts
    ...createRuleApiHandlers(core.rules),
    // flows.replay, flows.send, flows.draft, flows.diff: electron/core/replay/api-handlers.ts
    ...createReplayApiHandlers(core),
    // export.flows, export.ticket: electron/core/export/api-handlers.ts
    ...createExportApiHandlers(core),
    // inspect.list, inspect.start, inspect.stop: electron/core/inspect/api-handlers.ts
    ...createInspectApiHandlers(core.inspect),
    // sessions.replay: electron/core/automation/api-handlers.ts
    ...createAutomationApiHandlers(core),
    // report.endpoints, report.errors, report.coverage, report.html: electron/core/report/api-handlers.ts
    ...createReportApiHandlers(core),
    // flows.messages, flows.sendMessage: electron/core/api/messages.ts
    ...createMessageApiHandlers(core),
    // flows.import, flows.parseCurl: electron/core/import/api-handlers.ts
    ...createImportApiHandlers(core),
    // session.get, devices.bindCode (no one signed in; the UI server answers per user): electron/core/devices/api-handlers.ts
    ...createTeamApiHandlers(core),
    // grpc.protos, grpc.setProtos: electron/core/grpc/api-handlers.ts
    ...createGrpcApiHandlers(core),
    ...createHttp2ApiHandlers(core.http2),
    async 'status.get'(params) {
      paramsObject('status.get', params, []);
      return core.status();
    },
    async 'capture.set'(params) {
      const p = paramsObject('capture.set', params, ['enabled']);
      core.setCapture(requiredBoolean('capture.set', p, 'enabled'));
      return core.status();
    },
    // Answered by the headless server (server/ui-server.ts), which has a token; the desktop window has none.
    async 'token.rotate'() {
      throw new ApiError('token.rotate: only hindsight serve has a UI token (the desktop window needs none)', 'unavailable');
    },
    async 'flows.query'(params) {
      const m = 'flows.query';
      const p = paramsObject(m, params, ['filter', 'before', 'limit', 'beforeTime']);
      const filter = optionalString(m, p, 'filter', MAX_FILTER_LENGTH);
      const before = optionalInteger(m, p, 'before', 0, Number.MAX_SAFE_INTEGER);
      const limit = optionalInteger(m, p, 'limit', 1, MAX_FLOW_PAGE);
      const beforeTime = optionalInteger(m, p, 'beforeTime', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      await store.ready;
      try {
        return await queryStore(store, { filter, before, limit, beforeTime });
      } catch (err) {
        throw asFilterError(err) ?? err;
      }
    },
    async 'flows.get'(params) {
      const p = paramsObject('flows.get', params, ['id']);
      const id = requiredId('flows.get', p, 'id');
      await store.ready;
      return store.get(id);
    },
    async 'flows.body'(params) {
      const m = 'flows.body';
      const p = paramsObject(m, params, ['id', 'side', 'decode']);
      const id = requiredId(m, p, 'id');
      const side = requiredOneOf(m, p, 'side', SIDES);
      const decode = optionalBoolean(m, p, 'decode') ?? false;
      await store.ready;
      const body = await readFlowBody(store, id, side, decode);
      if (!body) return null;
      const result: BodyResult = {
        base64: body.bytes.toString('base64'),
        size: body.ref.size,
        storedSize: body.ref.storedSize,
        truncated: body.ref.truncated,
        decoded: body.decoded,
      };
      if (body.ref.contentType) result.contentType = body.ref.contentType;
      if (body.ref.encoding) result.encoding = body.ref.encoding;
      if (body.decodeError) result.decodeError = body.decodeError;
      return result;
    },
    async 'flows.pin'(params) {
      const p = paramsObject('flows.pin', params, ['ids', 'pinned']);
      const ids = requiredIds('flows.pin', p, 'ids');
      const pinned = requiredBoolean('flows.pin', p, 'pinned');
      await store.ready;
      return { changed: await store.pin(ids, pinned) };
    },
    async 'flows.delete'(params) {
      const p = paramsObject('flows.delete', params, ['ids']);
      const ids = requiredIds('flows.delete', p, 'ids');
      await store.ready;
      return { removed: await store.delete(ids) };
    },
    async 'flows.clear'(params) {
      const p = paramsObject('flows.clear', params, ['includePinned']);
      const includePinned = optionalBoolean('flows.clear', p, 'includePinned') ?? false;
      await store.ready;
      return { removed: await store.clear({ includePinned }) };
    },
    async 'ca.get'(params) {
      paramsObject('ca.get', params, []);
      return core.ca.info();
    },
    async 'conditions.set'(params) {
      const p = paramsObject('conditions.set', params, ['enabled']);
      return core.setConditionsEnabled(requiredBoolean('conditions.set', p, 'enabled'));
    },
    async 'upstreamCa.get'(params) {
      paramsObject('upstreamCa.get', params, []);
      return core.upstreamCa.info();
    },
    async 'upstreamCa.set'(params) {
      const p = paramsObject('upstreamCa.set', params, ['pem']);
      const pem = optionalString('upstreamCa.set', p, 'pem', MAX_CA_BUNDLE) ?? '';
      try {
        return core.upstreamCa.save(pem);
      } catch (err) {
        if (err instanceof UpstreamCaError) throw new ApiError(`upstreamCa.set: ${err.message}`, 'bad-params');
        throw err;
      }
    },
    async 'upstreamCa.clear'(params) {
      paramsObject('upstreamCa.clear', params, []);
      return core.upstreamCa.clear();
    },
  };
}

/**
 * The store throws the filter parser's FilterError (electron/common/filter.ts) with the bad token's
 * offsets; it is recognised by shape so this layer does not depend on the parser's class identity.
 */
function asFilterError(err: unknown): ApiError | undefined {
  if (!(err instanceof Error) || err.name !== 'FilterError') return undefined;
  const { start, end } = err as Error & { start?: unknown; end?: unknown };
  const range = typeof start === 'number' && typeof end === 'number' ? { start, end } : undefined;
  return new ApiError(err.message, 'bad-filter', range);
}
