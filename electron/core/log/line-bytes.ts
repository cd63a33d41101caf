/**
 * A `--log-bodies` line as bytes for a file: exactly `JSON.stringify(toDetailedLogLine(…)) + '\n'`, built
 * without copying a large body into a string. The line is stringified with both bodies null (a small
 * string), and each body goes in between as its own chunk: a `plain` body (ASCII text JSON writes unchanged,
 * see body-text.ts) as its captured bytes between quotes, any other as its JSON string. A line with little
 * plain body text is one Buffer of the whole string.
 */
import type { Flow } from '../../common/flow';
import type { LoggedBody } from './body-text';
import { toDetailedLogLine } from './detailed-line';

const QUOTE = Buffer.from('"');
const NULL = Buffer.from('null');
// Unique in the line: a quote inside a string is escaped, and header values (the only nested objects) are
// never null, so these can only be the top-level fields.
const REQUEST_BODY = '"requestBody":null';
const RESPONSE_BODY = '"responseBody":null';
const NULL_LENGTH = 'null'.length;
/**
 * Below this many plain body bytes the line is one string, as for stdout: splitting it into five Buffers
 * costs more than escaping a few hundred bytes.
 */
const SPLICE_FROM = 4096;

function bodyChunks(body: LoggedBody): Buffer[] {
  if (body.plain) return [QUOTE, body.plain, QUOTE];
  return body.data === null ? [NULL] : [Buffer.from(JSON.stringify(body.data))];
}

export function detailedLineChunks(flow: Flow, bodies: { request: LoggedBody; response: LoggedBody }, mask: boolean): Buffer[] {
  if ((bodies.request.plain?.length ?? 0) + (bodies.response.plain?.length ?? 0) < SPLICE_FROM) {
    return [Buffer.from(`${JSON.stringify(toDetailedLogLine(flow, bodies, mask))}\n`)];
  }
  const without = (b: LoggedBody): LoggedBody => ({ ...b, data: null, plain: undefined });
  const text = JSON.stringify(toDetailedLogLine(flow, { request: without(bodies.request), response: without(bodies.response) }, mask));
  const request = text.lastIndexOf(REQUEST_BODY) + REQUEST_BODY.length - NULL_LENGTH;
  const response = text.lastIndexOf(RESPONSE_BODY) + RESPONSE_BODY.length - NULL_LENGTH;
  return [
    Buffer.from(text.slice(0, request)),
    ...bodyChunks(bodies.request),
    Buffer.from(text.slice(request + NULL_LENGTH, response)),
    ...bodyChunks(bodies.response),
    Buffer.from(`${text.slice(response + NULL_LENGTH)}\n`),
  ];
}
