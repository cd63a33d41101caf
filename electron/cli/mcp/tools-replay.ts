/**
 * Acting on flows: replay_flow (send a stored request again, optionally edited; it goes through the proxy
 * and is recorded like any replay), diff_flows (the app's flow diff), export_flows (HAR, curl, Postman).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/v4';
import type { FlowDiff, HeaderChange } from '../../common/diff';
import type { OutgoingRequest, ReplayOutcome } from '../../common/replay';
import { isSecretName, maskEmbedded, maskText, maskValue } from '../../common/secret-mask';
import { originOf, overrideHeaders, retargetHeaders } from '../../core/automation/target';
import { MAX_RESULT_CHARS, jsonResult, masker, ToolError, type ToolContext } from './context';

const MAX_EXPORT_IDS = 1000;

export function registerReplayTool(server: McpServer, ctx: ToolContext): void {
  const m = masker(ctx);
  server.registerTool(
    'replay_flow',
    {
      title: 'Replay a flow, optionally edited',
      description:
        "Sends a stored request again through the proxy (the rules apply unless rules is 'bypass') and returns the new flow's summary; compare with diff_flows. Edits: method, url (Host follows it), headers to set (['Name', 'value']; an empty value removes the header), body (replaces it; bodyEncoding base64 for bytes). Unedited, the request goes out exactly as recorded, secrets included.",
      inputSchema: {
        id: z.string().min(1).max(200),
        edits: z
          .object({
            method: z.string().min(1).max(20).optional(),
            url: z.string().min(1).max(64 * 1024).optional(),
            headers: z.array(z.tuple([z.string().min(1).max(1000), z.string().max(64 * 1024)])).max(200).optional(),
            body: z.string().max(16 * 1024 * 1024).optional(),
            bodyEncoding: z.enum(['utf8', 'base64']).optional(),
          })
          .strict()
          .optional(),
        rules: z.enum(['apply', 'bypass']).optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async ({ id, edits, rules }) => {
      if (!edits) {
        const [outcome] = (await ctx.api.call('flows.replay', { ids: [id], ...(rules ? { rules } : {}) })).results as ReplayOutcome[];
        if ('error' in outcome) throw new ToolError(outcome.error.message);
        return jsonResult(summaryOf(outcome.flow, m.url));
      }
      const draft = await ctx.api.call('flows.draft', { id });
      if (!draft) throw new ToolError(`no flow ${id}`);
      const url = edits.url ?? draft.url;
      const overrides = (edits.headers ?? []).map(([name, value]) => ({ name, value: value === '' ? null : value }));
      const to = edits.url ? originOf(edits.url) : null;
      if (edits.url && !to) throw new ToolError(`edits.url must be an absolute http(s) URL, got '${edits.url.slice(0, 100)}'`);
      const request: OutgoingRequest = { method: edits.method ?? draft.method, url, headers: to ? retargetHeaders(draft.headers, to, overrides) : overrideHeaders(draft.headers, overrides) };
      const body = edits.body ?? draft.body;
      if (body !== undefined) request.body = body;
      const bodyEncoding = edits.body !== undefined ? edits.bodyEncoding : draft.bodyEncoding;
      if (bodyEncoding) request.bodyEncoding = bodyEncoding;
      const flow = await ctx.api.call('flows.send', { request, basedOn: id, ...(rules ? { rules } : {}) });
      return jsonResult(summaryOf(flow, m.url));
    },
  );
}

function summaryOf(s: { id: string; method: string; url: string; status?: number; durationMs?: number; error?: string; replayOf?: string }, url: (u: string) => string) {
  return { id: s.id, replayOf: s.replayOf ?? null, method: s.method, url: url(s.url), status: s.status ?? null, durationMs: s.durationMs !== undefined ? Math.round(s.durationMs) : null, error: s.error ?? null };
}

const secretPath = (path: string) => /[.[]"?([^.[\]"]+)"?\]?$/.exec(path)?.[1];

/** The diff with secret header values, secret JSON fields, URLs and text lines masked. */
function maskDiff(d: FlowDiff, ctx: ToolContext): FlowDiff {
  if (!ctx.mask) return d;
  const m = masker(ctx);
  const header = (c: HeaderChange): HeaderChange => {
    if (!isSecretName(c.name)) return c;
    const mask = (vs: string[]) => vs.map((v) => maskValue(v, c.name));
    return c.type === 'changed' ? { ...c, a: mask(c.a), b: mask(c.b) } : { ...c, values: mask(c.values) };
  };
  const body = (b: FlowDiff['request']['body']): FlowDiff['request']['body'] => {
    if (b.kind === 'json') {
      return {
        ...b,
        changes: b.changes.map((c) => {
          const key = secretPath(c.path);
          const secret = key !== undefined && isSecretName(key);
          const value = (v: unknown) => (secret && (typeof v === 'string' || typeof v === 'number') ? maskValue(String(v)) : m.json(v));
          return c.type === 'changed' ? { ...c, a: value(c.a), b: value(c.b) } : c.type === 'added' ? { ...c, b: value(c.b) } : { ...c, a: value(c.a) };
        }),
      };
    }
    if (b.kind === 'text') return { ...b, hunks: b.hunks.map((h) => ({ ...h, lines: h.lines.map((l) => ({ ...l, text: maskText(l.text) })) })) };
    return b;
  };
  const side = <T extends { headers: FlowDiff['request']['headers']; body: FlowDiff['request']['body'] }>(s: T): T => ({ ...s, headers: { ...s.headers, changes: s.headers.changes.map(header) }, body: body(s.body) });
  const request = side(d.request);
  if (d.request.url) request.url = { ...(d.request.url.a !== undefined ? { a: m.url(d.request.url.a) } : {}), ...(d.request.url.b !== undefined ? { b: m.url(d.request.url.b) } : {}) };
  return { ...d, a: { ...d.a, url: m.url(d.a.url) }, b: { ...d.b, url: m.url(d.b.url) }, request, response: side(d.response) };
}

