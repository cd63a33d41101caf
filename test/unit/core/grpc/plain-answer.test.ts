// A plain answer to a gRPC call, made a gRPC answer: the HTTP-to-gRPC status table, the message from the
// status line and body text, the rule's other headers kept as metadata, gRPC-Web's status in the body; a request
// that is not gRPC keeps its answer as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grpcStatusForHttp, plainAnswerAsGrpc } from '../../../../electron/core/grpc/plain-answer';

const call = (contentType: string | undefined) => ({ path: '/pkg.Svc/Get', contentType });

test("gRPC's HTTP-to-gRPC table (doc/http-grpc-status-mapping.md)", () => {
  const statuses = [200, 400, 401, 403, 404, 429, 500, 502, 503, 504];
  assert.deepEqual(
    Object.fromEntries(statuses.map((s) => [s, grpcStatusForHttp(s)])),
    { 200: 2, 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 500: 2, 502: 14, 503: 14, 504: 14 },
  );
});

test('gRPC over HTTP/2: a trailers-only answer; the HTTP/1.1 form folds the status into its headers', () => {
  const answer = { status: 403, statusText: 'Forbidden', headers: [['Content-Type', 'text/plain'], ['Content-Length', '6'], ['X-Trace', 't1']] as [string, string][], body: Buffer.from('nope ✗') };
  const trailers = [['grpc-status', '7'], ['grpc-message', 'HTTP 403 Forbidden: nope %E2%9C%97']];
  assert.deepEqual(plainAnswerAsGrpc(answer, call('application/grpc')), {
    status: 200,
    statusText: 'OK',
    headers: [['content-type', 'application/grpc+proto'], ...trailers, ['X-Trace', 't1'], ['content-length', '0']],
    body: Buffer.alloc(0),
    grpc: { headers: [['content-type', 'application/grpc+proto'], ['X-Trace', 't1']], body: Buffer.alloc(0), trailers },
  });
});

test('gRPC-Web: the status goes as the trailer frame in the body, CORS headers kept; binary or long bodies are not quoted', () => {
  const frame = Buffer.from('grpc-status: 14\r\ngrpc-message: HTTP 502 Bad Gateway\r\n');
  const body = Buffer.concat([Buffer.from([0x80, 0, 0, 0, frame.length]), frame]);
  const web = plainAnswerAsGrpc({ status: 502, statusText: 'Bad Gateway', headers: [['access-control-allow-origin', '*']], body: Buffer.from([0, 1, 2, 0xff]) }, call('application/grpc-web+proto'));
  const long = plainAnswerAsGrpc({ status: 500, statusText: 'Internal Server Error', headers: [], body: Buffer.from('x'.repeat(3000)) }, call('application/grpc'));
  assert.deepEqual(
    { web, longMessage: long?.grpc.trailers[1][1] },
    {
      web: {
        status: 200,
        statusText: 'OK',
        headers: [['content-type', 'application/grpc-web+proto'], ['access-control-allow-origin', '*'], ['content-length', String(body.length)]],
        body,
        grpc: { headers: [['content-type', 'application/grpc-web+proto'], ['access-control-allow-origin', '*']], body, trailers: [] },
      },
      longMessage: `HTTP 500 Internal Server Error: ${'x'.repeat(500)}%E2%80%A6`, // … percent-encoded in the trailer
    },
  );
});

test('a request that is not gRPC keeps the answer as it is', () => {
  const answer = { status: 404, statusText: 'Not Found', headers: [], body: Buffer.alloc(0) };
  assert.deepEqual([plainAnswerAsGrpc(answer, call('application/json')), plainAnswerAsGrpc(answer, call(undefined))], [undefined, undefined]);
});
