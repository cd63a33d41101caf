/**
 * Reading captured traffic: query_flows (the filter language, compact summaries, paged), get_flow (one
 * flow's outline: everything but the bodies), get_body (a body in pages of at most 256 KB, with its size,
 * content type and decoding stated), wait_for_flow (the next flow matching a filter to finish).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/v4';
import { compileFilterQuery } from '../../common/filter';
import type { Flow, FlowSummary } from '../../common/flow';
import { jsonResult, masker, ToolError, type ToolContext } from './context';

export const MAX_BODY_PAGE = 256 * 1024;
const MAX_WAIT_MS = 120_000;
/** Header values longer than this are cut in an outline. */
const MAX_HEADER_VALUE = 2048;

/** One line per flow, to keep pages small: what an agent scans to find the failing request. */
function compact(s: FlowSummary, url: (u: string) => string) {
  const out: Record<string, unknown> = { id: s.id, method: s.method, url: url(s.url), status: s.status ?? null, state: s.state, startedAt: new Date(s.startedAt).toISOString() };
  if (s.durationMs !== undefined) out.durationMs = Math.round(s.durationMs);
  if (s.contentType) out.contentType = s.contentType;
  if (s.responseSize !== undefined) out.responseSize = s.responseSize;
  if (s.error) out.error = s.error;
  if (s.replayOf) out.replayOf = s.replayOf;
  if (s.appliedRuleKinds.length) out.rules = s.appliedRuleKinds;
  out.client = s.clientIp;
  return out;
}

function outline(flow: Flow, ctx: ToolContext) {
  const m = masker(ctx);
  const headers = (h: Flow['request']['headers']) => m.headers(h).map(([n, v]) => [n, v.length > MAX_HEADER_VALUE ? `${v.slice(0, MAX_HEADER_VALUE)}… (${v.length} chars)` : v]);
  const body = (b: Flow['request']['body']) => ({ size: b.size, storedSize: b.storedSize, truncated: b.truncated, contentType: b.contentType ?? null, contentEncoding: b.encoding ?? null });
  return {
    id: flow.id,
    state: flow.state,
    startedAt: new Date(flow.startedAt).toISOString(),
    client: flow.client,
    server: flow.server ?? null,
    request: { method: flow.request.method, url: m.url(flow.request.url), httpVersion: flow.request.httpVersion, headers: headers(flow.request.headers), body: body(flow.request.body) },
    response: flow.response ? { status: flow.response.status, statusText: flow.response.statusText, headers: headers(flow.response.headers), body: body(flow.response.body) } : null,
    timings: flow.timings,
    error: flow.error ?? null,
    appliedRules: flow.appliedRules,
    replayOf: flow.replayOf ?? null,
    websocket: flow.websocket ?? null,
  };
}

const isText = (bytes: Buffer) => {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return !text.includes('\uFFFD') && !text.includes('\0');
};

