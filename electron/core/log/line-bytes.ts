/**
 * A `--log-bodies` line as bytes: exactly the UTF-8 of `JSON.stringify(toDetailedLogLine(…)) + '\n'`, built
 * without making a string of a body held as bytes (LoggedBody.text). The line is stringified with those
 * bodies null (a small string), and each goes in at its place: its bytes themselves when JSON needs no
 * escape in them, else escaped into the arena. Everything else is written into the arena, so the pieces of
 * a line, and of lines one after another, mostly continue each other in memory (appendChunk joins them).
 */
import type { Flow } from '../../common/flow';
import { appendChunk, type ByteArena } from './byte-arena';
import type { LoggedBody } from './body-text';
import { toDetailedLogLine } from './detailed-line';
import { escapeInto, maxEscapedLength } from './json-bytes';

// Unique in the line: a quote inside a string is escaped, and the only nested objects (header sets, with
// lower-case names and string values; `messages`) never hold these keys.
const REQUEST_BODY = '"requestBody":null';
const RESPONSE_BODY = '"responseBody":null';
const NULL_LENGTH = 'null'.length;
const QUOTE = 0x22;

export function detailedLineBytes(flow: Flow, bodies: { request: LoggedBody; response: LoggedBody }, mask: boolean, arena: ByteArena): Buffer[] {
  const text = JSON.stringify(toDetailedLogLine(flow, bodies, mask));
  const chunks: Buffer[] = [];
  let from = 0;
  for (const [key, body] of [[REQUEST_BODY, bodies.request], [RESPONSE_BODY, bodies.response]] as const) {
    if (!body.text) continue;
    const at = text.indexOf(key, from) + key.length - NULL_LENGTH;
    appendChunk(chunks, arena.text(text.slice(from, at)));
    bodyChunks(chunks, body.text, body.plain === true, arena);
    from = at + NULL_LENGTH;
  }
  appendChunk(chunks, arena.text(from === 0 ? `${text}\n` : `${text.slice(from)}\n`));
  return chunks;
}

function bodyChunks(chunks: Buffer[], bytes: Uint8Array, plain: boolean, arena: ByteArena): void {
  const room = arena.take(plain ? 1 : maxEscapedLength(bytes) + 2);
  if (!room) {
    // Longer than an arena block once escaped (a body limit past 170 KB): a string for this one.
    appendChunk(chunks, Buffer.from(JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'))));
    return;
  }
  room[0] = QUOTE;
  if (plain) {
    // The body's own bytes, not a copy: they are not changed while the line is written.
    appendChunk(chunks, arena.keep(room, 1));
    appendChunk(chunks, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    const close = arena.take(1)!;
    close[0] = QUOTE;
    appendChunk(chunks, close);
    return;
  }
  const end = escapeInto(bytes, room, 1);
  room[end] = QUOTE;
  appendChunk(chunks, arena.keep(room, end + 1));
}
