/**
 * The two sockets of an upgraded WebSocket, relayed chunk for chunk with backpressure (as `pipe` did), while
 * each direction's frames are read as they pass (frames.ts) and every message goes to the flow's message log:
 * text, binary (decompressed when permessage-deflate is on, deflate.ts), ping, pong and close with its code
 * and reason. The chunks forwarded are the sockets' own; reading them never delays or changes them.
 *
 * Hindsight can also send a message into a live socket (`inject`), to the client or to the server. The frame
 * is written between two frames of that direction and never inside a fragmented message: at once when the
 * direction is between messages, else at the next point where it is, splitting the chunk there.
 */
import crypto from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import type { MessageDirection, MessageKind, MessageMeta } from '../../../common/message';
import { acceptedDeflate, MessageInflater, type Inflated } from './deflate';
import { encodeFrame, FrameReader, OPCODE, type FrameHeader } from './frames';

/** What the relay records into: the flow's recording (recorder.ts). */
export interface MessageRecording {
  message(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta | undefined;
  messageRoom(): number;
}

/** Control frames carry at most 125 bytes (RFC 6455 §5.5); more is kept only up to this. */
const CONTROL_KEEP = 4096;
/** How long a closing relay waits for decompressions still under way before the flow is finished. */
const SETTLE_MS = 2_000;

export class InjectError extends Error {
  override name = 'InjectError';
}

/** Messages enter the log in the order they completed on the wire, also when one waits for its decompression. */
class OrderedLog {
  private readonly slots: { ready: boolean; message?: Omit<MessageMeta, 'seq'>; payload?: Buffer; onStored?: (meta: MessageMeta | undefined) => void }[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly recording: MessageRecording) {}

  /** Reserves the next place; the returned function fills it (a message, or nothing to skip it). */
  reserve(onStored?: (meta: MessageMeta | undefined) => void): (message?: Omit<MessageMeta, 'seq'>, payload?: Buffer) => void {
    const slot: (typeof this.slots)[number] = { ready: false, onStored };
    this.slots.push(slot);
    return (message, payload) => {
      slot.ready = true;
      slot.message = message;
      slot.payload = payload;
      this.drain();
    };
  }

