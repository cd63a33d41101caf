import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobsOf, keyLine, parseKeys } from '../../../../electron/core/store/protocol';
import { makeFlow } from '../../../helpers/flows';

test('write keys: every flow id and its body names come back in order, whatever characters the names hold', () => {
  const plain = makeFlow({ response: true });
  const noBodies = makeFlow();
  const withMessages = makeFlow({ response: true, messages: { count: 2, bytes: 10, truncated: false } });
  withMessages.request.body = { size: 3, storedSize: 3, truncated: false, blob: `${withMessages.id}-request` };
  // Never made by the proxy, but an id is only a string: spaces, new lines and `%` must not split a key.
  const odd = makeFlow({ id: 'a b\nc%20d', response: true });
  const flows = [plain, noBodies, withMessages, odd];
  const text = flows.map(keyLine).join('');
  assert.deepStrictEqual(
    parseKeys(text),
    flows.map((f) => ({ id: f.id, blobs: blobsOf(f) })),
  );
  assert.deepStrictEqual(parseKeys(''), []);
});

test("a flow's message log is among its blobs: its own file, or the segment slice it was packed into", () => {
  const filed = makeFlow({ messages: { count: 1, bytes: 4, truncated: false } });
  const packed = makeFlow({ messages: { count: 2, bytes: 9, truncated: false, log: 's7-4096-61' } });
  packed.response = { status: 200, statusText: 'OK', headers: [], body: { size: 5, storedSize: 5, truncated: false, blob: 's7-4000-5' } };
  assert.deepStrictEqual(
    { filed: blobsOf(filed), packed: blobsOf(packed), keys: parseKeys(keyLine(filed) + keyLine(packed)) },
    { filed: [`${filed.id}-messages`], packed: ['s7-4000-5', 's7-4096-61'], keys: [{ id: filed.id, blobs: [`${filed.id}-messages`] }, { id: packed.id, blobs: ['s7-4000-5', 's7-4096-61'] }] },
  );
});
