/**
 * What every MCP tool shares: the API of the instance (a running hindsight or a core started by
 * `hindsight mcp`), whether secrets are masked, and one way to answer: JSON text, bounded. Tools throw to
 * fail; the SDK turns a thrown error into a tool result with isError and the message.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiClient } from '../../common/api';
import { maskEmbedded, maskHeaders, maskJson, maskText, maskUrl } from '../../common/secret-mask';
import type { Headers } from '../../common/flow';

/**
 * The most text one tool result carries: room for a 256 KB body page as base64 (350 K characters) or as
 * escaped JSON text, and the bound every other tool's answer is cut at.
 */
export const MAX_RESULT_CHARS = 1024 * 1024;

export interface ToolContext {
  api: ApiClient;
  /** Mask secrets in every result (default; `--show-secrets` turns it off). */
  mask: boolean;
}

export class ToolError extends Error {
  override name = 'ToolError';
}

/** A JSON result, cut with a note when it would exceed MAX_RESULT_CHARS (callers page or narrow first). */
export function jsonResult(value: unknown): CallToolResult {
  let text = JSON.stringify(value, null, 1);
  if (text.length > MAX_RESULT_CHARS) {
    text = `${text.slice(0, MAX_RESULT_CHARS)}\n… cut at ${MAX_RESULT_CHARS} of ${text.length} characters: narrow the filter or use a smaller limit`;
  }
  return { content: [{ type: 'text', text }] };
}

/** The masking helpers, or identity when masking is off. */
export function masker(ctx: ToolContext) {
  const on = ctx.mask;
  return {
    headers: (h: Headers): Headers => (on ? maskHeaders(h) : h),
    url: (u: string) => (on ? maskUrl(u) : u),
    json: <T>(v: T): T => (on ? (maskJson(v) as T) : v),
    text: (t: string) => (on ? maskText(t) : t),
    /** A body as a string: JSON masked field by field, other text by maskText. */
    embedded: (t: string) => (on ? maskEmbedded(t) : t),
  };
}
