/**
 * The request header limit (`--max-header-size`, header-limit.ts) for HTTP/2 clients, as HTTP/1.1 has it: a
 * request whose header fields are larger gets a 431 on its stream and one failed flow naming the size and the
 * limit (early-failures.ts `h2HeadersOverLimit`). Before, an h2 request over the limit went upstream as if
 * there were none, and one with more than 128 fields was reset by Node (ENHANCE_YOUR_CALM) before JavaScript
 * saw it, leaving no flow.
 *
 * Node's own bounds stay where they were and sit far past ours: it advertises no SETTINGS_MAX_HEADER_LIST_SIZE
 * and accepts a list up to 16 MB (node_http2.h MAX_MAX_HEADER_LIST_SIZE; 10 MB of `maxSessionMemory` per
 * connection), so a list over our limit reaches JavaScript and gets its 431. Advertising the limit instead
 * would make clients that honour it (Go's) refuse the request themselves, with nothing recorded.
 *
 * What no proxy can see: curl and Node's http2 client (nghttp2 with default options) do not send a request
 * whose header block is over 64 KB at all. nghttp2 refuses the stream inside the client (REFUSED_STREAM,
 * which curl retries five times); not a byte of it leaves the client.
 */
import { headerLimitText } from '../header-limit';

/** The fewest bytes a field takes in our measure (a one-letter name, an empty value, ": " and CRLF). */
const MIN_FIELD_BYTES = 5;
/** Node's default `maxHeaderListPairs`, kept as the floor. */
const NODE_DEFAULT_PAIRS = 128;

/**
 * Options for the front's `http2.createServer`. Node resets a stream with more fields than `maxHeaderListPairs`
 * before JavaScript sees it; set so that every list within the byte limit has room, any list Node still refuses
 * for its count is over the limit too.
 */
export function h2FrontLimits(maxHeaderSize: number): { maxHeaderListPairs: number } {
  return { maxHeaderListPairs: Math.max(NODE_DEFAULT_PAIRS, Math.ceil(maxHeaderSize / MIN_FIELD_BYTES) + 1) };
}

/** A request's header fields over the limit: their size, and the largest field (the one to look at first). */
export interface OversizedHeaders {
  size: number;
  largest: { name: string; size: number };
}

/**
 * The request's fields measured as they would take in an HTTP/1.1 head (`name: value` and CRLF each, the
 * pseudo-fields standing in for the request line), so one `--max-header-size` means the same on both protocols.
 * `rawHeaders` holds one char per byte (Node hands h2 fields to JavaScript as latin1). Undefined when within.
 */
export function headersOverLimit(rawHeaders: readonly string[], maxHeaderSize: number): OversizedHeaders | undefined {
  let size = 2;
  let largest = { name: '', size: -1 };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const field = rawHeaders[i].length + rawHeaders[i + 1].length + 4;
    size += field;
    if (field > largest.size) largest = { name: rawHeaders[i], size: field };
  }
  return size > maxHeaderSize ? { size, largest } : undefined;
}

/** The failure's sentence, in the words of HTTP/1.1's 431 (early-failures.ts) plus the sizes h2 lets us know. */
export function oversizedHeadersMessage(over: OversizedHeaders, maxHeaderSize: number): string {
  return `the request's headers are ${over.size} bytes (${over.largest.name}: ${over.largest.size} of them), larger than the ${headerLimitText(maxHeaderSize)} limit (raise it with --max-header-size); Hindsight answered 431`;
}
