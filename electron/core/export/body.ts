/**
 * Body bytes as exports need them. Body files hold the bytes as received (possibly gzip/br/deflate per
 * BodyRef.encoding); HAR wants the decoded content, curl and Postman want text when the bytes are text.
 */
import zlib from 'node:zlib';
import type { BodyRef } from '../../common/flow';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (binary, latin-1, …). */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Content-Encoding tokens, outermost last as in the header ("gzip, br" = gzip applied first). */
function encodingsOf(encoding: string | undefined): string[] {
  if (!encoding) return [];
  return encoding
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity');
}

function decodeOne(bytes: Buffer, encoding: string, partial: boolean): Buffer {
  // A truncated body is a cut compressed stream: flush what decodes instead of failing on the missing end.
  const flush = partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {};
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(bytes, flush);
    case 'br':
      return zlib.brotliDecompressSync(bytes, partial ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {});
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate. The first byte tells them apart.
      return (bytes[0] & 0x0f) === 8 && ((bytes[0] << 8) | bytes[1]) % 31 === 0
        ? zlib.inflateSync(bytes, flush)
        : zlib.inflateRawSync(bytes, flush);
    default:
      throw new Error(`unsupported content-encoding '${encoding}'`);
  }
}

export interface DecodedBody {
  bytes: Buffer;
  /** True when bytes differ from the stored ones (a content-encoding was undone). */
  decoded: boolean;
  /** Why decoding failed; bytes are then the stored ones. */
  error?: string;
}

/** Undoes Content-Encoding (gzip, deflate, br, in header order); never throws. */
export function decodeBody(stored: Buffer, ref: Pick<BodyRef, 'encoding' | 'truncated'>): DecodedBody {
  const encodings = encodingsOf(ref.encoding);
  if (encodings.length === 0 || stored.length === 0) return { bytes: stored, decoded: false };
  try {
    let bytes = stored;
    for (const e of encodings.reverse()) bytes = decodeOne(bytes, e, ref.truncated);
    return { bytes, decoded: true };
  } catch (err) {
    return { bytes: stored, decoded: false, error: `could not decode ${ref.encoding}: ${(err as Error).message}` };
  }
}
