/**
 * WebSocket messages of one HAR entry, as Chromium's DevTools writes them (and Hindsight's export, ../export/har.ts):
 * `_webSocketMessages: [{ type: 'send' | 'receive', time: <epoch seconds>, opcode: 1 | 2 | 8 | 9 | 10, data }]`,
 * text frames' data as text and binary frames' data as base64. Hindsight's export adds `_closeCode`,
 * `_injected`, `_size` and `_truncated` so an export imports back the same; Chromium's files have none.
 */
import type { MessageKind, MessageMeta } from '../../common/message';

export interface ImportedMessage {
  message: Omit<MessageMeta, 'seq'>;
  payload: Buffer;
}

const KINDS: Record<number, MessageKind> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

/**
 * The entry's messages (undefined when it has none). `fail(field, what)` reports a bad field and must throw:
 * the caller's error names the entry.
 */
export function messagesOfEntry(entry: Record<string, unknown>, fail: (field: string, what: string) => never): ImportedMessage[] | undefined {
  const list = entry._webSocketMessages;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) fail('_webSocketMessages', 'must be an array');
  return list.map((item: unknown, i): ImportedMessage => {
    const field = `_webSocketMessages[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(field, 'must be an object');
    const m = item as Record<string, unknown>;
    if (m.type !== 'send' && m.type !== 'receive') fail(`${field}.type`, "must be 'send' or 'receive'");
    if (typeof m.time !== 'number' || !Number.isFinite(m.time)) fail(`${field}.time`, 'must be a number (seconds since the epoch)');
    const kind = KINDS[m.opcode as number];
    if (!kind) fail(`${field}.opcode`, 'must be 1, 2, 8, 9 or 10');
    if (typeof m.data !== 'string') fail(`${field}.data`, 'must be a string');
    const data = m.data as string;
    const binary = kind === 'binary' || kind === 'ping' || kind === 'pong';
    if (binary && !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) fail(`${field}.data`, 'must be base64 for a binary, ping or pong frame');
    const payload = Buffer.from(data, binary ? 'base64' : 'utf8');
    const size = typeof m._size === 'number' && Number.isInteger(m._size) && m._size >= payload.length ? m._size : payload.length + (kind === 'close' && typeof m._closeCode === 'number' ? 2 : 0);
    const message: Omit<MessageMeta, 'seq'> = {
      at: Math.round((m.time as number) * 1000),
      dir: m.type === 'send' ? 'to-server' : 'to-client',
      kind,
      size,
      truncated: m._truncated === true,
    };
    if (m._injected === true) message.injected = true;
    if (kind === 'close' && typeof m._closeCode === 'number') {
      message.closeCode = m._closeCode;
      message.closeReason = data;
    }
    return { message, payload };
  });
}
