/**
 * The two sockets of an upgraded WebSocket, relayed chunk for chunk with backpressure (as `pipe` did), while
 * each direction's frames are read as they pass (frames.ts) and every message goes to the flow's message log:
 * text, binary (decompressed when permessage-deflate is on, deflate.ts), ping, pong and close with its code
 * and reason. The chunks forwarded are the sockets' own; reading them never delays or changes them.
 *
 * Hindsight can also send a message into a live socket (`inject`), to the client or to the server. The frame
 * is written between two frames of that direction and never inside a fragmented message: at once when the
 * direction is between messages, else at the next point where it is, splitting the chunk there.
 *
 * A socket whose handshake matched ws-message rules (electron/core/rules/ws-message.ts) is relayed frame by
 * frame instead: control frames go on at once, a data message is held until its last frame, and a text message
 * is then forwarded as it was, rewritten, or not at all (dropped). A rewritten message is sent as one
 * uncompressed frame (RSV1 off), which RFC 7692 §6 allows on a permessage-deflate socket. When the sender keeps
 * its compression context, the receiver's decompressor would now miss the original message's bytes, so from
 * then on every compressed message in that direction is forwarded decompressed too. A message larger than
 * HOLD_LIMIT is not held: it streams on unchanged and no rule applies to it.
 */
import crypto from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import type { MessageDirection, MessageKind, MessageMeta } from '../../../common/message';
import type { MessageGate, MessageVerdict } from '../../rules/ws-message';
import { acceptedDeflate, MessageInflater, type Inflated } from './deflate';
import { encodeFrame, FrameReader, OPCODE, type FrameHeader } from './frames';
import { OrderedOutput } from './ordered-output';

/** What the relay records into: the flow's recording (recorder.ts). */
export interface MessageRecording {
  message(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta | undefined;
  messageRoom(): number;
}

/** Control frames carry at most 125 bytes (RFC 6455 §5.5); more is kept only up to this. */
const CONTROL_KEEP = 4096;
/** The largest message (on the wire, and decompressed) held for message rules; a larger one streams on unchanged. */
export const HOLD_LIMIT = 16 * 1024 * 1024;
/** How much of a rewritten message's original text its log entry keeps. */
export const ORIGINAL_KEEP = 64 * 1024;
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

  /** A message complete now: straight into the log when nothing waits before it (no slot, no closure). */
  add(message: Omit<MessageMeta, 'seq'>, payload: Buffer): void {
    if (this.slots.length === 0) this.recording.message(message, payload);
    else this.reserve()(message, payload);
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
  /** With message rules: what this direction writes, frame by frame, in order. */
  readonly output: OrderedOutput | undefined;
  /** With message rules: an injected frame was placed in the output (the relay records it). */
  onInjected: ((frame: Buffer) => void) | undefined;
  /** With message rules: the raw bytes of the frame being read, and the frames of the data message held. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The data message being read is too large to hold: its frames go on as they come. */
  private streaming = false;
  /** The stream stopped looking like frames: everything goes on as it comes. */
  private passthrough = false;
  /** A rule changed a compressed message and the sender keeps its context: compressed messages go on decompressed. */
  private reencode = false;
  private chunk: Buffer | undefined;
  private chunkAt = 0;

  constructor(
    readonly dir: MessageDirection,
    private readonly log: OrderedLog,
    private readonly recording: MessageRecording,
    private readonly deflate: { noContextTakeover: boolean } | undefined,
    private readonly gate?: MessageGate,
    /** Aborts when the socket closes: a paused message is released. */
    private readonly signal: AbortSignal = new AbortController().signal,
  ) {
    this.output = gate ? new OrderedOutput() : undefined;
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
      // Held for the rules, a message is kept whole (up to HOLD_LIMIT); the log cuts what it stores to its cap.
      const limit = this.gate ? Math.max(this.recording.messageRoom(), HOLD_LIMIT) : this.recording.messageRoom();
      this.message = { kind: h.opcode === OPCODE.text ? 'text' : 'binary', compressed, chunks: [], kept: 0, limit, wireSize: 0 };
      this.frame = 'data';
      if (compressed) this.startInflating(this.message);
      return;
    }
    this.frame = h.opcode === OPCODE.continuation && this.message ? 'data' : 'skip';
  }