export function registerDiffExportTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'diff_flows',
    {
      title: 'Diff two flows',
      description: 'Compares two flows (a replay with its original, or any two): method, URL, status, headers added/removed/changed (volatile ones such as Date and request ids hidden unless hideVolatile is false), bodies as changed JSON paths or text hunks, timings.',
      inputSchema: { a: z.string().min(1).max(200), b: z.string().min(1).max(200), hideVolatile: z.boolean().optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ a, b, hideVolatile }) => jsonResult(maskDiff(await ctx.api.call('flows.diff', { a, b, ...(hideVolatile !== undefined ? { hideVolatile } : {}) }), ctx)),
  );

  server.registerTool(
    'export_flows',
    {
      title: 'Export flows as HAR, curl or Postman',
      description: `The flows named by ids (in that order), or those matching filter (oldest first), as one document: HAR 1.2, curl commands (bash, cmd or powershell) or a Postman v2.1 collection. Cut at ${MAX_RESULT_CHARS} characters: narrow the selection for more.`,
      inputSchema: {
        ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_EXPORT_IDS).optional(),
        filter: z.string().max(10_000).optional(),
        format: z.enum(['har', 'curl', 'postman']),
        shell: z.enum(['bash', 'cmd', 'powershell']).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ ids, filter, format, shell }) => {
      if ((ids === undefined) === (filter === undefined)) throw new ToolError('give ids or filter (one of the two)');
      const result = await ctx.api.call('export.flows', { ...(ids ? { ids } : { filter: filter! }), format, ...(shell ? { shell } : {}) });
      let text = ctx.mask ? (format === 'curl' ? maskText(result.text) : maskEmbeddedDocument(result.text)) : result.text;
      const note = [`${result.count} flows as ${format}`];
      if (result.files.length) note.push(`${result.files.length} binary bodies are referenced by file name and not included`);
      if (text.length > MAX_RESULT_CHARS) {
        note.push(`cut at ${MAX_RESULT_CHARS} of ${text.length} characters`);
        text = text.slice(0, MAX_RESULT_CHARS);
      }
      return { content: [{ type: 'text' as const, text: `${note.join('; ')}\n` }, { type: 'text' as const, text }] };
    },
  );
}

/** A JSON document (HAR, Postman) with its secrets masked; written back indented as exported. */
function maskEmbeddedDocument(text: string): string {
  const masked = maskEmbedded(text);
  if (masked === text) return text;
  try {
    return JSON.stringify(JSON.parse(masked), null, 2);
  } catch {
    return masked;
  }
}
