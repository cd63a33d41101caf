/**
 * Server-Sent Events: a `text/event-stream` response is read as it streams, and every event it dispatches
 * (id, event type, data, retry) goes to the flow's message log with the time its blank line arrived. The
 * response is still forwarded and its body stored exactly as before; this only reads a copy of the chunks.
 *
 * Parsing follows the HTML standard's event stream interpretation (§9.2.6): lines end in CRLF, LF or CR; a
 * line starting with ':' is a comment; `data` lines are joined with LF; an event is dispatched at a blank line
 * when it has data; `id` without NUL sets the last event id; `retry` takes ASCII digits only. A compressed
 * stream (gzip, deflate, br) is decompressed for reading.
 */
import type http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import type { MessageMeta } from '../../common/message';
import { mediaType } from '../../common/flow';

export interface SseEvent {
  data: string;
  /** The data's size in UTF-8 bytes, also when the kept data was cut short. */
  size: number;
  truncated: boolean;
  type?: string;
  /** The `id` field given in this event's block. */
  id?: string;
  retry?: number;
}

/** What the SSE reader records into: the flow's recording (recorder.ts). */
export interface EventRecording {
  message(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta | undefined;
  messageRoom(): number;
  /** Holds the flow's finish until the last events are in (recorder.ts). */
  holdFinish(): () => void;
}

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private line = '';
  /** Characters of the current line beyond `line` that were not kept (a line over the limit). */
  private lineDropped = 0;
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to it. */
  private afterCr = false;
  private data: string[] = [];
  private dataSize = 0;
  private dataKept = 0;
  private dataCut = false;
  private type: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;

  /** `limit()`: characters of data an event may keep (the message log's room). */
  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly limit: () => number,
  ) {}

  push(chunk: Buffer): void {
    this.text(this.decoder.write(chunk));
  }

  end(): void {
    this.text(this.decoder.end());
    // An event without its blank line at the end of the stream is not dispatched (as browsers do).
  }

  private text(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCr) {
        // CRLF is one line end, also when a chunk ends between the two.
        this.afterCr = false;
        if (c === 10) {
          start = i + 1;
          continue;
        }
      }
      if (c !== 10 && c !== 13) continue;
      this.append(text.slice(start, i));
      this.lineEnded();
      this.afterCr = c === 13;
      start = i + 1;
    }
    if (start < text.length) this.append(text.slice(start));
  }

  /** Part of the current line; a line longer than the limit keeps its start only. */
  private append(part: string): void {
    const room = Math.max(0, this.limit() + 64 - this.line.length);
    if (part.length <= room) this.line += part;
    else {
      this.line += part.slice(0, room);
      this.lineDropped += part.length - room;
    }
  }

  private lineEnded(): void {
    const line = this.line;
    const dropped = this.lineDropped;
    this.line = '';
    this.lineDropped = 0;
    if (line === '' && dropped === 0) return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.addData(value, dropped);
        break;
      case 'event':
        this.type = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retry = Number(value);
        break;
    }
  }

  private addData(value: string, dropped: number): void {
    // Lines are joined with LF; the size counts it between lines.
    const piece = this.data.length || this.dataSize ? `\n${value}` : value;
    this.dataSize += Buffer.byteLength(piece) + dropped;
    const room = this.limit() - this.dataKept;
    if (room <= 0) {
      this.dataCut = true;
      return;
    }
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    if (kept.length < piece.length || dropped > 0) this.dataCut = true;
    this.data.push(kept);
    this.dataKept += kept.length;
  }

  private dispatch(): void {
    const hasData = this.data.length > 0 || this.dataSize > 0;
    const event: SseEvent = { data: this.data.join(''), size: this.dataSize, truncated: this.dataCut };
    if (this.type) event.type = this.type;
    if (this.id !== undefined) event.id = this.id;
    if (this.retry !== undefined) event.retry = this.retry;
    this.data = [];
    this.dataSize = 0;
    this.dataKept = 0;
    this.dataCut = false;
    this.type = undefined;
    this.id = undefined;
    this.retry = undefined;
    if (hasData) this.onEvent(event);
  }
}

/** True for a response whose events should be read. */
export function isEventStream(response: http.IncomingMessage): boolean {
  return mediaType(response.headers['content-type']) === 'text/event-stream';
}

/** Reads the events of an event-stream response into the recording as the response streams. */
export function recordEvents(recording: EventRecording, response: http.IncomingMessage): void {
  const parser = new SseParser(
    (event) => {
      const message: Omit<MessageMeta, 'seq'> = { at: Date.now(), dir: 'to-client', kind: 'event', size: event.size, truncated: event.truncated };
      if (event.type !== undefined) message.eventType = event.type;
      if (event.id !== undefined) message.eventId = event.id;
      if (event.retry !== undefined) message.retry = event.retry;
      recording.message(message, Buffer.from(event.data));
    },
    () => recording.messageRoom(),
  );
  const decoder = decompressorFor(response.headers['content-encoding']);
  if (decoder) {
    // Decompression lags the stream: the flow finishes once the last events are out of the decompressor.
    const release = recording.holdFinish();
    decoder.on('data', (chunk: Buffer) => parser.push(chunk));
    decoder.on('end', () => {
      parser.end();
      release();
    });
    decoder.on('close', release);
    // A stream that does not decompress is still forwarded and stored; its events are not read.
    decoder.on('error', release);
    response.on('data', (chunk: Buffer) => decoder.write(chunk));
    response.on('end', () => decoder.end());
    // An aborted stream ends its decompressor; a complete one lets it finish the bytes it still holds.
    response.on('close', () => {
      if (!response.complete) decoder.destroy();
    });
    return;
  }
  response.on('data', (chunk: Buffer) => parser.push(chunk));
  response.on('end', () => parser.end());
}

function decompressorFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}
