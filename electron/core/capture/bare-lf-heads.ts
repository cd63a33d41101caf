/**
 * Response heads whose lines end in a bare LF (issue 18): `HTTP/1.1 200 OK\nContent-Length: 2\n\nhi` is
 * taken by curl and browsers, and refused by Node's strict parser (HPE_CR_EXPECTED). Node's way out,
 * `insecureHTTPParser`, turns on every llhttp leniency at once (llhttp's kLenientAll in Node 20: a bare CR
 * as a line end, Content-Length together with Transfer-Encoding, lax chunk framing, control characters in
 * header values, any HTTP version, data after `Connection: close`), and each of those is a way for the proxy
 * and a server to disagree on where a response ends. So the parser stays strict, and the proxy adds the
 * missing CR before each bare LF of a response *head* before the parser sees the bytes. Only head bytes are
 * touched: interim 1xx heads and the final head; after the final head the bytes go through as they came, so
 * a body (and its chunk framing) is parsed exactly as before. A bare CR is left alone and still refused.
 *
 * Node's HTTP/1.1 client reads a socket through its 'data' listener `socketOnData` (_http_client.js), added
 * just before the request's 'socket' event; this module puts itself in front of that listener for the
 * request's head and puts the original back, in its place among the listeners' jobs, once the head is past.
 * Should a future Node name it otherwise, nothing is wrapped and bare LF stays refused as before (the
 * http1-edges test says so at once).
 */
import type http from 'node:http';
import type net from 'node:net';

const CR = 0x0d;
const LF = 0x0a;
/** Bytes of a status line kept to read its code (`HTTP/1.1 103`). */
const STATUS_PREFIX = 16;

/** Rewrites bare LFs in response heads to CRLF, head after head, until the final (non-1xx) head has passed. */
export class HeadLineEnds {
  /** The final head has passed: every further byte is body (or the next exchange's, which Node handles). */
  done = false;
  private lastWasCr = false;
  private lineHasText = false;
  private atFirstLine = true;
  private statusLine = '';
  private headBytes = 0;

  constructor(private readonly maxHeadBytes: number) {}

  /** The chunk as the parser should see it (the same Buffer when nothing changed). */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    let pieces: Buffer[] | undefined;
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      this.headBytes++;
      if (byte !== LF) {
        if (byte !== CR) this.lineHasText = true;
        if (this.atFirstLine && this.statusLine.length < STATUS_PREFIX) this.statusLine += String.fromCharCode(byte);
        this.lastWasCr = byte === CR;
        continue;
      }
      if (!this.lastWasCr) {
        (pieces ??= []).push(chunk.subarray(from, i), CR_BYTES);
        from = i;
      }
      this.lastWasCr = false;
      const emptyLine = !this.lineHasText;
      this.lineHasText = false;
      if (this.atFirstLine) {
        this.atFirstLine = false;
        continue;
      }
      if (!emptyLine) continue;
      // The end of a head: an interim 1xx (not 101) is followed by another head, anything else is final.
      const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(this.statusLine)?.[1]);
      if (status >= 100 && status < 200 && status !== 101) {
        this.atFirstLine = true;
        this.statusLine = '';
        continue;
      }
      this.done = true;
      break;
    }
    // A head larger than the parser takes is refused by the parser (HPE_HEADER_OVERFLOW); stop looking.
    if (this.headBytes > this.maxHeadBytes) this.done = true;
    if (!pieces) return chunk;
    pieces.push(chunk.subarray(from));
    return Buffer.concat(pieces);
  }
}

const CR_BYTES = Buffer.from([CR]);

type DataListener = (this: net.Socket, chunk: Buffer) => void;

/** Lets `request`'s response heads end their lines in bare LF (see the file comment); call before it has a socket. */
export function acceptBareLfHeads(request: http.ClientRequest, maxHeadBytes: number): void {
  request.on('socket', (socket: net.Socket) => {
    const original = (socket.listeners('data') as DataListener[]).find((listener) => listener.name === 'socketOnData');
    if (!original) return;
    const heads = new HeadLineEnds(maxHeadBytes);
    let wrapped = true;
    const restore = () => {
      if (!wrapped) return;
      wrapped = false;
      socket.removeListener('data', wrapper);
      // socketOnData removes itself by reference once the response is complete, upgraded or broken.
      if (!socket.destroyed) socket.on('data', original);
    };
    const wrapper: DataListener = function (chunk) {
      const out = heads.push(chunk);
      if (heads.done) restore();
      original.call(this, out);
      // A parse error destroyed the socket while the head was still being read.
      if (socket.destroyed) restore();
    };
    socket.removeListener('data', original);
    socket.on('data', wrapper);
    // The exchange ended before its final head (an error, a timeout): nothing of ours stays on a pooled socket.
    request.once('close', restore);
  });
}
