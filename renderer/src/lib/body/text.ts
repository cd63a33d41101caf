/**
 * Bodies as the editors hold them: text when the bytes read as UTF-8 text, otherwise base64 that is kept
 * as it is (an editor offers to replace such a body, never to edit it). Pure.
 */
import { base64ToBytes, looksLikeText } from './classify';

export type EditableBody = { kind: 'text'; text: string } | { kind: 'binary'; base64: string; size: number };

export function editableBody(base64: string): EditableBody {
  const bytes = base64ToBytes(base64);
  if (bytes.length === 0) return { kind: 'text', text: '' };
  if (!looksLikeText(bytes)) return { kind: 'binary', base64, size: bytes.length };
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'binary', base64, size: bytes.length };
  }
}

export function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

export type JsonCheck = { ok: true; pretty: string } | { ok: false; error: string };

/** The text pretty-printed with two spaces, or why it is not JSON. */
export function formatJson(text: string): JsonCheck {
  try {
    return { ok: true, pretty: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** True when a content type (or, without one, the text itself) says JSON. */
export function looksLikeJson(contentType: string | undefined, text: string): boolean {
  if (contentType) return /[/+]json\b/i.test(contentType.split(';')[0]);
  const start = text.trimStart()[0];
  return start === '{' || start === '[';
}
