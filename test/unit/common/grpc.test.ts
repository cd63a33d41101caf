import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FilterError } from '../../../electron/common/filter';
import { toSummary } from '../../../electron/common/flow';
import { encodeGrpcMessage, grpcFraming, grpcMethodOf, grpcStatusFrom, parseTrailerBlock } from '../../../electron/common/grpc';
import { explainRule } from '../../../electron/common/rule-explain';
import { validateRule } from '../../../electron/common/rule-validate';
import { makeFlow } from '../../helpers/flows';

test('grpcFraming: gRPC, gRPC-Web and grpc-web-text content types, nothing else', () => {
  assert.deepEqual(
    ['application/grpc', 'application/grpc+proto', 'Application/GRPC-Web+proto; charset=x', 'application/grpc-web-text', 'application/grpc-webx', 'application/json', undefined].map(grpcFraming),
    [{ web: false, base64: false }, { web: false, base64: false }, { web: true, base64: false }, { web: true, base64: true }, undefined, undefined, undefined],
  );
});

test('grpcMethodOf, grpcStatusFrom (percent-decoded message) and trailer blocks', () => {
  assert.deepEqual(grpcMethodOf('/demo.v1.Greeter/SayHello?x=1'), { service: 'demo.v1.Greeter', method: 'SayHello' });
  assert.deepEqual(grpcMethodOf('/'), { service: '', method: '' });
  assert.deepEqual(grpcStatusFrom(parseTrailerBlock('grpc-status: 14\r\ngrpc-message: no%20backend%20%E2%9C%93\r\nx-extra: 1\r\n')), { status: 14, message: 'no backend ✓' });
  assert.equal(grpcStatusFrom([['grpc-status', 'abc']]), undefined);
  assert.equal(encodeGrpcMessage('100% ✓'), '100%25 %E2%9C%93');
});

test('grpc: and is:grpc filter terms', () => {
  const call = (id: string, status?: number) => toSummary(makeFlow({ id, response: true, grpc: { service: 's', method: 'm', ...(status === undefined ? {} : { status }) } }));
  const summaries = [call('a', 0), call('b', 14), call('c'), toSummary(makeFlow({ id: 'd', response: true }))];
  const ids = (expr: string) => summaries.filter(compileFilter(expr)).map((s) => s.id).join('');
  assert.deepEqual(
    ['is:grpc', 'grpc:OK', 'grpc:0', 'grpc:unavailable', 'grpc:14', 'grpc:error', 'grpc:none', 'is:grpc -grpc:OK', '-is:grpc'].map(ids),
    ['abc', 'a', 'a', 'b', 'b', 'b', 'c', 'bc', 'd'],
  );
  assert.throws(() => compileFilter('grpc:NOPE'), (err: FilterError) => err.reason.startsWith('grpc: "NOPE" is not a gRPC status'));
  assert.throws(() => compileFilter('grpc>3'), FilterError);
});

test('a gRPC mock rule: validated (status 0-16, JSON object reply) and explained', () => {
  const rule = (grpc: unknown) => validateRule({ id: 'g', name: 'g', matchers: [], action: { type: 'mock', grpc } });
  const ok = rule({ status: 5, message: 'gone', json: { message: 'x' } });
  assert.ok(ok.ok);
  assert.deepEqual(ok.rule.action, { type: 'mock', status: 200, headers: [], body: '', grpc: { status: 5, message: 'gone', json: '{"message":"x"}' } });
  assert.equal(explainRule(ok.rule, []), 'Answer gRPC 5 NOT_FOUND with a reply for every request for every client');
  const bad = rule({ status: 17, json: '{nope' });
  assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.field), ['action.grpc.status', 'action.grpc.json']);
});
