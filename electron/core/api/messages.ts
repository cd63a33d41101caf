/**
 * The API's message methods (the messages inside WebSocket and SSE flows): a paged read of a flow's message
 * log, and sending a message into an open WebSocket. Live updates need no event of their own: a live flow's
 * totals change in its `flows/update` summaries, and a reader asks for the page after the last seq it has.
 */
import { ApiError, type ApiHandlers } from '../../common/api';
import { toFlowMessage } from '../store/flow-message';
import { InjectError } from '../capture/websocket/relay';
import { withDecodedGrpc } from '../grpc/decode';
import type { AnyCore } from '../core-types';
import { optionalInteger, optionalString, paramsObject, requiredId, requiredOneOf } from '../../common/api-params';

/** What one sent message may carry (the API is not a bulk upload path). */
const MAX_SEND_BYTES = 1024 * 1024;
const MAX_SEARCH = 1_000;
const FLOW_ID = /^[A-Za-z0-9_-]+$/;

export function createMessageApiHandlers(core: AnyCore): Pick<ApiHandlers, 'flows.messages' | 'flows.sendMessage'> {
  const { store } = core;
  return {
    async 'flows.messages'(params) {
      const m = 'flows.messages';
      const p = paramsObject(m, params, ['id', 'after', 'limit', 'search']);
      const id = requiredId(m, p, 'id');
      const after = optionalInteger(m, p, 'after', 0, Number.MAX_SAFE_INTEGER);
      const limit = optionalInteger(m, p, 'limit', 1, 1000);
      const search = optionalString(m, p, 'search', MAX_SEARCH);
      await store.ready;
      if (!FLOW_ID.test(id)) return null;
      const flow = await store.get(id);
      if (!flow) return null;
      if (!flow.messages) return { messages: [], stored: 0 };
      const page = await store.messages.read(id, { after, limit, search: search || undefined });
      const result = { messages: withDecodedGrpc(flow, page.messages.map(toFlowMessage), core.protos), stored: page.stored };
      return page.next === undefined ? result : { ...result, next: page.next };
    },
    async 'flows.sendMessage'(params) {
      const m = 'flows.sendMessage';
      const p = paramsObject(m, params, ['id', 'to', 'text', 'base64']);
      const id = requiredId(m, p, 'id');
      const to = requiredOneOf(m, p, 'to', ['client', 'server'] as const);
      const text = optionalString(m, p, 'text', MAX_SEND_BYTES);
      const base64 = optionalString(m, p, 'base64', Math.ceil((MAX_SEND_BYTES * 4) / 3) + 4);
      if ((text === undefined) === (base64 === undefined)) throw new ApiError(`${m}: give exactly one of 'text' and 'base64'`, 'bad-params');
      if (base64 !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new ApiError(`${m}: param 'base64' is not base64`, 'bad-params');
      const payload = text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(base64!, 'base64');
      try {
        const meta = await core.webSockets.send(id, to, text !== undefined ? 'text' : 'binary', payload);
        if (!meta) throw new ApiError(`${m}: the WebSocket closed before the message could be sent`, 'not-live');
        return toFlowMessage({ meta, payload });
      } catch (err) {
        if (err instanceof InjectError) throw new ApiError(`${m}: ${err.message}`, 'not-live');
        throw err;
      }
    },
  };
}