  private header: FrameHeader | undefined;
  /** The compressed message being read: called at its last frame's end to take its place in the log. */
  private inflated: ((frames?: Buffer[]) => void) | undefined;

  /**
   * Feeds a compressed message to the decompressor as it streams. Its place in the log is taken when its last
   * frame ends (like an uncompressed one); it is filled once the decompressed bytes are back.
   */
  private startInflating(message: DataMessage): void {
    const state: {
      result?: Inflated;
      fill?: (message?: Omit<MessageMeta, 'seq'>, payload?: Buffer) => void;
      at: number;
      /** With message rules: the message's frames as received, and its place in the output. */
      frames?: Buffer[];
      send?: (frames: Buffer[]) => void;
    } = { at: 0 };
    const settle = () => {
      if (!state.result || !state.fill) return;
      const { payload, size, failed } = state.result;
      const meta: Omit<MessageMeta, 'seq'> = { at: state.at, dir: this.dir, kind: message.kind, size: failed ? message.wireSize : size, truncated: failed || payload.length < size, compressed: true };
      if (!state.send) return state.fill(meta, payload);
      // Held for the rules: only a whole, decoded message can be read, rewritten or sent on decompressed.
      const whole = !failed && payload.length === size;
      const verdict = whole && message.kind === 'text' ? this.gate!(this.dir, payload.toString('utf8'), this.signal) : undefined;
      const { send, fill, frames } = state as Required<typeof state>;
      // Compressed messages are decided in order: whether one goes on decompressed depends on those before.
      const apply = (v: MessageVerdict | undefined, record: (message?: Omit<MessageMeta, 'seq'>, payload?: Buffer) => void) => {
        if (v && !this.deflate?.noContextTakeover) this.reencode = true;
        const decided = this.decide(message.kind, meta, payload, v, whole && this.reencode ? [this.frame_(message.kind, payload)] : frames);
        send(decided.frames);
        record(decided.meta, decided.payload);
      };
      if (!(verdict instanceof Promise) && this.decisionsPending === 0) return apply(verdict, fill);
      // A paused message (or one behind it) is logged when decided, so the log does not wait for the user.
      fill();
      this.later(async () => apply(await verdict, this.log.reserve()));
    };
    this.inflater!.begin(message.limit, (result) => {
      state.result = result;
      settle();
    });
    this.inflated = (frames?: Buffer[]) => {
      state.at = Date.now();
      state.fill = this.log.reserve();
      if (frames && this.output) {
        state.frames = frames;
        state.send = this.output.reserve();
      }
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
    const bytes = this.output ? this.frameBytes(offset) : undefined;
    if (this.frame === 'control' && this.control) {
      this.recordControl(this.control);
      this.control = undefined;
      if (bytes) this.output!.push(bytes);
    } else if (this.frame === 'data' && h?.fin && this.message) {
      const message = this.message;
      this.message = undefined;
      // Held for the rules: the message's frames, or none when it is too large to hold (then it goes on as is).
      let frames: Buffer[] | undefined;
      if (bytes) {
        const all = this.streaming ? [bytes] : [...this.held, bytes];
        if (this.streaming || this.heldBytes + bytes.length > HOLD_LIMIT) for (const frame of all) this.output!.push(frame);
        else frames = all;
      }
      this.held = [];
      this.heldBytes = 0;
      this.streaming = false;
      if (message.compressed) {
        this.inflated?.(frames);
        this.inflated = undefined;
        this.inflater!.end();
      } else {
        const payload = message.chunks.length === 1 ? message.chunks[0] : Buffer.concat(message.chunks);
        const meta: Omit<MessageMeta, 'seq'> = { at: Date.now(), dir: this.dir, kind: message.kind, size: message.wireSize, truncated: payload.length < message.wireSize };
        if (!frames) {
          this.log.add(meta, payload);
        } else {
          const verdict = message.kind === 'text' ? this.gate!(this.dir, payload.toString('utf8'), this.signal) : undefined;
          if (verdict instanceof Promise || this.decisionsPending > 0) {
            // Paused, or behind a paused one: its place in the output waits, and it is logged when it goes on.
            const send = this.output!.reserve();
            this.later(async () => {
              const decided = this.decide(message.kind, meta, payload, await verdict, frames);
              send(decided.frames);
              this.log.reserve()(decided.meta, decided.payload);
            });
          } else {
            const decided = this.decide(message.kind, meta, payload, verdict, frames);
            for (const frame of decided.frames) this.output!.push(frame);
            this.log.add(decided.meta, decided.payload);
          }
        }
      }
    } else if (bytes && this.frame === 'data' && !this.streaming) {
      this.held.push(bytes);
      this.heldBytes += bytes.length;
    } else if (bytes) {
      this.output!.push(bytes);
    }
    this.frame = 'skip';
    if (this.output) {
      // Injected frames wait for the end of the message held, then go in the output's order.
      if (this.injections.length && !this.message) {
        const frames = this.injections;
        this.injections = [];
        for (const frame of frames) {
          this.output.push(frame);
          this.onInjected?.(frame);
        }
      }
    } else if (this.injections.length && this.splitAt === undefined && !this.message) this.splitAt = offset;
  }

  /** Decisions still waiting (a paused message, and the compressed messages behind it), run in order. */
  private decisions: Promise<void> = Promise.resolve();
  private decisionsPending = 0;

  private later(decide: () => Promise<void>): void {
    this.decisionsPending++;
    this.decisions = this.decisions
      .then(decide)
      .catch(() => {})
      .finally(() => this.decisionsPending--);
  }

  /** Resolves once every decision under way is made (the relay waits for it before the flow is finished). */
  get decided(): Promise<void> {
    return this.decisions;
  }

  /** A whole message as one frame, FIN set and RSV1 off (uncompressed); masked toward the server (RFC 6455 §5.3). */
  private frame_(kind: 'text' | 'binary', payload: Buffer): Buffer {
    return encodeFrame(kind === 'text' ? OPCODE.text : OPCODE.binary, payload, this.dir === 'to-server' ? crypto.randomBytes(4) : undefined);
  }

  /** What goes on and what the log keeps for a held message, after the rules' verdict. */
  private decide(kind: 'text' | 'binary', meta: Omit<MessageMeta, 'seq'>, payload: Buffer, verdict: MessageVerdict | undefined, frames: Buffer[]): { frames: Buffer[]; meta: Omit<MessageMeta, 'seq'>; payload: Buffer } {
    if (!verdict) return { frames, meta, payload };
    const appliedRules = verdict.applied.map((r) => ({ ...r }));
    if ('dropped' in verdict) return { frames: [], meta: { ...meta, appliedRules, dropped: true }, payload };
    const text = Buffer.from(verdict.text, 'utf8');
    const original = payload.length > ORIGINAL_KEEP ? payload.subarray(0, ORIGINAL_KEEP).toString('utf8') : payload.toString('utf8');
    return { frames: [this.frame_(kind, text)], meta: { ...meta, size: text.length, truncated: false, appliedRules, original }, payload: text };
  }

  /** With message rules: the raw bytes of the frame that just ended at `offset` in the chunk being read. */
  private frameBytes(offset: number): Buffer {
    const tail = this.chunk!.subarray(this.chunkAt, offset);
    this.chunkAt = offset;
    if (this.partial.length === 0) return tail;
    const bytes = Buffer.concat([...this.partial, tail]);
    this.partial = [];
    this.partialBytes = 0;
    return bytes;
  }

  /**
   * With message rules: reads a chunk and puts what can go on into the output; a frame cut by the chunk's end
   * waits for the rest (or streams on when it belongs to a message too large to hold).
   */
  take(chunk: Buffer): void {
    const output = this.output!;
    if (this.passthrough) return output.push(chunk);
    this.chunk = chunk;
    this.chunkAt = 0;
    this.reader.push(chunk);
    const rest = chunk.subarray(this.chunkAt);
    this.chunk = undefined;
    if (this.reader.broken) {
      // Not frames any more: what was held goes on as it came, and so does everything after it.
      this.passthrough = true;
      for (const bytes of [...this.held, ...this.partial, rest]) output.push(bytes);
      this.held = [];
      this.partial = [];
      return;
    }
    if (rest.length === 0) return;
    if (this.streaming && this.frame === 'data') return output.push(rest);
    this.partial.push(rest);
    this.partialBytes += rest.length;
    if (this.message && this.frame === 'data' && this.heldBytes + this.partialBytes > HOLD_LIMIT) {
      this.streaming = true;
      for (const bytes of [...this.held, ...this.partial]) output.push(bytes);
      this.held = [];
      this.heldBytes = 0;
      this.partial = [];
      this.partialBytes = 0;
    }
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
    this.log.add(message, stored);
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
  /** ws-message rules for this socket (electron/core/rules/ws-message.ts): messages are held, rewritten or dropped. */
  gate?: MessageGate;
  /** Called once when both sockets are done and every message is in the log. */
  onClosed(): void;
}

export class WebSocketRelay {
  private readonly toServer: Direction | undefined;
  private readonly toClient: Direction | undefined;
  private readonly log: OrderedLog | undefined;
  private closed = false;
  private readonly closing = new AbortController();

  constructor(private readonly options: RelayOptions) {
    const { recording } = options;
    if (!recording) return;
    const deflate = acceptedDeflate(options.extensions);
    this.log = new OrderedLog(recording);
    this.toServer = new Direction('to-server', this.log, recording, deflate && { noContextTakeover: deflate.clientNoContextTakeover }, options.gate, this.closing.signal);
    this.toClient = new Direction('to-client', this.log, recording, deflate && { noContextTakeover: deflate.serverNoContextTakeover }, options.gate, this.closing.signal);
  }

  /** Starts relaying; `clientHead`/`serverHead` are bytes that arrived with the handshake. */
  start(clientHead: Buffer, serverHead: Buffer): void {
    const { client, server, sinks } = this.options;
    this.relay(server, sinks?.toClient ?? client, this.toClient, serverHead);
    this.relay(client, sinks?.toServer ?? server, this.toServer, clientHead);
    let closing = false;
    const onClose = () => {
      this.closing.abort();
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
        if (direction.output) direction.output.push(frame);
        else sink.write(frame);
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
    if (direction?.output) return this.relayFrames(from, to, direction, head);
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

  /** With message rules: frames go through the direction's ordered output (held, rewritten, dropped). */
  private relayFrames(from: Duplex, to: Writable, direction: Direction, head: Buffer): void {
    const output = direction.output!;
    output.attach(to);
    direction.onInjected = (frame) => {
      const pending = this.pendingInjections.get(frame);
      this.pendingInjections.delete(frame);
      pending?.record();
    };
    if (head.length) direction.take(head);
    from.on('data', (chunk: Buffer) => {
      direction.take(chunk);
      // Also when a held message was written later (after its decompression): the receiver's buffer is what counts.
      if (to.writableNeedDrain) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => {
      // The socket is ending: paused messages are released (sent on as they are) so the end can follow them.
      this.closing.abort();
      output.end();
    });
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
    const log = this.log;
    if (log) {
      // Paused messages were released by the close; their decisions and the log settle before the flow is finished.
      const settled = Promise.all([this.toServer?.decided, this.toClient?.decided]).then(() => log.whenIdle());
      await Promise.race([settled, new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS).unref())]);
    }
    this.toServer?.dispose();
    this.toClient?.dispose();
    this.options.onClosed();
  }
}
