/**
 * Raw UTF-8 request targets by default, at no cost to connections that never send one (issue 18). Reading
 * every client connection in JavaScript to rewrite request lines (request-target-bytes.ts) cost 12–26 µs per
 * request; instead, Node's native parser keeps reading each socket, strict as ever, and only when it refuses a
 * request target because of a byte >= 0x80 (HPE_INVALID_URL) is that one connection moved to the JavaScript
 * path: its parser is freed, as Node frees it for an Upgrade, the server is handed the same socket again as a
 * new connection (its new parser reads 'data' events: the handle stays marked consumed), and its bytes pass
 * through a RequestTargetEncoder from the refused request line on — the rest of the chunk the parser was
 * reading (`rawPacket`), then everything the socket reads after.
 *
 * The refused request must start inside `rawPacket`. The parser tells how far it got (`bytesParsed`: the bad
 * byte); the target began after the last space before it, and the method ends at that space. A method is
 * taken only when no other method ends with it and it ends with no other (http.METHODS: LOCK/UNLOCK,
 * PATCH/PROPPATCH are out), so the method's first byte is where the parser started the request even when the
 * bytes before it are the previous request's body. A line whose start came in an earlier chunk, another
 * method, a second refusal on the same connection, or a Node whose listeners are named otherwise: the 400
 * Hindsight answered before (early-failures.ts).
 */
import http from 'node:http';
import type net from 'node:net';
import { RequestTargetEncoder, encodeSocketData, readInJavaScript } from './request-target-bytes';

type ParseError = NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number };
type Listener = (...args: unknown[]) => void;
interface HttpSocket extends net.Socket {
  parser?: { _consumed?: boolean; unconsume(): void } | null;
  _httpMessage?: http.ServerResponse | null;
}

const SPACE = 0x20;

/** Methods whose first byte is certain once their last is known: none is the end of another. */
export const UNAMBIGUOUS_METHODS: readonly string[] = http.METHODS.filter((m) => !http.METHODS.some((o) => o !== m && (o.endsWith(m) || m.endsWith(o))));

/** Where the request whose target a parser refused at `errorAt` (a byte >= 0x80) starts in `raw`, if it does. */
export function refusedRequestStart(raw: Buffer, errorAt: number): number | undefined {
  if (!(errorAt >= 0 && errorAt < raw.length) || raw[errorAt] < 0x80) return undefined;
  const space = raw.lastIndexOf(SPACE, errorAt);
  if (space <= 0) return undefined;
  for (const method of UNAMBIGUOUS_METHODS) {
    const start = space - method.length;
    if (start >= 0 && raw.toString('latin1', start, space) === method) return start;
  }
  return undefined;
}

/** Sockets moved to the JavaScript path once: a second refusal on one of them gets its 400. */
const recovered = new WeakSet<net.Socket>();

/**
 * What takes over a connection of `server` whose request target its parser refused for raw UTF-8 (see the file
 * comment): call with the server's 'clientError' arguments; false when it does not, and the refusal is
 * answered as before. Made before anything wraps the server's `event` listeners: Node's own is kept here.
 */
export function rawUtf8Recovery(server: http.Server, event: 'connection' | 'secureConnection', maxLine: number): (err: ParseError, socket: net.Socket) => boolean {
  const connectionListener = server.listeners(event).find((listener) => listener.name === 'connectionListener') as Listener | undefined;
  return (err, socket) => (connectionListener ? recover(server, connectionListener, err, socket, maxLine) : false);
}

function recover(server: http.Server, connectionListener: Listener, err: ParseError, socket: net.Socket, maxLine: number): boolean {
  if (err.code !== 'HPE_INVALID_URL' || !err.rawPacket || typeof err.bytesParsed !== 'number') return false;
  if (recovered.has(socket) || socket.destroyed || !socket.writable) return false;
  const start = refusedRequestStart(err.rawPacket, err.bytesParsed);
  const node = nodeListeners(socket);
  if (start === undefined || !node) return false;
  recovered.add(socket);
  // The chunk may be the parser's own buffer: copied before the parser is freed.
  const rest = Buffer.from(err.rawPacket.subarray(start));
  const s = socket as HttpSocket;
  // The refused parser reads no more: later bytes wait in the socket until the new connection takes them.
  s.removeListener('data', node.data);
  // Nor does it see the client's end (its parser would refuse it again): the new connection is told at hand-over.
  s.removeListener('end', node.end);
  let ended = false;
  const onEnd = () => (ended = true);
  s.once('end', onEnd);
  if (s.parser?._consumed) {
    s.parser.unconsume();
    s.parser._consumed = false;
  }
  s.pause();
  const handOver = () => {
    if (s.destroyed) return;
    // A response to an earlier (pipelined) request is still going out on the old connection: it finishes first.
    const inFlight = s._httpMessage;
    if (inFlight) return void inFlight.once('close', () => setImmediate(handOver));
    // What Node's own connection handling left on the socket goes, as for an Upgrade (_http_server.js); its
    // close handler frees the parser (and the server's timeout watch of it).
    node.close();
    for (const [name, listener] of node.all) s.removeListener(name, listener);
    for (const name of ['on', 'addListener', 'prependListener', 'setEncoding'] as const) if (Object.hasOwn(s, name)) delete (s as unknown as Record<string, unknown>)[name];
    // The keep-alive wait between requests ends here, as it would have when the request began.
    s.setTimeout(0);
    encodeSocketData(s, new RequestTargetEncoder(maxLine));
    connectionListener.call(server, s);
    readInJavaScript(s);
    s.removeListener('end', onEnd);
    s.emit('data', rest);
    // A client that half-closed after its request (Node answers it, then closes): the new parser hears of it too.
    if (ended) s.emit('end');
    s.resume();
    // The stream still waits on the read it asked for before the pause, which the native parser took: without
    // a new one, nothing more is read (net.Socket's _read starts the handle reading when it is not).
    (s as net.Socket & { _read(size: number): void })._read(0);
  };
  // Out of the refused parser's callback before it is freed.
  setImmediate(handOver);
  return true;
}

/** The listeners Node's HTTP server put on a socket for its connection, by name; undefined if one is missing. */
function nodeListeners(socket: net.Socket): { data: Listener; end: Listener; close: () => void; all: [string, Listener][] } | undefined {
  const find = (event: string, name: string) => (socket.listeners(event) as Listener[]).find((listener) => listener.name === name);
  const names: [string, string][] = [
    ['data', 'bound socketOnData'],
    ['end', 'bound socketOnEnd'],
    ['close', 'bound socketOnClose'],
    ['drain', 'bound socketOnDrain'],
    ['timeout', 'socketOnTimeout'],
  ];
  const all: [string, Listener][] = [];
  for (const [event, name] of names) {
    const listener = find(event, name);
    if (!listener) return undefined;
    all.push([event, listener]);
  }
  // Present only on natively read sockets (unconsume removes them).
  for (const [event, name] of [['resume', 'onSocketResume'], ['pause', 'onSocketPause']]) {
    const listener = find(event, name);
    if (listener) all.push([event, listener]);
  }
  const close = all[2][1];
  return { data: all[0][1], end: all[1][1], close: () => close(), all };
}
