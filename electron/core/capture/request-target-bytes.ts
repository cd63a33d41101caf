/**
 * Raw UTF-8 in a request target (issue 18): curl sends `GET /café HTTP/1.1` with the é as two raw bytes, and
 * most servers take it, but Node's request parser refuses any byte >= 0x80 in the target (HPE_INVALID_URL).
 * Its `insecureHTTPParser` would take them, and with them every other leniency of llhttp: Content-Length with
 * Transfer-Encoding, bare CR line ends, lax chunk framing — request smuggling. So the client side stays
 * strict, and the proxy percent-encodes those bytes in the request line before Node's parser sees it:
 * `/caf%C3%A9`, which is what the client meant (RFC 3986 §2.5: non-ASCII in a URI is its UTF-8, encoded).
 * The flow and the origin see the encoded target.
 *
 * Where client bytes arrive: Node's HTTP server reads a socket natively (parser.consume), unless someone
 * listens to its 'data', in which case it reads 'data' events in JavaScript. A socket switched to that path
 * — by default only one whose target the native parser refused for raw UTF-8 (raw-utf8-recovery.ts); with
 * `serve --raw-utf8-paths` each socket that reaches the HTTP/1.1 handler (direct, through a tunnel, or after
 * TLS) — has its 'data' pass through here before the parser: request lines are rewritten, heads
 * and Content-Length bodies are counted so only request lines are ever touched. Anything this module does not
 * follow exactly — a chunked body, an Upgrade, CONNECT, a line that is not a well-formed HTTP/1.x request
 * line, a control byte, an oversized line — turns it off for the rest of the connection, and the bytes go to
 * the strict parser as they came (a raw UTF-8 target on such a connection gets the 400 it got before).
 * Nothing here adds a CR or removes a byte: a bare-LF request is refused by the parser as before.
 */
import type net from 'node:net';

const LF = 0x0a;
const CR = 0x0d;
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]+ HTTP\/1\.[01]$/;
const HEX = '0123456789ABCDEF';

type State = 'line' | 'head' | 'body' | 'off';

/** Follows one connection's requests and percent-encodes bytes >= 0x80 in their request targets. */
export class RequestTargetEncoder {
  state: State = 'line';
  /** Bytes of the current request line (or header line) not yet passed on / looked at. */
  private line: Buffer[] = [];
  private lineLength = 0;
  private bodyLeft = 0;
  private contentLengths: string[] = [];
  private unfollowed = false;

  constructor(private readonly maxLine: number) {}

  /** The bytes the parser should get for `chunk` (possibly none yet: a request line still arriving). */
  push(chunk: Buffer): Buffer {
    if (this.state === 'off') return chunk;
    // The common case of an upload: a chunk inside a counted body passes as it is.
    if (this.state === 'body' && chunk.length <= this.bodyLeft) {
      this.bodyLeft -= chunk.length;
      if (this.bodyLeft === 0) this.state = 'line';
      return chunk;
    }
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length && !this.isOff()) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        out.push(chunk.subarray(at, at + take));
        at += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.state = 'line';
        continue;
      }
      // 'line' (a request line, held until whole) or 'head' (header lines, passed on as they come, looked at).
      const lf = chunk.indexOf(LF, at);
      const end = lf < 0 ? chunk.length : lf + 1;
      const piece = chunk.subarray(at, end);
      at = end;
      if (this.state === 'head') out.push(piece);
      this.line.push(piece);
      this.lineLength += piece.length;
      if (lf < 0) {
        if (this.lineLength > this.maxLine || (this.state === 'line' && hasControlByte(piece))) this.stop(out);
        continue;
      }
      const whole = this.line.length === 1 ? this.line[0] : Buffer.concat(this.line);
      this.line = [];
      this.lineLength = 0;
      if (this.state === 'line') this.requestLine(whole, out);
      else this.headerLine(whole);
    }
    if (this.isOff() && at < chunk.length) out.push(chunk.subarray(at));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Read through a method: the steps above change the state behind TypeScript's narrowing. */
  private isOff(): boolean {
    return this.state === 'off';
  }

  /** Bytes held back when the client's side ends (a request line cut short): the parser judges them. */
  flush(): Buffer {
    const held = this.state === 'line' ? Buffer.concat(this.line) : Buffer.alloc(0);
    this.line = [];
    this.lineLength = 0;
    this.state = 'off';
    return held;
  }

  private stop(out: Buffer[]): void {
    if (this.state === 'line') out.push(...this.line);
    this.line = [];
    this.lineLength = 0;
    this.state = 'off';
  }

  private requestLine(whole: Buffer, out: Buffer[]): void {
    const text = trimLineEnd(whole).toString('latin1');
    // Empty lines before a request are allowed (RFC 9112 §2.2).
    if (text === '') return void out.push(whole);
    if (!REQUEST_LINE.test(text) || hasControlByte(trimLineEnd(whole))) {
      out.push(whole);
      this.state = 'off';
      return;
    }
    const space = text.indexOf(' ');
    const method = text.slice(0, space);
    const lastSpace = text.lastIndexOf(' ');
    const target = whole.subarray(space + 1, lastSpace);
    if (target.some((byte) => byte >= 0x80)) {
      out.push(whole.subarray(0, space + 1), Buffer.from(percentEncodeHigh(target), 'latin1'), whole.subarray(lastSpace));
    } else {
      out.push(whole);
    }
    // A tunnel's bytes after CONNECT are not requests to this server.
    if (method === 'CONNECT') {
      this.state = 'off';
      return;
    }
    this.state = 'head';
    this.contentLengths = [];
    this.unfollowed = false;
  }

  private headerLine(whole: Buffer): void {
    const text = trimLineEnd(whole).toString('latin1');
    if (text !== '') {
      const colon = text.indexOf(':');
      const name = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
      const value = colon < 0 ? '' : text.slice(colon + 1).trim();
      if (name === 'content-length') this.contentLengths.push(value);
      // Bodies this module does not count, and connections that stop being HTTP/1.1 requests.
      else if (name === 'transfer-encoding' || name === 'upgrade') this.unfollowed = true;
      return;
    }
    // The end of the head: what follows is the body, then the next request line.
    const lengths = this.contentLengths;
    if (this.unfollowed || lengths.length > 1 || (lengths.length === 1 && !/^\d{1,15}$/.test(lengths[0]))) {
      this.state = 'off';
    } else if (lengths.length === 1 && Number(lengths[0]) > 0) {
      this.state = 'body';
      this.bodyLeft = Number(lengths[0]);
    } else {
      this.state = 'line';
    }
  }
}

