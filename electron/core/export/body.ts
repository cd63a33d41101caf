/**
 * Body bytes as exports need them. Body files hold the bytes as received (possibly gzip/br/deflate per
 * BodyRef.encoding); HAR wants the decoded content, curl and Postman want text when the bytes are text.
 * Decoding is decodeStoredBody (../store/body-read.ts), so a body reads the same in the UI and in an export.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (binary, latin-1, …). */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
