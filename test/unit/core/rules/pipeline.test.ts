import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BreakpointInfo } from '../../../../electron/common/breakpoint';
import type { Flow } from '../../../../electron/common/flow';
import { FlowRecording } from '../../../../electron/core/capture/recorder';
import { reportTo } from '../../../../electron/core/capture/rule-hooks';
import { createRules, type RulesService } from '../../../../electron/core/rules/index';
import type { RequestContext } from '../../../../electron/core/rules/pipeline';
import { BodyStore } from '../../../../electron/core/store/bodies';
import { makeFlow } from '../../../helpers/flows';

const url = (p: string) => ({ type: 'url', pattern: `http://api.test${p}`, syntax: 'wildcard' });

function request(overrides: Partial<RequestContext> = {}): RequestContext & { reads: number } {
  const ctx = {
    flowId: 'f1',
    clientIp: '127.0.0.1',
    method: 'POST',
    url: 'http://api.test/v1/users?id=7',
    headers: [['Host', 'api.test'], ['Content-Type', 'text/plain'], ['Transfer-Encoding', 'chunked']] as [string, string][],
    reads: 0,
    readBody() {
      ctx.reads++;
      return Promise.resolve(Buffer.from('hello'));
    },
    ...overrides,
  };
  return ctx;
}

describe('RulePipeline', () => {
  let dir: string;
  let rules: RulesService;
  const updates: string[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    updates.length = 0;
    rules = createRules({ dataDir: dir, breakpointTimeoutMs: 60_000 });
    await rules.ready;
  });
  afterEach(async () => {
    await rules.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // The pipeline reports; capture's recording writes the flow and tells the sink (capture/rule-hooks.ts).
  const recorded = (flow: Flow) =>
    reportTo(new FlowRecording(flow, { sink: { flowStarted() {}, flowUpdated: (f) => updates.push(f.state) }, bodies: new BodyStore({ dir: path.join(dir, 'bodies') }), nextSeq: () => 0 }));
  const paused = () => new Promise<BreakpointInfo>((resolve) => {
    const sub = rules.breakpoints.onDidPause((info) => {
      sub.dispose();
      resolve(info);
    });
  });

  it('forwards untouched when no rule matches, without reading the body', async () => {
    await rules.store.save({ name: 'other', matchers: [url('/other')], action: { type: 'mock', status: 500, headers: [], body: '' } });
    const ctx = request();
    const decision = await rules.pipeline.onRequest(ctx);
    assert.deepEqual({ decision, reads: ctx.reads }, { decision: { type: 'forward', method: 'POST', url: ctx.url, headers: ctx.headers, applied: [] }, reads: 0 });
  });

  it('maps, rewrites and records what changed on the flow', async () => {
    const a = await rules.store.save({ name: 'to local', matchers: [url('/v1/*')], action: { type: 'map-remote', to: 'http://127.0.0.1:4000/api' } });
    const b = await rules.store.save({ name: 'as PUT', matchers: [], action: { type: 'mock-request', method: 'put', body: 'bye' } });
    const flow = makeFlow({ request: { method: 'POST', url: 'http://api.test/v1/users?id=7', httpVersion: '1.1', headers: request().headers, body: { size: 5, storedSize: 5, truncated: false } } });
    const ctx = request({ report: recorded(flow) });
    const decision = await rules.pipeline.onRequest(ctx);
    assert.deepEqual(decision, {
      type: 'forward',
      method: 'PUT',
      url: 'http://127.0.0.1:4000/api/users?id=7',
      headers: [['Host', '127.0.0.1:4000'], ['Content-Type', 'text/plain'], ['Content-Length', '3']],
      body: Buffer.from('bye'),
      applied: [
        { id: a.rule.id, kind: 'map-remote', name: 'to local' },
        { id: b.rule.id, kind: 'mock-request', name: 'as PUT' },
      ],
    });
    assert.deepEqual(
      { request: { method: flow.request.method, url: flow.request.url }, original: flow.original, applied: flow.appliedRules.map((r) => r.kind), reads: ctx.reads },
      {
        request: { method: 'PUT', url: 'http://127.0.0.1:4000/api/users?id=7' },
        original: { request: { method: 'POST', url: 'http://api.test/v1/users?id=7', headers: request().headers, bodyReplaced: true } },
        applied: ['map-remote', 'mock-request'],
        reads: 0,
      },
    );
  });

  it('answers with a mock (base64 body, framed headers) ahead of a breakpoint', async () => {
    await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'both' } });
    await rules.store.reorder([(await rules.store.save({ name: 'm', matchers: [url('/v1/*')], action: { type: 'mock', status: 503, headers: [['X-Mock', '1'], ['Content-Length', '99']], body: 'AAEC', bodyEncoding: 'base64' } })).rule.id]);
    const decision = await rules.pipeline.onRequest(request());
    assert.deepEqual({ ...decision, applied: decision.applied.map((r) => r.kind) }, {
      type: 'respond',
      status: 503,
      statusText: 'Service Unavailable',
      headers: [['X-Mock', '1'], ['Content-Length', '3']],
      body: Buffer.from([0, 1, 2]),
      applied: ['mock'],
    });
  });

  it('pauses a request, shows it as intercepted, and sends the edits', async () => {
    await rules.store.save({ name: 'bp', matchers: [url('/v1/*')], action: { type: 'breakpoint', on: 'request' } });
    const flow: Flow = makeFlow();
    const pause = paused();
    const pending = rules.pipeline.onRequest(request({ report: recorded(flow) }));
    const info = await pause;
    assert.deepEqual(
      { ...info, pausedAt: 0, continuesAt: info.continuesAt - info.pausedAt, list: rules.breakpoints.list().map((b) => b.id), state: flow.state },
      {
        id: 'f1:request',
        flowId: 'f1',
        phase: 'request',
        clientIp: '127.0.0.1',
        rule: { id: info.rule.id, kind: 'breakpoint', name: 'bp' },
        pausedAt: 0,
        continuesAt: 60_000,
        request: { method: 'POST', url: 'http://api.test/v1/users?id=7', headers: request().headers, body: { base64: Buffer.from('hello').toString('base64'), size: 5, truncated: false } },
        list: ['f1:request'],
        state: 'intercepted',
      },
    );
    assert.throws(() => rules.breakpoints.resume(info.id, { status: 200 } as never), /edits.status: cannot be edited on a paused request/);
    rules.breakpoints.resume(info.id, { url: 'http://other.test/x', body: 'edited' });
    const decision = await pending;
    assert.deepEqual(
      { decision: { ...decision, applied: decision.applied.map((r) => r.kind) }, updates, state: flow.state },
      {
        decision: {
          type: 'forward',
          method: 'POST',
          url: 'http://other.test/x',
          headers: [['Host', 'other.test'], ['Content-Type', 'text/plain'], ['Content-Length', '6']],
          body: Buffer.from('edited'),
          applied: ['breakpoint', 'breakpoint-edit'],
        },
        updates: ['intercepted', 'live'],
        state: 'live',
      },
    );
  });

  it('resumes unchanged: the client body is sent from memory, reframed, and no edit is recorded', async () => {
    await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'request' } });
    const flow = makeFlow();
    const pause = paused();
    const pending = rules.pipeline.onRequest(request({ report: recorded(flow) }));
    rules.breakpoints.resume((await pause).id);
    const decision = await pending;
    assert.deepEqual(
      { headers: decision.type === 'forward' && decision.headers, body: decision.type === 'forward' && decision.body?.toString(), original: flow.original, kinds: flow.appliedRules.map((r) => r.kind) },
      { headers: [['Host', 'api.test'], ['Content-Type', 'text/plain'], ['Content-Length', '5']], body: 'hello', original: undefined, kinds: ['breakpoint'] },
    );
  });

  it('aborts, answers, times out and releases on client disconnect', async () => {
    await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'request' } });
    let pause = paused();
    let pending = rules.pipeline.onRequest(request());
    rules.breakpoints.abort((await pause).id);
    assert.deepEqual((await pending).type === 'stop' && (await pending as { stop: unknown }).stop, { phase: 'rule', message: 'aborted at a breakpoint', status: 502 });

    pause = paused();
    pending = rules.pipeline.onRequest(request());
    rules.breakpoints.answer((await pause).id, { status: 201, headers: [], body: '{}' });
    const answered = await pending;
    assert.deepEqual({ ...answered, applied: answered.applied.map((r) => r.kind) }, { type: 'respond', status: 201, statusText: 'Created', headers: [['Content-Length', '2']], body: Buffer.from('{}'), applied: ['breakpoint', 'breakpoint-answer'] });

    const controller = new AbortController();
    pause = paused();
    pending = rules.pipeline.onRequest(request({ signal: controller.signal }));
    await pause;
    controller.abort();
    assert.deepEqual(((await pending) as { stop: unknown }).stop, { phase: 'client', message: 'the client closed the connection while the exchange was paused', status: 502 });

    rules.breakpoints.setTimeout(20);
    const resumed = new Promise((resolve) => rules.breakpoints.onDidResume(resolve));
    const timedOut = await rules.pipeline.onRequest(request());
    assert.deepEqual({ type: timedOut.type, resumed: await resumed, left: rules.breakpoints.size }, { type: 'forward', resumed: { id: 'f1:request', flowId: 'f1', phase: 'request', how: 'timeout' }, left: 0 });
  });

  it('pauses a response and applies status, header and body edits', async () => {
    await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'response' } });
    const decision = await rules.pipeline.onRequest(request());
    assert.ok(decision.type === 'forward' && decision.responseBreakpoint);
    const flow = makeFlow({ response: true });
    const pause = paused();
    const pending = rules.pipeline.onResponse({
      flowId: 'f1',
      clientIp: '127.0.0.1',
      request: { method: 'POST', url: decision.url, headers: decision.headers },
      response: { status: 200, statusText: 'OK', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip'], ['Content-Length', '40']] },
      readBody: () => Promise.resolve(Buffer.from('gzipped bytes')),
      breakpoint: decision.responseBreakpoint,
      report: recorded(flow),
    });
    const info = await pause;
    assert.deepEqual(info.response, { status: 200, statusText: 'OK', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip'], ['Content-Length', '40']], body: { base64: Buffer.from('gzipped bytes').toString('base64'), size: 13, truncated: false } });
    rules.breakpoints.resume(info.id, { status: 404, body: '{"edited":true}' });
    assert.deepEqual(
      { decision: await pending, original: flow.original, kinds: flow.appliedRules.map((r) => r.kind) },
      {
        decision: { type: 'forward', status: 404, statusText: 'Not Found', headers: [['Content-Type', 'application/json'], ['Content-Length', '15']], body: Buffer.from('{"edited":true}') },
        original: { response: { status: 200, statusText: 'OK', headers: info.response!.headers, bodyReplaced: true } },
        kinds: ['breakpoint-edit'],
      },
    );
  });

  it('delays a mock and lets a disconnecting client go', async () => {
    await rules.store.save({ name: 'slow', matchers: [], action: { type: 'mock', status: 200, headers: [], body: 'x', delayMs: 60_000 } });
    const controller = new AbortController();
    const pending = rules.pipeline.onRequest(request({ signal: controller.signal }));
    controller.abort();
    assert.equal((await pending).type, 'stop');
  });
});