function trimLineEnd(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return line.subarray(0, end);
}

/** A control byte other than the line end's CR/LF: not a request line (binary, a TLS record, HTTP/2 frames). */
function hasControlByte(bytes: Buffer): boolean {
  for (const byte of bytes) if ((byte < 0x20 && byte !== CR && byte !== LF) || byte === 0x7f) return true;
  return false;
}

/**
 * A request target Node gave as a latin1 string (one char per byte: an h2 :path, which nghttp2 passes with raw
 * bytes >= 0x80) made readable the same way: those bytes as %XX. Unchanged, and not copied, when there are none.
 */
export function readableTarget(latin1: string): string {
  return HIGH_BYTE.test(latin1) ? percentEncodeHigh(Buffer.from(latin1, 'latin1')) : latin1;
}

const HIGH_BYTE = /[\u0080-\u00ff]/;

/** The target with each byte >= 0x80 as %XX; other bytes as they are (latin1 keeps them one char each). */
export function percentEncodeHigh(target: Buffer): string {
  let text = '';
  for (const byte of target) text += byte >= 0x80 ? `%${HEX[byte >> 4]}${HEX[byte & 15]}` : String.fromCharCode(byte);
  return text;
}

/**
 * Puts the encoder in front of every socket `server` hands to the listeners `event` has now (its HTTP/1.1
 * handler: 'connection' for the plain server, 'secureConnection' for the TLS one). Call before other code
 * puts sniffers in front of those listeners, so the encoder sees only what goes to HTTP/1.1.
 */
export function encodeRequestTargets(server: net.Server, event: 'connection' | 'secureConnection', maxLine: number): void {
  const http1 = server.listeners(event) as ((socket: net.Socket) => void)[];
  server.removeAllListeners(event);
  server.on(event, (socket: net.Socket) => {
    encodeSocketData(socket, new RequestTargetEncoder(maxLine));
    for (const listener of http1) listener.call(server, socket);
    readInJavaScript(socket);
  });
}

/**
 * Passes every 'data' event of `socket` through `encoder` until it stops following the connection (or the
 * socket ends or closes). Whoever reads 'data' after this gets the encoded bytes.
 */
export function encodeSocketData(socket: net.Socket, encoder: RequestTargetEncoder): void {
  const emit = socket.emit;
  const emitAs = emit as (this: net.Socket, name: string | symbol, ...args: unknown[]) => boolean;
  const restore = () => {
    if (socket.emit !== emit) socket.emit = emit;
  };
  socket.emit = function (this: net.Socket, name: string | symbol, ...args: unknown[]): boolean {
    if (name === 'data' && Buffer.isBuffer(args[0])) {
      const out = encoder.push(args[0]);
      if (encoder.state === 'off') restore();
      return out.length === 0 ? true : emitAs.call(this, 'data', out);
    }
    if (name === 'end') {
      restore();
      const held = encoder.flush();
      if (held.length > 0) emitAs.call(this, 'data', held);
    } else if (name === 'close') {
      restore();
    }
    return emitAs.call(this, name, ...args);
  } as typeof socket.emit;
}

/**
 * Node's server reads a socket natively (parser.consume), past 'data' events; a 'data' listener makes it read
 * them in JavaScript instead (_http_server.js, unconsume), where they pass through the encoder first.
 */
export function readInJavaScript(socket: net.Socket): void {
  const noop = () => {};
  socket.on('data', noop);
  socket.removeListener('data', noop);
}
