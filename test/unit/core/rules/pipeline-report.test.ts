// The rules pipeline decides and reports; it never writes a Flow (capture's recording is a flow's only writer,
// docs/ARCHITECTURE.md "Who writes a Flow"). Each run below hands the pipeline a deep-frozen flow under the key
// it used to write through (`flow`): a pipeline that writes a flow again throws there and these tests fail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BreakpointInfo } from '../../../../electron/common/breakpoint';
import type { Flow } from '../../../../electron/common/flow';
import { createRules, type RulesService } from '../../../../electron/core/rules/index';
import type { RequestContext, RuleEvent } from '../../../../electron/core/rules/pipeline';
import { makeFlow } from '../../../helpers/flows';

const clientHeaders: [string, string][] = [['Host', 'api.test'], ['Content-Type', 'text/plain'], ['Transfer-Encoding', 'chunked']];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('RulePipeline reports instead of writing the flow', () => {
  let dir: string;
  let rules: RulesService;
  let events: RuleEvent[];
  let frozen: Flow;
  let before: Flow;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    rules = createRules({ dataDir: dir, breakpointTimeoutMs: 60_000 });
    await rules.ready;
    events = [];
    frozen = deepFreeze(makeFlow({ request: { method: 'POST', url: 'http://api.test/v1/users?id=7', httpVersion: '1.1', headers: clientHeaders, body: { size: 5, storedSize: 5, truncated: false } } }));
    before = structuredClone(frozen);
  });
  afterEach(async () => {
    await rules.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const paused = () =>
    new Promise<BreakpointInfo>((resolve) => {
      const sub = rules.breakpoints.onDidPause((info) => {
        sub.dispose();
        resolve(info);
      });
    });
  /** A request context that reports into `events`, carrying the frozen flow where the pipeline once wrote. */
  const request = (): RequestContext =>
    Object.assign(
      {
        flowId: frozen.id,
        clientIp: '127.0.0.1',
        method: 'POST',
        url: 'http://api.test/v1/users?id=7',
        headers: clientHeaders,
        readBody: () => Promise.resolve(Buffer.from('hello')),
        report: (event: RuleEvent) => events.push(structuredClone(event)),
      },
      { flow: frozen },
    );

  it('reports a request mapped, paused and edited, in the order it happened', async () => {
    const map = await rules.store.save({ name: 'to local', matchers: [{ type: 'url', pattern: 'http://api.test/v1/*', syntax: 'wildcard' }], action: { type: 'map-remote', to: 'http://127.0.0.1:4000/api' } });
    const bp = await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'request' } });
    const pause = paused();
    const pending = rules.pipeline.onRequest(request());
    const info = await pause;
    const whilePaused = [...events];
    rules.breakpoints.resume(info.id, { body: 'edited' });
    const decision = await pending;
    assert.ok(decision.type === 'forward');
    assert.deepStrictEqual(
      { whilePaused, events, url: decision.url, flow: frozen },
      {
        whilePaused: [{ type: 'paused' }],
        events: [
          { type: 'paused' },
          { type: 'resumed' },
          {
            type: 'applied',
            rules: [
              { id: map.rule.id, kind: 'map-remote', name: 'to local' },
              { id: bp.rule.id, kind: 'breakpoint', name: 'bp' },
              { id: bp.rule.id, kind: 'breakpoint-edit', name: 'bp' },
            ],
          },
          {
            type: 'request-changed',
            original: { method: 'POST', url: 'http://api.test/v1/users?id=7', headers: clientHeaders },
            sent: { method: 'POST', url: 'http://127.0.0.1:4000/api/users?id=7', headers: decision.headers },
            bodyReplaced: true,
          },
        ],
        url: 'http://127.0.0.1:4000/api/users?id=7',
        flow: before,
      },
    );
  });

  it('reports a response answered at a breakpoint', async () => {
    const bp = await rules.store.save({ name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'response' } });
    const decision = await rules.pipeline.onRequest(request());
    assert.ok(decision.type === 'forward' && decision.responseBreakpoint);
    events.length = 0;
    const server = { status: 200, statusText: 'OK', headers: [['Content-Type', 'application/json']] as [string, string][] };
    const pause = paused();
    const pending = rules.pipeline.onResponse(
      Object.assign(
        {
          flowId: frozen.id,
          clientIp: '127.0.0.1',
          request: { method: decision.method, url: decision.url, headers: decision.headers },
          response: server,
          readBody: () => Promise.resolve(Buffer.from('{"real":true}')),
          breakpoint: decision.responseBreakpoint,
          report: (event: RuleEvent) => events.push(structuredClone(event)),
        },
        { flow: frozen },
      ),
    );
    rules.breakpoints.answer((await pause).id, { status: 503, headers: [], body: 'down' });
    assert.deepStrictEqual(
      { decision: await pending, events, flow: frozen },
      {
        decision: { type: 'forward', status: 503, statusText: 'Service Unavailable', headers: [['Content-Length', '4']], body: Buffer.from('down') },
        events: [
          { type: 'paused' },
          { type: 'resumed' },
          { type: 'applied', rules: [{ id: bp.rule.id, kind: 'breakpoint-answer', name: 'bp' }] },
          { type: 'response-changed', original: server, bodyReplaced: true },
        ],
        flow: before,
      },
    );
  });

  it('reports nothing when no rule applies, and runs without a report (capture off)', async () => {
    await rules.store.save({ name: 'other', matchers: [{ type: 'url', pattern: 'http://other.test/*', syntax: 'wildcard' }], action: { type: 'mock', status: 500, headers: [], body: '' } });
    const decision = await rules.pipeline.onRequest(request());
    const { report: _report, ...unreported } = request();
    const mocked = await rules.store.save({ name: 'mock', matchers: [], action: { type: 'mock', status: 204, headers: [], body: '' } });
    const answered = await rules.pipeline.onRequest(unreported);
    assert.deepStrictEqual(
      { decision: decision.type, events, answered: { type: answered.type, applied: answered.applied }, flow: frozen },
      { decision: 'forward', events: [], answered: { type: 'respond', applied: [{ id: mocked.rule.id, kind: 'mock', name: 'mock' }] }, flow: before },
    );
  });
});
