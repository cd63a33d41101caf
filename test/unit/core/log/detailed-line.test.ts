/**
 * lineText: bodies that need no escaping are put into the line as they are, and the text is exactly what
 * JSON.stringify writes — also when a header or the URL carries the text the fast path looks for, and when a
 * body holds `$&`-style replacement patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineBuffer, lineLength, lineString, lineText, toDetailedLogLine } from '../../../../electron/core/log/detailed-line';
import type { LoggedBody } from '../../../../electron/core/log/body-text';
import { makeFlow } from '../../../helpers/flows';

const plain = (data: string): LoggedBody => ({ data, encoding: 'text', truncated: false, plain: true });

test('plain bodies are filled in; the text equals JSON.stringify of the same line', () => {
  const flow = makeFlow();
  flow.request.url = 'http://a.test/x?q=%22requestBody%22:%22%5Cu0000%22';
  flow.request.headers.push(['X-Trap', '"requestBody":"\\u0000" "responseBody":"\u0000"']);
  const cases: { request: LoggedBody; response: LoggedBody }[] = [
    { request: plain("a $& b $' c $` d $$"), response: plain('QUJD'.repeat(5000)) },
    { request: { data: null, encoding: 'text', truncated: false }, response: plain('only the response') },
    { request: plain('only the request'), response: { data: 'needs "escaping"\n', encoding: 'text', truncated: false, plain: false } },
  ];
  for (const bodies of cases) {
    const line = toDetailedLogLine(flow, bodies, true);
    const expected = `${JSON.stringify(line)}\n`;
    assert.equal(lineText(line, bodies), expected);
    // The line object is left as it was.
    assert.equal(`${JSON.stringify(line)}\n`, expected);
  }
});

test('a body given as bytes stays bytes between the line\'s pieces; joined, the line is what JSON.stringify writes for that body as text', () => {
  const flow = makeFlow();
  const requestBytes = Buffer.from('ABC '.repeat(3000));
  const responseBytes = Buffer.from('plain response');
  const cases: { request: LoggedBody; response: LoggedBody }[] = [
    { request: { data: null, bytes: requestBytes, encoding: 'text', truncated: true, plain: true }, response: { data: null, bytes: responseBytes, encoding: 'text', truncated: false, plain: true } },
    { request: { data: null, encoding: 'text', truncated: false }, response: { data: null, bytes: responseBytes, encoding: 'text', truncated: false, plain: true } },
    { request: { data: null, bytes: requestBytes, encoding: 'text', truncated: false, plain: true }, response: plain('QUJD') },
  ];
  for (const bodies of cases) {
    const line = toDetailedLogLine(flow, bodies, true);
    const pieces = lineText(line, bodies);
    const asText = { ...line, requestBody: bodies.request.bytes?.toString('latin1') ?? line.requestBody, responseBody: bodies.response.bytes?.toString('latin1') ?? line.responseBody };
    assert.deepEqual(
      { isPieces: Array.isArray(pieces), bytesKept: Array.isArray(pieces) && pieces.includes(bodies.response.bytes ?? bodies.request.bytes!), text: lineString(pieces), length: lineLength(pieces), buffer: lineBuffer(pieces).toString() },
      { isPieces: true, bytesKept: true, text: `${JSON.stringify(asText)}\n`, length: JSON.stringify(asText).length + 1, buffer: `${JSON.stringify(asText)}\n` },
    );
  }
});
