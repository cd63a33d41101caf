// The relay's decompressor gives back every permessage-deflate message whole and in order, whether a message
// came in one part or many, whether the sender kept its compression context between messages or reset it, and
// reports a message it cannot decompress as failed (with context takeover, the ones after it too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { MessageInflater, type Inflated } from '../../../../../electron/core/capture/websocket/deflate';

/** A sender's compressor: each message sync-flushed and its 00 00 ff ff tail removed (RFC 7692 §7.2.1). */
function sender(contextTakeover: boolean): (text: string) => Promise<Buffer> {
  let deflate: zlib.DeflateRaw | undefined;
  return async (text) => {
    if (!deflate || !contextTakeover) deflate = zlib.createDeflateRaw({ windowBits: 15 });
    const d = deflate;
    const out: Buffer[] = [];
    const onData = (chunk: Buffer) => out.push(chunk);
    d.on('data', onData);
    d.write(Buffer.from(text, 'utf8'));
    await new Promise<void>((resolve) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    d.off('data', onData);
    const all = Buffer.concat(out);
    assert.deepEqual(all.subarray(-4), Buffer.from([0, 0, 0xff, 0xff]));
    return all.subarray(0, -4);
  };
}

/**
 * Feeds each message to the inflater in parts of `partSize` bytes; resolves with each message's result. With
 * context takeover (one decompressor) results must come in message order; without, each message has its own
 * decompressor and may finish first (the relay's log puts messages in wire order).
 */
async function inflateAll(inflater: MessageInflater, messages: Buffer[], partSize: number, limit = 1024 * 1024, inOrder = true): Promise<{ text: string; size: number; failed: boolean }[]> {
  const results: Promise<Inflated>[] = [];
  const order: number[] = [];
  messages.forEach((message, index) => {
    results.push(
      new Promise((resolve) =>
        inflater.begin(limit, (result) => {
          order.push(index);
          resolve(result);
        }),
      ),
    );
    for (let at = 0; at < message.length; at += partSize) inflater.write(message.subarray(at, at + partSize));
    inflater.end();
  });
  const done = await Promise.all(results);
  if (inOrder) assert.deepEqual(order, messages.map((_, i) => i), 'results come in message order');
  return done.map((r) => ({ text: r.payload.toString('utf8'), size: r.size, failed: r.failed }));
}

const texts = ['hello', 'hello again, hello again', JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) }), '', 'hello'];

for (const contextTakeover of [true, false]) {
  for (const partSize of [1, 7, 1 << 20]) {
    test(`messages ${contextTakeover ? 'with' : 'without'} context takeover, in parts of ${partSize} bytes, come back whole${contextTakeover ? ' and in order' : ''}`, async () => {
      const compress = sender(contextTakeover);
      const messages: Buffer[] = [];
      for (const text of texts) messages.push(await compress(text));
      const inflater = new MessageInflater(!contextTakeover, 15);
      try {
        assert.deepEqual(
          await inflateAll(inflater, messages, partSize, undefined, contextTakeover),
          texts.map((text) => ({ text, size: Buffer.byteLength(text), failed: false })),
        );
      } finally {
        inflater.dispose();
      }
    });
  }
}

for (const finalBlock of [false, true]) {
  test(`without context takeover, messages one at a time${finalBlock ? ', each ending with a final block,' : ''} come back whole (the decompressor reused when it may be)`, async () => {
    // A sender without context takeover may end each message with a final block (RFC 7692 §7.2.3.1): its stream
    // is then over, so that decompressor cannot take the next message.
    const compress = finalBlock ? async (text: string) => Buffer.concat([zlib.deflateRawSync(Buffer.from(text, 'utf8')), Buffer.from([0])]) : sender(false);
    const inflater = new MessageInflater(true, 15);
    try {
      const results = [];
      for (const text of texts) results.push(...(await inflateAll(inflater, [await compress(text)], 1 << 20)));
      assert.deepEqual(
        results,
        texts.map((text) => ({ text, size: Buffer.byteLength(text), failed: false })),
      );
    } finally {
      inflater.dispose();
    }
  });
}

test('output past the limit is counted, not kept', async () => {
  const text = 'x'.repeat(10_000);
  const inflater = new MessageInflater(false, 15);
  try {
    const [result] = await inflateAll(inflater, [await sender(true)(text)], 1 << 20, 100);
    assert.deepEqual(result, { text: 'x'.repeat(100), size: 10_000, failed: false });
  } finally {
    inflater.dispose();
  }
});

test('a message that is not deflate data fails, and with context takeover so does every message after it', async () => {
  const compress = sender(true);
  const good = await compress('fine');
  const inflater = new MessageInflater(false, 15);
  try {
    assert.deepEqual(await inflateAll(inflater, [good, Buffer.from([0xff, 0xff, 0xff, 0xff]), await compress('later')], 1 << 20), [
      { text: 'fine', size: 4, failed: false },
      { text: '', size: 0, failed: true },
      { text: '', size: 0, failed: true },
    ]);
  } finally {
    inflater.dispose();
  }
});

test('without context takeover a broken message fails alone', async () => {
  const compress = sender(false);
  const inflater = new MessageInflater(true, 15);
  try {
    assert.deepEqual(await inflateAll(inflater, [await compress('before'), Buffer.from([0xff, 0xff, 0xff, 0xff]), await compress('after')], 3, undefined, false), [
      { text: 'before', size: 6, failed: false },
      { text: '', size: 0, failed: true },
      { text: 'after', size: 5, failed: false },
    ]);
  } finally {
    inflater.dispose();
  }
});