  get idle(): boolean {
    return this.slots.length === 0;
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    while (this.slots.length && this.slots[0].ready) {
      const slot = this.slots.shift()!;
      const meta = slot.message ? this.recording.message(slot.message, slot.payload ?? Buffer.alloc(0)) : undefined;
      slot.onStored?.(meta);
    }
    if (this.idle) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** A data message being read (its first frame has arrived). */
interface DataMessage {
  kind: 'text' | 'binary';
  compressed: boolean;
  /** Bytes kept of an uncompressed message (at most `limit`). */
  chunks: Buffer[];
  kept: number;
  limit: number;
  /** Payload bytes on the wire. */
  wireSize: number;
}

/** One direction of the relay: its frames, the message being read, and frames waiting to be injected. */
class Direction {
  readonly reader: FrameReader;
  private message: DataMessage | undefined;
  /** What the current frame belongs to. */
  private frame: 'data' | 'control' | 'skip' = 'skip';
  private control: { opcode: number; chunks: Buffer[]; size: number } | undefined;
  private readonly inflater: MessageInflater | undefined;
  /** Frames to write at the next point between messages. */
  injections: Buffer[] = [];
  /** Where in the chunk being read the first such point came (set while reading). */
  splitAt: number | undefined;

  constructor(
    readonly dir: MessageDirection,
    private readonly log: OrderedLog,
    private readonly recording: MessageRecording,
    deflate: { noContextTakeover: boolean } | undefined,
  ) {
    // Window bits: a decompressor with the largest window reads every stream a smaller window produced.
    this.inflater = deflate ? new MessageInflater(deflate.noContextTakeover, 15) : undefined;
    this.reader = new FrameReader({
      frameStart: (h) => this.frameStart(h),
      payload: (part, unmask) => this.payload(part, unmask),
      frameEnd: (offset) => this.frameEnd(offset),
    });
  }

  /** Between frames and not inside a fragmented message: a frame may be written here. */
  get betweenMessages(): boolean {
    return !this.reader.broken && this.reader.atBoundary && !this.message;
  }

  private frameStart(h: FrameHeader): void {
    this.header = h;
    if (h.opcode >= 8) {
      this.frame = 'control';
      this.control = { opcode: h.opcode, chunks: [], size: 0 };
      return;
    }
    if (h.opcode === OPCODE.text || h.opcode === OPCODE.binary) {
      const compressed = h.rsv1 && this.inflater !== undefined;
      const limit = this.recording.messageRoom();
      this.message = { kind: h.opcode === OPCODE.text ? 'text' : 'binary', compressed, chunks: [], kept: 0, limit, wireSize: 0 };
      this.frame = 'data';
      if (compressed) this.startInflating(this.message);
      return;
    }
    this.frame = h.opcode === OPCODE.continuation && this.message ? 'data' : 'skip';
  }

  private header: FrameHeader | undefined;
  /** The compressed message being read: called at its last frame's end to take its place in the log. */
  private inflated: (() => void) | undefined;

  /**
   * Feeds a compressed message to the decompressor as it streams. Its place in the log is taken when its last
   * frame ends (like an uncompressed one); it is filled once the decompressed bytes are back.
   */
  private startInflating(message: DataMessage): void {
    const state: { result?: Inflated; fill?: (message?: Omit<MessageMeta, 'seq'>, payload?: Buffer) => void; at: number } = { at: 0 };
    const settle = () => {
      if (!state.result || !state.fill) return;
      const { payload, size, failed } = state.result;
      state.fill({ at: state.at, dir: this.dir, kind: message.kind, size: failed ? message.wireSize : size, truncated: failed || payload.length < size, compressed: true }, payload);
    };
    this.inflater!.begin(message.limit, (result) => {
      state.result = result;
      settle();
    });
    this.inflated = () => {
      state.at = Date.now();
      state.fill = this.log.reserve();
      settle();
    };
  }

  private payload(part: Buffer, unmask: (part: Buffer) => Buffer): void {
    if (this.frame === 'control') {
      const control = this.control!;
      control.size += part.length;
      const room = CONTROL_KEEP - control.chunks.reduce((n, c) => n + c.length, 0);
      if (room > 0) control.chunks.push(unmask(part.length > room ? part.subarray(0, room) : part));
      return;
    }
    const message = this.message;
    if (this.frame !== 'data' || !message) return;
    message.wireSize += part.length;
    if (message.compressed) {
      this.inflater!.write(unmask(part));
      return;
    }
    const room = message.limit - message.kept;
    if (room <= 0) return;
    const kept = unmask(part.length > room ? part.subarray(0, room) : part);
    message.chunks.push(kept);
    message.kept += kept.length;
  }

  private frameEnd(offset: number): void {
    const h = this.header;
    this.header = undefined;
    if (this.frame === 'control' && this.control) {
      this.recordControl(this.control);
      this.control = undefined;
    } else if (this.frame === 'data' && h?.fin && this.message) {
      const message = this.message;
      this.message = undefined;
      if (message.compressed) {
        this.inflated?.();
        this.inflated = undefined;
        this.inflater!.end();
      } else {
        const payload = message.chunks.length === 1 ? message.chunks[0] : Buffer.concat(message.chunks);
        this.log.reserve()({ at: Date.now(), dir: this.dir, kind: message.kind, size: message.wireSize, truncated: payload.length < message.wireSize }, payload);
      }
    }
    this.frame = 'skip';
    if (this.injections.length && this.splitAt === undefined && !this.message) this.splitAt = offset;
  }

  private recordControl(control: { opcode: number; chunks: Buffer[]; size: number }): void {
    const payload = Buffer.concat(control.chunks);
    const kind: MessageKind = control.opcode === OPCODE.close ? 'close' : control.opcode === OPCODE.ping ? 'ping' : control.opcode === OPCODE.pong ? 'pong' : 'binary';
    const message: Omit<MessageMeta, 'seq'> = { at: Date.now(), dir: this.dir, kind, size: control.size, truncated: payload.length < control.size };
    let stored = payload;
    if (kind === 'close' && payload.length >= 2) {
      message.closeCode = payload.readUInt16BE(0);
      stored = payload.subarray(2);
      message.closeReason = stored.toString('utf8');
    } else if (kind === 'close') {
      stored = Buffer.alloc(0);
    }
    this.log.reserve()(message, stored);
  }

  dispose(): void {
    this.inflater?.dispose();
  }
}

export interface RelayOptions {
  client: Duplex;
  server: Duplex;
  /** The flow's recording; without it the sockets are piped and nothing is read. */
  recording?: MessageRecording;
  /** The server's Sec-WebSocket-Extensions answer (permessage-deflate parameters). */
  extensions?: string;
  /**
   * Where each direction's bytes are written, when not straight into the socket: a stream piped into it
   * (a bandwidth throttle, for instance). Backpressure and end are honoured as for the socket.
   */
  sinks?: { toClient?: Writable; toServer?: Writable };
  /** Called once when both sockets are done and every message is in the log. */
  onClosed(): void;
}

export class WebSocketRelay {
  private readonly toServer: Direction | undefined;
  private readonly toClient: Direction | undefined;
  private readonly log: OrderedLog | undefined;
  private closed = false;

  constructor(private readonly options: RelayOptions) {
    const { recording } = options;
    if (!recording) return;
    const deflate = acceptedDeflate(options.extensions);
    this.log = new OrderedLog(recording);
    this.toServer = new Direction('to-server', this.log, recording, deflate && { noContextTakeover: deflate.clientNoContextTakeover });
    this.toClient = new Direction('to-client', this.log, recording, deflate && { noContextTakeover: deflate.serverNoContextTakeover });
  }

  /** Starts relaying; `clientHead`/`serverHead` are bytes that arrived with the handshake. */
  start(clientHead: Buffer, serverHead: Buffer): void {
    const { client, server, sinks } = this.options;
    this.relay(server, sinks?.toClient ?? client, this.toClient, serverHead);
    this.relay(client, sinks?.toServer ?? server, this.toServer, clientHead);
    let closing = false;
    const onClose = () => {
      client.destroy();
      server.destroy();
      if (closing) return;
      closing = true;
      void this.settle();
    };
    client.on('close', onClose);
    server.on('close', onClose);
    // A side that closed before the relay began has no 'close' left to emit.
    if (client.destroyed || server.destroyed) onClose();
  }

  /**
   * Sends a message into the socket, to the client or to the server, and records it as injected. Resolves
   * with the message as stored once it is written (or queued to be written at the next point between messages).
   */
  inject(to: 'client' | 'server', kind: 'text' | 'binary', payload: Buffer): Promise<MessageMeta | undefined> {
    const direction = to === 'client' ? this.toClient : this.toServer;
    const socket = to === 'client' ? this.options.client : this.options.server;
    const sink = (to === 'client' ? this.options.sinks?.toClient : this.options.sinks?.toServer) ?? socket;
    if (this.closed || !direction || !this.log || socket.destroyed || !socket.writable) return Promise.reject(new InjectError('the WebSocket is closed'));
    if (direction.reader.broken) return Promise.reject(new InjectError(`the stream to the ${to} is not readable as WebSocket frames, so a message cannot be placed in it`));
    // Frames a client sends are masked; a server's are not (RFC 6455 §5.1).
    const frame = encodeFrame(kind === 'text' ? OPCODE.text : OPCODE.binary, payload, to === 'server' ? crypto.randomBytes(4) : undefined);
    return new Promise((resolve) => {
      const message: Omit<MessageMeta, 'seq'> = { at: 0, dir: direction.dir, kind, size: payload.length, truncated: false, injected: true };
      // The message takes its place in the log when it is written.
      const record = () => this.log!.reserve(resolve)({ ...message, at: Date.now() }, payload);
      if (direction.betweenMessages && direction.injections.length === 0) {
        sink.write(frame);
        record();
      } else {
        direction.injections.push(frame);
        this.pendingInjections.set(frame, { record, cancel: () => resolve(undefined) });
      }
    });
  }

  /** Injected frames waiting for a point between messages, with how to record or give them up. */
  private readonly pendingInjections = new Map<Buffer, { record: () => void; cancel: () => void }>();

  private relay(from: Duplex, to: Writable, direction: Direction | undefined, head: Buffer): void {
    const write = (chunk: Buffer): boolean => {
      if (chunk.length === 0) return true;
      return to.write(chunk);
    };
    const forward = (chunk: Buffer): boolean => {
      if (!direction) return write(chunk);
      direction.splitAt = undefined;
      direction.reader.push(chunk);
      const split = direction.splitAt as number | undefined;
      if (split === undefined || direction.injections.length === 0) return write(chunk);
      write(chunk.subarray(0, split));
      this.flushInjections(direction, to);
      return write(chunk.subarray(split));
    };
    if (head.length) forward(head);
    from.on('data', (chunk: Buffer) => {
      if (!forward(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => to.end());
  }

  private flushInjections(direction: Direction, to: Writable): void {
    const frames = direction.injections;
    direction.injections = [];
    for (const frame of frames) {
      to.write(frame);
      const pending = this.pendingInjections.get(frame);
      this.pendingInjections.delete(frame);
      pending?.record();
    }
  }

  private async settle(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Injections that never found their place were not sent, nor recorded.
    for (const pending of this.pendingInjections.values()) pending.cancel();
    this.pendingInjections.clear();
    if (this.log && !this.log.idle) {
      await Promise.race([this.log.whenIdle(), new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS).unref())]);
    }
    this.toServer?.dispose();
    this.toClient?.dispose();
    this.options.onClosed();
  }
}
