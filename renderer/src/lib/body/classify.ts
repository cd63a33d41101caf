/**
 * How a body is shown: from its media type first, then by looking at the bytes (servers often send
 * JSON as text/plain and text as application/octet-stream). Pure.
 */

export type BodyKind = 'json' | 'html' | 'xml' | 'image' | 'javascript' | 'css' | 'form' | 'text' | 'binary';

export function kindFromType(contentType: string | undefined): BodyKind | undefined {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!t) return undefined;
  if (t === 'image/svg+xml') return 'xml';
  if (t.startsWith('image/')) return 'image';
  if (t === 'application/json' || t.endsWith('+json') || t === 'text/json' || t === 'application/x-ndjson') return 'json';
  if (t === 'text/html' || t === 'application/xhtml+xml') return 'html';
  if (t === 'application/xml' || t === 'text/xml' || t.endsWith('+xml')) return 'xml';
  if (t.includes('javascript') || t.includes('ecmascript')) return 'javascript';
  if (t === 'text/css') return 'css';
  if (t === 'application/x-www-form-urlencoded') return 'form';
  if (t.startsWith('text/')) return 'text';
  return undefined;
}

/** True when the bytes read as text: valid UTF-8 with few control characters. */
export function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096);
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  if (control > sample.length / 50) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? trimPartial(sample) : sample);
    return true;
  } catch {
    return false;
  }
}

/** Drops a UTF-8 sequence cut off at the end of a sample. */
function trimPartial(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const b = bytes[end - i];
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    if (b >= 0xc0) end -= i; // lead byte of a sequence that may be incomplete
    break;
  }
  return bytes.subarray(0, end);
}

export function classifyBody(contentType: string | undefined, bytes: Uint8Array): BodyKind {
  const declared = kindFromType(contentType);
  if (declared === 'image') return 'image';
  if (declared && declared !== 'text') return looksLikeText(bytes) ? declared : 'binary';
  if (!looksLikeText(bytes)) return 'binary';
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if ((head.startsWith('{') || head.startsWith('[')) && parsesAsJson(bytes)) return 'json';
  if (/^<!doctype html|^<html/i.test(head)) return 'html';
  if (head.startsWith('<?xml')) return 'xml';
  return 'text';
}

function parsesAsJson(bytes: Uint8Array): boolean {
  if (bytes.length > 8 * 1024 * 1024) return false;
  try {
    JSON.parse(new TextDecoder().decode(bytes));
    return true;
  } catch {
    return false;
  }
}

/** The charset parameter of a content type, when the browser's TextDecoder knows it. */
export function charsetOf(contentType: string | undefined): string {
  const m = /;\s*charset="?([^";\s]+)/i.exec(contentType ?? '');
  if (!m) return 'utf-8';
  try {
    new TextDecoder(m[1]);
    return m[1];
  } catch {
    return 'utf-8';
  }
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
