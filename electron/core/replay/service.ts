/**
 * Replay, edit-and-resend and the composer's drafts, over the replay client (client.ts):
 * - replay(ids): each stored request again, exactly as stored (its raw body file, Content-Encoding intact),
 *   one after another, results in the order asked;
 * - send(request): a request from the composer, linked to the flow it was based on;
 * - draft(id): a stored request as the composer edits it, which send() sends exactly as replay() would.
 * Every new flow is recorded by the proxy itself and has `replayOf` set to the flow it came from.
 */
import type { BodyEncoding } from '../../common/breakpoint';
import type { Flow } from '../../common/flow';
import type { OutgoingRequest, ReplayRefusal, RequestDraft, RuleChoice } from '../../common/replay';
import type { AnyFlowStore } from '../store/types';
import { utf8Text } from '../export/body';
import { ReplayClient, ReplayFailure } from './client';
import type { ReplayMarks } from '../capture/replay-marks';
import { RequestError, wireRequest, type WireRequest } from './request';

export interface ReplayOptions {
  /** Through the rules like any client's request (default), or straight upstream. */
  rules?: RuleChoice;
  /** Send a truncated stored body as far as it was stored, instead of refusing. */
  allowTruncated?: boolean;
}

export type ReplayResult = { of: string; flow: Flow } | { of: string; error: { code: ReplayRefusal; message: string } };

/** A request that cannot be sent, with why (the API maps `code` to its error codes). */
export class ReplayError extends Error {
  override name = 'ReplayError';
  constructor(
    readonly code: ReplayRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface ReplayService {
  replay(ids: string[], options?: ReplayOptions): Promise<ReplayResult[]>;
  send(request: OutgoingRequest, options?: { basedOn?: string; rules?: RuleChoice }): Promise<Flow>;
  /** Null when the flow does not exist. */
  draft(id: string): Promise<RequestDraft | null>;
  /** Closes replay connections in flight (their flows fail as aborted). */
  dispose(): void;
}

export interface ReplayServiceOptions {
  store: AnyFlowStore;
  marks: ReplayMarks;
  caPem: string;
  proxyAddress(): { host: string; port: number };
}

export function createReplayService(options: ReplayServiceOptions): ReplayService {
  const { store } = options;
  const client = new ReplayClient({ proxyAddress: options.proxyAddress, caPem: options.caPem, marks: options.marks });

  /** The stored request body, raw; refuses a truncated one unless allowed, and a lost body file always. */
  async function storedBody(flow: Flow, allowTruncated: boolean): Promise<Buffer> {
    const ref = flow.request.body;
    if (ref.truncated && !allowTruncated) {
      throw new ReplayError('truncated', `the stored request body was truncated at ${ref.storedSize} of ${ref.size} bytes; it cannot be replayed exactly`);
    }
    let bytes = await store.bodies.read(ref);
    if (bytes.length < ref.storedSize) {
      // Body files are written behind the proxy: a flow replayed as soon as it finished may not be on disk yet.
      await store.flush();
      bytes = await store.bodies.read(ref);
    }
    if (bytes.length < ref.storedSize) throw new ReplayError('failed', `the stored request body is missing (${bytes.length} of ${ref.storedSize} bytes found)`);
    return bytes;
  }

  function refuseUnsendable(flow: Flow): void {
    if (flow.websocket) throw new ReplayError('unsupported', 'WebSocket connections cannot be replayed: only the handshake was stored, not the messages');
    if (flow.state === 'live' || flow.state === 'intercepted') throw new ReplayError('unsupported', 'the flow has not finished yet; replay it when it has');
  }

  function wire(input: Parameters<typeof wireRequest>[0]): WireRequest {
    try {
      return wireRequest(input);
    } catch (err) {
      if (err instanceof RequestError) throw new ReplayError('invalid', err.message);
      throw err;
    }
  }

  /** Asking the proxy to forward to itself would loop; it answers such requests without recording them. */
  function refuseSelf(w: WireRequest): void {
    const proxy = options.proxyAddress();
    const local = /^(127\.|::1$|::ffff:127\.|localhost$|0\.0\.0\.0$)/.test(w.host) || w.host === proxy.host;
    if (!w.secure && local && w.port === proxy.port) throw new ReplayError('invalid', `${w.authority} is Hindsight's own proxy address`);
  }

  async function sendWire(w: WireRequest, replayOf: string | undefined, rules: RuleChoice | undefined, clientIp?: string): Promise<Flow> {
    refuseSelf(w);
    try {
      const flow = await client.send(w, { ...(replayOf ? { replayOf } : {}), bypassRules: rules === 'bypass', ...(clientIp ? { clientIp } : {}) });
      return (await store.get(flow.id)) ?? structuredClone(flow);
    } catch (err) {
      if (err instanceof ReplayFailure) throw new ReplayError('failed', err.message);
      throw err;
    }
  }

  async function replayOne(id: string, opts: ReplayOptions): Promise<Flow> {
    const flow = await store.get(id);
    if (!flow) throw new ReplayError('not-found', `no flow ${id}`);
    refuseUnsendable(flow);
    const { method, url, httpVersion, headers, trailers } = flow.request;
    const body = await storedBody(flow, opts.allowTruncated ?? false);
    return sendWire(wire({ method, url, httpVersion, headers, body, trailers }), flow.id, opts.rules, flow.client.ip);
  }

  return {
    async replay(ids, opts = {}) {
      await store.ready;
      const results: ReplayResult[] = [];
      // One after another: a sequence of requests often depends on its order (create, then update).
      for (const id of ids) {
        try {
          results.push({ of: id, flow: await replayOne(id, opts) });
        } catch (err) {
          if (!(err instanceof ReplayError)) throw err;
          results.push({ of: id, error: { code: err.code, message: err.message } });
        }
      }
      return results;
    },

    async send(request, opts = {}) {
      await store.ready;
      if (opts.basedOn !== undefined && !(await store.get(opts.basedOn))) throw new ReplayError('not-found', `no flow ${opts.basedOn}`);
      const body = bodyBytes(request.body, request.bodyEncoding);
      return sendWire(wire({ method: request.method, url: request.url, headers: request.headers, body, trailers: request.trailers }), opts.basedOn, opts.rules);
    },

    async draft(id) {
      await store.ready;
      const flow = await store.get(id);
      if (!flow) return null;
      const { method, url, headers, body: ref } = flow.request;
      const bytes = await storedBody(flow, true);
      const draft: RequestDraft = { basedOn: flow.id, method, url, headers };
      if (flow.request.trailers?.length) draft.trailers = flow.request.trailers;
      if (bytes.length > 0) {
        // Text stays editable as text; anything else travels as base64 and is sent back unchanged.
        const text = ref.encoding ? null : utf8Text(bytes);
        draft.body = text ?? bytes.toString('base64');
        draft.bodyEncoding = text === null ? 'base64' : 'utf8';
      }
      if (ref.truncated) draft.truncated = { storedSize: ref.storedSize, size: ref.size };
      return draft;
    },

    dispose: () => client.dispose(),
  };
}

function bodyBytes(body: string | undefined, encoding: BodyEncoding | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (encoding === 'base64') {
    const compact = body.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new ReplayError('invalid', 'the body is not valid base64 (bodyEncoding is "base64")');
    return Buffer.from(compact, 'base64');
  }
  return Buffer.from(body, 'utf8');
}