export function registerFlowTools(server: McpServer, ctx: ToolContext): void {
  const m = masker(ctx);
  server.registerTool(
    'query_flows',
    {
      title: 'Query captured flows',
      description:
        "Captured HTTP exchanges matching a filter, newest first, as compact summaries. Filter language: bare words match the URL; keys ip:, host:, url:, path:, method:, status: (404, 5xx, >=500), type:json, is:error, is:replay, -negates, 'or' between groups. Page with `before` = the previous result's nextCursor.",
      inputSchema: {
        filter: z.string().max(10_000).optional().describe("e.g. 'host:api.example.com status:5xx'"),
        limit: z.number().int().min(1).max(200).optional().describe('summaries per page (default 50)'),
        before: z.number().int().min(0).optional().describe('nextCursor of the previous page'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ filter, limit, before }) => {
      const page = await ctx.api.call('flows.query', { filter: filter ?? '', limit: limit ?? 50, ...(before !== undefined ? { before } : {}) });
      return jsonResult({ matched: page.matched, ...(page.matchedCapped ? { matchedCapped: true } : {}), total: page.total, nextCursor: page.nextCursor ?? null, flows: page.flows.map((s) => compact(s, m.url)) });
    },
  );

  server.registerTool(
    'get_flow',
    {
      title: "One flow's outline",
      description: 'Everything about one flow except its bodies: request and response line and headers, body sizes and types, timings, error, client and server, the rules that changed it. Bodies: get_body.',
      inputSchema: { id: z.string().min(1).max(200) },
      annotations: { readOnlyHint: true },
    },
    async ({ id }) => {
      const flow = await ctx.api.call('flows.get', { id });
      if (!flow) throw new ToolError(`no flow ${id}`);
      return jsonResult(outline(flow, ctx));
    },
  );

  server.registerTool(
    'get_body',
    {
      title: 'A request or response body, paged',
      description: `One page of a body, at most ${MAX_BODY_PAGE} bytes. Content-Encoding (gzip, br, deflate) is undone unless decode is false; the result says the body's full size, what was stored, the decoding and whether the page is UTF-8 text or base64. JSON bodies have secret-looking fields masked before paging (offsets count the masked text then). Continue with offset = nextOffset.`,
      inputSchema: {
        id: z.string().min(1).max(200),
        side: z.enum(['request', 'response']),
        offset: z.number().int().min(0).optional(),
        length: z.number().int().min(1).max(MAX_BODY_PAGE).optional().describe('bytes (default 65536)'),
        decode: z.boolean().optional().describe('undo Content-Encoding (default true)'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ id, side, offset = 0, length = 64 * 1024, decode = true }) => {
      const body = await ctx.api.call('flows.body', { id, side, decode });
      if (!body) throw new ToolError(`no ${side} body for flow ${id} (no such flow, or no ${side} yet)`);
      let bytes = Buffer.from(body.base64, 'base64');
      let masked = false;
      if (ctx.mask && isText(bytes)) {
        const text = bytes.toString('utf8');
        const trimmed = text.trimStart();
        if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
          try {
            const again = JSON.stringify(m.json(JSON.parse(text)));
            masked = again !== JSON.stringify(JSON.parse(text));
            if (masked) bytes = Buffer.from(again);
          } catch {
            // Not JSON after all: masked as text below.
          }
        }
        if (!masked) {
          const again = m.text(text);
          masked = again !== text;
          if (masked) bytes = Buffer.from(again);
        }
      }
      if (offset > bytes.length) throw new ToolError(`offset ${offset} is past the end of the body (${bytes.length} bytes)`);
      // Text that JSON escaping would blow up (control characters) travels as base64 instead.
      const asText = isText(bytes) && !/[\u0001-\u0008\u000b\u000e-\u001f]/.test(bytes.toString('utf8'));
      let end = Math.min(bytes.length, offset + length);
      // A page of text ends before a character the limit would cut; that character starts the next page.
      if (asText) while (end > offset + 1 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
      const page = bytes.subarray(offset, end);
      const next = end;
      return jsonResult({
        id,
        side,
        size: body.size,
        storedSize: body.storedSize,
        truncated: body.truncated,
        contentType: body.contentType ?? null,
        contentEncoding: body.encoding ?? null,
        decoding: body.decodeError ? `failed (${body.decodeError}); raw bytes` : body.decoded ? `${body.encoding} undone` : 'none needed',
        secretsMasked: masked,
        available: bytes.length,
        offset,
        length: page.length,
        nextOffset: next < bytes.length ? next : null,
        encoding: asText ? 'utf8' : 'base64',
        data: asText ? page.toString('utf8') : page.toString('base64'),
      });
    },
  );

  server.registerTool(
    'wait_for_flow',
    {
      title: 'Wait for the next matching flow',
      description: 'Waits until a flow matching the filter finishes (completed or failed) after this call, and returns its summary; gives up after timeoutMs (default 30000, at most 120000).',
      inputSchema: { filter: z.string().max(10_000), timeoutMs: z.number().int().min(1).max(MAX_WAIT_MS).optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ filter, timeoutMs = 30_000 }) => {
      const compiled = compileFilterQuery(filter);
      // Only flows newer than the newest one stored now count: "the next" flow.
      const newest = (await ctx.api.call('flows.query', { limit: 1 })).flows[0]?.seq ?? 0;
      const found = await new Promise<FlowSummary | null>((resolve) => {
        const finished = (s: FlowSummary) => s.seq > newest && (s.state === 'completed' || s.state === 'failed');
        const check = (list: FlowSummary[]) => {
          if (compiled.messageTerms.length === 0) {
            const hit = list.find((s) => finished(s) && compiled.test(s));
            if (hit) finish(hit);
            return;
          }
          // msg: (text inside messages) is decided by the store, which reads the flow's message log.
          for (const s of list.filter((f) => finished(f) && compiled.mayMatch(f))) {
            void ctx.api.call('flows.query', { filter: `id:"${s.id}" (${filter})`, limit: 1 }).then((page) => page.flows[0] && finish(page.flows[0]), () => {});
          }
        };
        const unsubscribe = [ctx.api.on('flows/add', check), ctx.api.on('flows/update', check)];
        const timer = setTimeout(() => finish(null), timeoutMs);
        // A flow that finished between the first query and the subscription is in the store by now.
        void ctx.api.call('flows.query', { filter, limit: 50 }).then((page) => check(page.flows), () => {});
        let done = false;
        function finish(result: FlowSummary | null) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          for (const off of unsubscribe) off();
          resolve(result);
        }
      });
      if (!found) throw new ToolError(`no flow matching '${filter}' finished within ${timeoutMs} ms`);
      return jsonResult(compact(found, m.url));
    },
  );
}
