/**
 * Body bytes for the API: the `flows.body` method and the HTTP body route both read a flow's body through
 * here. Body files hold the bytes as received (Content-Encoding intact, so a replay sends them unchanged);
 * decoding for display happens on the way out and never touches the file.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { BodyRef, BodySide } from '../../common/flow';
import type { AnyFlowStore } from './types';

export interface FlowBody {
  ref: BodyRef;
  /** Raw bytes, or decoded ones when `decoded` is true. */
  bytes: Buffer;
  decoded: boolean;
  /** Set when decoding was asked for but failed; `bytes` then holds the raw bytes. */
  decodeError?: string;
}

/** A compressed body may not expand beyond this when decoded for display (a zip bomb stops here). */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliDecompress = promisify(zlib.brotliDecompress);

/** Null when the flow does not exist or has no such side (no response yet). */
export async function readFlowBody(store: AnyFlowStore, id: string, side: BodySide, decode: boolean): Promise<FlowBody | null> {
  const flow = await store.get(id);
  const ref = flow?.[side]?.body;
  if (!ref) return null;
  const raw = await store.bodies.read(ref);
  if (!decode) return { ref, bytes: raw, decoded: false };
  const { bytes, decoded, error } = await decodeStoredBody(raw, ref);
  return error === undefined ? { ref, bytes, decoded } : { ref, bytes, decoded, decodeError: error };
}

export interface DecodedBody {
  bytes: Buffer;
  /** True when bytes differ from the stored ones (a content-encoding was undone). */
  decoded: boolean;
  /** Why decoding failed; bytes are then the stored ones. */
  error?: string;
}

/**
 * Undoes a stored body's Content-Encoding (gzip, deflate, br, in header order); never throws. The one
 * decoding every reader uses (the API, exports, logs, diffs), so a body reads the same everywhere.
 */
export async function decodeStoredBody(stored: Buffer, ref: Pick<BodyRef, 'encoding' | 'truncated'>): Promise<DecodedBody> {
  if (!hasEncoding(ref.encoding) || stored.length === 0) return { bytes: stored, decoded: false };
  try {
    return { bytes: await decodeContent(stored, ref.encoding!, ref.truncated), decoded: true };
  } catch (err) {
    return { bytes: stored, decoded: false, error: `could not decode ${ref.encoding}: ${(err as Error).message}` };
  }
}

function codings(encoding: string | undefined): string[] {
  return (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
}

function hasEncoding(encoding: string | undefined): boolean {
  return codings(encoding).length > 0;
}

/**
 * Undoes a Content-Encoding list (`gzip, br` was applied left to right, so it is undone right to left).
 * A truncated body (only the first bodyCap bytes kept) decodes as far as its bytes go instead of failing.
 */
export async function decodeContent(bytes: Buffer, encoding: string, truncated = false): Promise<Buffer> {
  let out = bytes;
  for (const coding of codings(encoding).reverse()) {
    const opts = { maxOutputLength: MAX_DECODED_BYTES, ...(truncated ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}) };
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        out = await gunzip(out, opts);
        break;
      case 'deflate':
        // RFC 9110 deflate is zlib-wrapped, but some servers send a bare deflate stream.
        out = await inflate(out, opts).catch(() => inflateRaw(out, opts));
        break;
      case 'br':
        out = await brotliDecompress(out, {
          maxOutputLength: MAX_DECODED_BYTES,
          ...(truncated ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}),
        });
        break;
      default:
        throw new Error(`unsupported content-encoding '${coding}'`);
    }
  }
  return out;
}
