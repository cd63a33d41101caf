/**
 * One message model for every protocol that carries messages inside a flow: WebSocket frames, SSE events and
 * (later) gRPC messages. A flow's messages are an append-only log stored beside its bodies
 * (electron/core/messages/log.ts), fetched by reference and paged; the Flow itself carries only the totals
 * (`Flow.messages`). Plain data, shared by the core, the API, exports and the renderer.
 */
import type { DecodedMessage } from './protobuf-wire';

/** Which way a message went: from the client toward the server, or back. */
export type MessageDirection = 'to-server' | 'to-client';

/**
 * - text, binary, ping, pong, close: WebSocket opcodes (a fragmented message is one message);
 * - event: one Server-Sent Event (text/event-stream), its data as the payload;
 * - grpc: one length-prefixed gRPC message (electron/core/capture/grpc), its payload decompressed; the API adds
 *   the protobuf field tree (FlowMessage.decoded).
 */
export type MessageKind = 'text' | 'binary' | 'ping' | 'pong' | 'close' | 'event' | 'grpc';

/** A flow's message totals: every message seen is counted, kept or not. */
export interface MessageStats {
  /** Messages seen, both directions. */
  count: number;
  /** Payload bytes seen (decompressed for permessage-deflate). */
  bytes: number;
  /** True when the per-flow cap stopped keeping messages (or cut one short): the log holds fewer. */
  truncated: boolean;
  /**
   * Set when the log is a slice of a shared body segment (a short gRPC call's, packed when it ended) instead of
   * a file of its own: the slice's name, as a body's `blob` names it (electron/core/store/message-log.ts).
   */
  log?: string;
}

/** What the log keeps about one message, besides its payload. */
export interface MessageMeta {
  /** 1, 2, 3 … in the order the proxy saw the messages (both directions in one sequence). */
  seq: number;
  /** Epoch ms when the message's last byte arrived (for injected ones: when it was sent). */
  at: number;
  dir: MessageDirection;
  kind: MessageKind;
  /** Payload bytes of the whole message (decompressed when permessage-deflate was on). */
  size: number;
  /** True when the stored payload is shorter than `size` (the flow's cap, or an undecodable compressed message). */
  truncated: boolean;
  /** Sent by Hindsight (the API or the UI), not by either peer. */
  injected?: boolean;
  /** The message travelled compressed (permessage-deflate, or gRPC's flag); the stored payload is decompressed. */
  compressed?: boolean;
  /** grpc: a compressed message that could not be decompressed, kept as sent: its grpc-encoding. */
  encoding?: string;
  /** close: the status code and reason, when the frame carried them. */
  closeCode?: number;
  closeReason?: string;
  /** event: the SSE fields given in this event's block. */
  eventType?: string;
  eventId?: string;
  retry?: number;
  /** Rules that changed this message (a ws-message rule: kind "ws-rewrite" or "ws-drop"). */
  appliedRules?: { id: string; kind: string; name?: string }[];
  /** A rule dropped the message: the stored payload is what the sender sent, and nothing reached the receiver. */
  dropped?: boolean;
  /** A rule rewrote the message: what the sender sent (text, at most ORIGINAL_KEEP bytes); the payload is what was forwarded. */
  original?: string;
}

/** One message as the API returns it: the payload as text (text, event, close) or base64 (binary, ping, pong). */
export interface FlowMessage extends MessageMeta {
  text?: string;
  base64?: string;
  /** grpc: the payload decoded from the protobuf wire format (with field names when a .proto is loaded). */
  decoded?: DecodedMessage;
}

export interface MessagePage {
  messages: FlowMessage[];
  /** Messages kept in the log (the flow's `messages.count` also counts those past the cap). */
  stored: number;
  /** Pass as `after` for the next page; absent when this page reached the end of the log as it is now. */
  next?: number;
}

/** Kinds whose payload is text. */
export function isTextKind(kind: MessageKind): boolean {
  return kind === 'text' || kind === 'event' || kind === 'close';
}

export const emptyMessageStats = (): MessageStats => ({ count: 0, bytes: 0, truncated: false });
