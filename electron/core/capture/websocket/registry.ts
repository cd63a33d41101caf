/**
 * The WebSockets open right now, by flow id: what `flows.sendMessage` (the API and the UI) reaches to send a
 * message into a live socket. A relay is listed from the 101 until both of its sockets are closed.
 */
import type { MessageMeta } from '../../../common/message';
import { InjectError, type WebSocketRelay } from './relay';

export class LiveWebSockets {
  private readonly relays = new Map<string, WebSocketRelay>();

  add(flowId: string, relay: WebSocketRelay): void {
    this.relays.set(flowId, relay);
  }

  remove(flowId: string): void {
    this.relays.delete(flowId);
  }

  isLive(flowId: string): boolean {
    return this.relays.has(flowId);
  }

  /** Throws InjectError when the flow is not an open WebSocket or its stream cannot take a frame. */
  async send(flowId: string, to: 'client' | 'server', kind: 'text' | 'binary', payload: Buffer): Promise<MessageMeta | undefined> {
    const relay = this.relays.get(flowId);
    if (!relay) throw new InjectError(`flow ${flowId} is not an open WebSocket`);
    return relay.inject(to, kind, payload);
  }
}
