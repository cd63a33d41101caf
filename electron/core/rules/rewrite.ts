/**
 * The rewrite action's edits, as free functions over the pipeline's message form (header lists in order with
 * case and duplicates; an absolute URL; body bytes):
 * - headers: add appends a field, set replaces every field of the name (where the first was), remove drops
 *   them all;
 * - query: the same on the URL's parameters, the rest of the query left exactly as written;
 * - bodies: every occurrence of each find, in order, on the body as UTF-8 text. A Content-Encoding of gzip,
 *   x-gzip, deflate or br is decoded first; the result is sent uncompressed (identity: the pipeline drops
 *   Content-Encoding and sets Content-Length). A body that is not UTF-8 text, or in another encoding, is left as
 *   it is (nothing is replaced), so binary bodies are never corrupted.
 * Regexes are compiled through compileUserRegex (the same gate as URL patterns) and applied globally.
 */
import zlib from 'node:zlib';
import { headerValue, type Headers } from '../../common/flow';
import type { BodyReplace, HeaderEdit, QueryEdit } from '../../common/rule';
import { compileUserRegex } from '../../common/user-regex';
import { setHeader } from '../../common/headers';

export function editHeaders(headers: Headers, edits: readonly HeaderEdit[] | undefined): Headers {
  if (!edits) return headers;
  let out = headers;
  for (const e of edits) {
    const lower = e.name.toLowerCase();
    if (e.op === 'remove') out = out.filter(([k]) => k.toLowerCase() !== lower);
    else if (e.op === 'set') out = setHeader(out, e.name, e.value ?? '');
    else out = [...out, [e.name, e.value ?? '']];
  }
  return out;
}

/** The URL with its query edited; parameters are matched by their decoded name. */
export function editQuery(url: string, edits: readonly QueryEdit[] | undefined): string {
  if (!edits) return url;
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  const q = base.indexOf('?');
  const head = q < 0 ? base : base.slice(0, q);
  let pairs = q < 0 || q === base.length - 1 ? [] : base.slice(q + 1).split('&');
  const nameOf = (pair: string) => {
    const raw = pair.split('=', 1)[0].replace(/\+/g, ' ');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  };
  const encoded = (e: QueryEdit) => `${encodeURIComponent(e.name)}=${encodeURIComponent(e.value ?? '')}`;
  for (const e of edits) {
    if (e.op === 'remove') pairs = pairs.filter((p) => nameOf(p) !== e.name);
    else if (e.op === 'add') pairs = [...pairs, encoded(e)];
    else {
      const at = pairs.findIndex((p) => nameOf(p) === e.name);
      pairs = pairs.filter((p) => nameOf(p) !== e.name);
      pairs.splice(at < 0 ? pairs.length : at, 0, encoded(e));
    }
  }
  return `${head}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

const DECODERS: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gunzipSync(b),
  'x-gzip': (b) => zlib.gunzipSync(b),
  deflate: (b) => zlib.inflateSync(b),
  br: (b) => zlib.brotliDecompressSync(b),
};

/** The body as text, decoded from its Content-Encoding; undefined when it cannot be (then it is left alone). */
function bodyText(body: Buffer, headers: Headers): string | undefined {
  const encoding = headerValue(headers, 'content-encoding')?.trim().toLowerCase();
  let bytes = body;
  if (encoding && encoding !== 'identity') {
    const decode = DECODERS[encoding];
    if (!decode) return undefined;
    try {
      bytes = decode(body);
    } catch {
      return undefined;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Every occurrence of the edit's text or pattern replaced (also used on WebSocket messages, ws-message.ts). */
export function replaceAll(text: string, edit: BodyReplace): string {
  if (edit.syntax === 'text') return text.split(edit.find).join(edit.replace);
  const compiled = compileUserRegex(edit.find, edit.flags ?? '');
  if (!compiled.ok) throw new Error(`body pattern ${JSON.stringify(edit.find)} cannot run: ${compiled.error}`);
  // Replaced on the linear-time engine like every user pattern (a body regex must not freeze the proxy).
  return compiled.regex.replaceAll(text, edit.replace);
}

/** The body after the replacements, uncompressed; undefined when nothing changed (or it is not text). */
export function replaceInBody(body: Buffer, headers: Headers, edits: readonly BodyReplace[] | undefined): Buffer | undefined {
  if (!edits?.length || body.length === 0) return undefined;
  const text = bodyText(body, headers);
  if (text === undefined) return undefined;
  let out = text;
  for (const e of edits) out = replaceAll(out, e);
  return out === text ? undefined : Buffer.from(out, 'utf8');
}

export const hasResponseEdits = (a: { status?: number; responseHeaders?: unknown[]; responseBody?: unknown[] }): boolean =>
  a.status !== undefined || !!a.responseHeaders?.length || !!a.responseBody?.length;
