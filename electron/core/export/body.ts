/**
 * Body bytes as exports need them. Body files hold the bytes as received (possibly gzip/br/deflate per
 * BodyRef.encoding); HAR wants the decoded content, curl and Postman want text when the bytes are text.
 * Decoding is the store reader's (../store/body-read.ts), so a body reads the same in the UI and in an export.
 */
import type { BodyRef } from '../../common/flow';
import { decodeContent } from '../store/body-read';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (binary, latin-1, …). */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
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
export async function decodeBody(stored: Buffer, ref: Pick<BodyRef, 'encoding' | 'truncated'>): Promise<DecodedBody> {
  if (!ref.encoding || stored.length === 0) return { bytes: stored, decoded: false };
  try {
    const bytes = await decodeContent(stored, ref.encoding, ref.truncated);
    return { bytes, decoded: bytes !== stored };
  } catch (err) {
    return { bytes: stored, decoded: false, error: `could not decode ${ref.encoding}: ${(err as Error).message}` };
  }
}
