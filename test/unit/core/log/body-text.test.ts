import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedBodyNow, needsJsonEscape } from '../../../../electron/core/log/body-text';

test('needsJsonEscape finds every byte JSON escapes, at any position and alignment, and nothing else', () => {
  const base = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '.repeat(20));
  const wrong: string[] = [];
  for (let c = 0; c < 128; c++) {
    const escaped = c < 0x20 || c === 0x22 || c === 0x5c;
    // Positions in the unaligned head, in the 8-word blocks, in the last words and in the tail.
    for (const at of [0, 1, 2, 3, 4, 31, 32, 33, 100, 1000, base.length - 5, base.length - 1]) {
      const bytes = Buffer.from(base);
      bytes[at] = c;
      // Views starting at every offset mod 4 and ending at every length mod 4.
      for (const start of [0, 1, 2, 3]) {
        for (const cut of [0, 1, 2, 3]) {
          const view = bytes.subarray(start, bytes.length - cut);
          const inside = at >= start && at < bytes.length - cut;
          if (needsJsonEscape(view) !== (escaped && inside)) wrong.push(`byte ${c} at ${at}, view ${start}..-${cut}`);
        }
      }
    }
  }
  assert.deepEqual({ wrong, empty: needsJsonEscape(Buffer.alloc(0)), short: needsJsonEscape(Buffer.from('a"')) }, { wrong: [], empty: false, short: true });
});

test('ASCII bodies JSON takes as they are come as bytes unless masking must read them; others as text or base64', () => {
  const ref = (contentType: string | undefined, size: number) => ({ size, storedSize: size, truncated: false, blob: 'b', ...(contentType ? { contentType } : {}) });
  const body = (text: string | Buffer, contentType: string | undefined, mask = true) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    const logged = loggedBodyNow(ref(contentType, bytes.length), bytes, 8, mask)!;
    return `${logged.bytes ? `bytes ${logged.bytes.toString('latin1')}` : `data ${logged.data}`} ${logged.encoding}${logged.truncated ? ' truncated' : ''}${logged.plain ? ' plain' : ''}`;
  };
  assert.deepEqual(
    [
      body('abc def', 'application/octet-stream'),
      body('abcdefghijkl', 'text/plain'),
      body('a=1&password=2', 'application/x-www-form-urlencoded'),
      body('a=1&password=2', 'application/x-www-form-urlencoded', false),
      body('[1,2]', 'application/json'),
      body(' [1,2]', undefined),
      body(' [1,2]', undefined, false),
      body('say "hi"', 'text/plain'),
      body('line\n', 'text/plain'),
      body('zoë', 'text/plain'),
      body(Buffer.from([0, 1, 2, 255]), undefined),
    ],
    [
      'bytes abc def text plain',
      'bytes abcdefgh text truncated plain',
      // Read by masking (nothing to mask in what the limit kept): text, still put in as it is.
      'data a=1&pass text truncated plain',
      'bytes a=1&pass text truncated plain',
      'data [1,2] text plain',
      'data  [1,2] text plain',
      'bytes  [1,2] text plain',
      'data say "hi" text',
      'data line\n text',
      'data zoë text',
      'data AAEC/w== base64 plain',
    ],
  );
});
