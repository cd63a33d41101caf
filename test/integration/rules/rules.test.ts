// Rules through the real proxy with real clients (curl, undici): mocks, map-remote over HTTP and HTTPS,
// breakpoints driven through the API, per-client scope by source address, profile sharing, refusals.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { ApiError } from '../../../electron/common/api';
import type { BreakpointInfo, BreakpointResumed } from '../../../electron/common/breakpoint';
import type { Event } from '../../../electron/common/events';
import type { RuleDraft } from '../../../electron/common/rule-state';
import type { Flow } from '../../../electron/common/flow';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { createRuleApiHandlers } from '../../../electron/core/rules/api-handlers';
import { formatTable } from '../../../electron/cli/flows';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile, proxyAgent } from '../capture/clients';

let origin: Origin;
let second: Origin;
let proxy: TestCore;
let api: ReturnType<typeof createRuleApiHandlers>;
let ca: { file: string; dispose(): void };

before(async () => {
  origin = await startOrigin();
  second = await startOrigin();
});
after(async () => {
  await origin.close();
  await second.close();
});
beforeEach(async () => {
  origin.received.length = 0;
  second.received.length = 0;
  proxy = await startTestCore({ origin, breakpointTimeoutMs: 60_000 });
  api = createRuleApiHandlers(proxy.core.rules);
  ca = pemFile(proxy.caPem);
});
afterEach(async () => {
  await proxy.dispose();
  ca.dispose();
});

const mockRule = (pattern: string, status: number, body: string, extra: object = {}) => ({
  name: `mock ${status}`,
  matchers: [{ type: 'url' as const, pattern, syntax: 'wildcard' as const }],
  action: { type: 'mock' as const, status, headers: [['Content-Type', 'text/plain']] as [string, string][], body },
  ...extra,
});

function nextPause(): Promise<BreakpointInfo> {
  return new Promise((resolve) => {
    const sub = proxy.core.rules.breakpoints.onDidPause((info) => {
      sub.dispose();
      resolve(info);
    });
  });
}

function nextResume(): Promise<BreakpointResumed> {
  return new Promise((resolve) => {
    const sub = proxy.core.rules.breakpoints.onDidResume((info) => {
      sub.dispose();
      resolve(info);
    });
  });
}

const summary = (flow: Flow) => ({
  state: flow.state,
  url: flow.request.url,
  status: flow.response?.status,
  applied: flow.appliedRules.map((r) => r.kind),
  error: flow.error,
});

describe('mocks', () => {
  test('a matching request is answered without the server; others pass through', async () => {
    await api['rules.save']({ rule: mockRule(origin.url('/json*'), 503, 'down for a test') });
    const hit = await curl(proxy.proxyUrl, ['-i', origin.url('/json?q=1')]);
    const miss = await curl(proxy.proxyUrl, [origin.url('/echo')]);
    assert.deepEqual(
      { hit: hit.status, hitBody: hit.body.split('\r\n\r\n')[1], hasLength: /content-length: 15/i.test(hit.body), miss: miss.status, atOrigin: origin.received.map((r) => r.url) },
      { hit: 503, hitBody: 'down for a test', hasLength: true, miss: 200, atOrigin: ['/echo'] },
    );
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(flows.map(summary), [
      { state: 'completed', url: origin.url('/json?q=1'), status: 503, applied: ['mock'], error: undefined },
      { state: 'completed', url: origin.url('/echo'), status: 200, applied: [], error: undefined },
    ]);
    const body = await proxy.core.store.bodies.read(flows[0].response!.body);
    assert.deepEqual({ body: body.toString(), server: flows[0].server, contentType: flows[0].response?.body.contentType }, { body: 'down for a test', server: undefined, contentType: 'text/plain' });
  });

  test('a wildcard and its regex match the same URLs end to end', async () => {
    const urls = ['/json', '/json?x=1', '/JSON', '/echo', '/jsonx', '/a/json'].map((p) => origin.url(p));
    const run = async (rule: RuleDraft) => {
      const saved = await api['rules.save']({ rule });
      const statuses = [];
      for (const url of urls) statuses.push((await curl(proxy.proxyUrl, ['-o', '/dev/null', url])).status === 299);
      await api['rules.delete']({ ids: [saved.rule.id] });
      return statuses;
    };
    const base = origin.url('');
    const wildcard = await run(mockRule(`${base}/json*`, 299, 'w'));
    const regex = await run({ ...mockRule('', 299, 'r'), matchers: [{ type: 'url', pattern: `^${base.replace(/\./g, '\\.')}/json.*$`, syntax: 'regex' }] });
    assert.deepEqual({ wildcard, regex }, { wildcard: [true, true, true, false, true, false], regex: [true, true, true, false, true, false] });
  });

  test('clients on 127.0.0.2 and 127.0.0.3 get their own profile’s answer for the same URL', async () => {
    const url = origin.url('/json');
    // Either scheme: the HTTPS request below comes through a CONNECT tunnel from 127.0.0.2.
    const anyScheme = '*://origin.test:*/json';
    await api['profiles.save']({ profile: { name: 'Phone A', clients: ['127.0.0.2'], rules: [mockRule(anyScheme, 201, 'for A')] } });
    await api['profiles.save']({ profile: { name: 'Phone B', clients: ['127.0.0.3/32'], rules: [mockRule(anyScheme, 202, 'for B')] } });
    const answers = [];
    for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      const r = await curl(proxy.proxyUrl, ['--interface', ip, url]);
      answers.push([ip, r.status, r.body]);
    }
    const agent = proxyAgent(proxy.proxyUrl, proxy.caPem, { localAddress: '127.0.0.2' });
    try {
      const viaUndici = await request(origin.url('/json', { secure: true }), { dispatcher: agent });
      answers.push(['undici https 127.0.0.2', viaUndici.statusCode, await viaUndici.body.text()]);
    } finally {
      await agent.close();
    }
    assert.deepEqual(answers, [
      ['127.0.0.2', 201, 'for A'],
      ['127.0.0.3', 202, 'for B'],
      ['127.0.0.4', 200, '{"hello":"world"}'],
      ['undici https 127.0.0.2', 201, 'for A'],
    ]);
  });
});

describe('map-remote', () => {
  for (const secure of [false, true]) {
    test(`sends ${secure ? 'HTTPS' : 'HTTP'} to a second origin, keeping the rest of the path and the query`, async () => {
      const from = origin.url('/v1/*', { secure });
      const to = second.url('/v2', { secure, host: 'second.test' });
      await api['rules.save']({ rule: { name: 'to second', matchers: [{ type: 'url', pattern: from, syntax: 'wildcard' }], action: { type: 'map-remote', to } } });
      const result = await curl(proxy.proxyUrl, ['-o', '/dev/null', origin.url('/v1/users?id=7&x=a%20b', { secure })], { caFile: ca.file });
      const [flow] = await proxy.finishedFlows(1);
      const host = `second.test:${secure ? second.httpsPort : second.httpPort}`;
      assert.deepEqual(
        {
          status: result.status,
          first: origin.received.length,
          second: second.received.map((r) => ({ url: r.url, secure: r.secure, host: r.rawHeaders[r.rawHeaders.findIndex((h) => h.toLowerCase() === 'host') + 1] })),
          flow: { ...summary(flow), server: flow.server?.host, original: flow.original?.request?.url },
        },
        {
          status: 404,
          first: 0,
          second: [{ url: '/v2/users?id=7&x=a%20b', secure, host }],
          flow: { state: 'completed', url: `${secure ? 'https' : 'http'}://${host}/v2/users?id=7&x=a%20b`, status: 404, applied: ['map-remote'], error: undefined, server: 'second.test', original: origin.url('/v1/users?id=7&x=a%20b', { secure }) },
        },
      );
    });
  }

  test('a host-only target keeps the path; keepHostHeader keeps the client’s Host', async () => {
    await api['rules.save']({ rule: { name: 'host', matchers: [{ type: 'host', host: 'origin.test' }], action: { type: 'map-remote', to: `http://127.0.0.1:${second.httpPort}`, keepHostHeader: true } } });
    const result = await curl(proxy.proxyUrl, [origin.url('/echo?q=1')]);
    const echo = JSON.parse(result.body) as { url: string; rawHeaders: string[] };
    assert.deepEqual({ url: echo.url, host: echo.rawHeaders[1], atSecond: second.received.length }, { url: '/echo?q=1', host: `origin.test:${origin.httpPort}`, atSecond: 1 });
  });

  test('an unreachable target fails the flow with the reason', async () => {
    const port = await origin.closedPort();
    await api['rules.save']({ rule: { name: 'nowhere', matchers: [], action: { type: 'map-remote', to: `http://127.0.0.1:${port}` } } });
    const result = await curl(proxy.proxyUrl, [origin.url('/json')]);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { status: result.status, body: result.body, flow: summary(flow) },
      {
        status: 502,
        body: `Hindsight: could not connect to 127.0.0.1:${port} (ECONNREFUSED)\n`,
        flow: { state: 'failed', url: `http://127.0.0.1:${port}/json`, status: undefined, applied: ['map-remote'], error: { phase: 'connect', message: `could not connect to 127.0.0.1:${port} (ECONNREFUSED)`, code: 'ECONNREFUSED' } },
      },
    );
  });
});

describe('breakpoints', () => {
  const breakpoint = (on: 'request' | 'response' | 'both', path = '/echo*') => ({
    rule: { name: `pause ${on}`, matchers: [{ type: 'url' as const, pattern: origin.url(path), syntax: 'wildcard' as const }], action: { type: 'breakpoint' as const, on } },
  });

  test('a paused request is listed as intercepted and goes on with the API’s edits', async () => {
    await api['rules.save'](breakpoint('request'));
    const paused = nextPause();
    const client = curl(proxy.proxyUrl, ['-X', 'POST', '-H', 'Content-Type: text/plain', '--data-binary', 'original body', origin.url('/echo?a=1')]);
    const info = await paused;
    const listed = await api['breakpoints.list']({});
    await until(proxy.core.store.onDidUpdate, () => proxy.core.store.query({}).flows[0]?.state === 'intercepted');
    assert.deepEqual(
      { ids: listed.paused.map((p) => p.id), body: Buffer.from(info.request.body!.base64, 'base64').toString(), method: info.request.method },
      { ids: [info.id], body: 'original body', method: 'POST' },
    );
    await api['breakpoints.resume']({ id: info.id, edits: { method: 'PUT', url: origin.url('/echo?edited=1'), body: '{"edited":true}' } });
    const echo = JSON.parse((await client).body) as { method: string; url: string; body: string; rawHeaders: string[] };
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { echo: { method: echo.method, url: echo.url, body: echo.body }, flow: summary(flow), original: { method: flow.original?.request?.method, url: flow.original?.request?.url, bodyReplaced: flow.original?.request?.bodyReplaced } },
      {
        echo: { method: 'PUT', url: '/echo?edited=1', body: '{"edited":true}' },
        flow: { state: 'completed', url: origin.url('/echo?edited=1'), status: 200, applied: ['breakpoint', 'breakpoint-edit'], error: undefined },
        original: { method: 'POST', url: origin.url('/echo?a=1'), bodyReplaced: true },
      },
    );
    assert.equal((await proxy.core.store.bodies.read(flow.request.body)).toString(), '{"edited":true}');
  });

  test('a paused response is edited through the API and the client sees the edit', async () => {
    await api['rules.save'](breakpoint('response', '/json'));
    const paused = nextPause();
    const client = curl(proxy.proxyUrl, ['-i', origin.url('/json')]);
    const info = await paused;
    assert.deepEqual({ phase: info.phase, status: info.response?.status, body: Buffer.from(info.response!.body!.base64, 'base64').toString() }, { phase: 'response', status: 200, body: '{"hello":"world"}' });
    await api['breakpoints.resume']({ id: info.id, edits: { status: 418, headers: [['Content-Type', 'text/plain']], body: 'short and stout' } });
    const result = await client;
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { status: result.status, body: result.body.split('\r\n\r\n')[1], flow: summary(flow), original: flow.original?.response?.status, stored: (await proxy.core.store.bodies.read(flow.response!.body)).toString() },
      { status: 418, body: 'short and stout', flow: { state: 'completed', url: origin.url('/json'), status: 418, applied: ['breakpoint', 'breakpoint-edit'], error: undefined }, original: 200, stored: 'short and stout' },
    );
  });

  test('abort gives the client a clear 502; answer replies without the server', async () => {
    await api['rules.save'](breakpoint('request'));
    let paused = nextPause();
    let client = curl(proxy.proxyUrl, [origin.url('/echo')]);
    await api['breakpoints.abort']({ id: (await paused).id });
    const aborted = await client;
    paused = nextPause();
    client = curl(proxy.proxyUrl, [origin.url('/echo?2')]);
    await api['breakpoints.answer']({ id: (await paused).id, response: { status: 200, headers: [['X-Answered', 'yes']], body: 'answered' } });
    const answered = await client;
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      { aborted: [aborted.status, aborted.body], answered: [answered.status, answered.body], flows: flows.map(summary), atOrigin: origin.received.length },
      {
        aborted: [502, 'Hindsight: aborted at a breakpoint\n'],
        answered: [200, 'answered'],
        flows: [
          { state: 'failed', url: origin.url('/echo'), status: undefined, applied: ['breakpoint'], error: { phase: 'rule', message: 'aborted at a breakpoint' } },
          { state: 'completed', url: origin.url('/echo?2'), status: 200, applied: ['breakpoint', 'breakpoint-answer'], error: undefined },
        ],
        atOrigin: 0,
      },
    );
  });

  test('several pauses at once; a pause nobody resumes continues after the timeout', async () => {
    proxy.core.rules.breakpoints.setTimeout(1500);
    await api['rules.save'](breakpoint('request'));
    const resumed: BreakpointResumed[] = [];
    const sub = proxy.core.rules.breakpoints.onDidResume((r) => resumed.push(r));
    const both = until(proxy.core.rules.breakpoints.onDidPause, () => proxy.core.rules.breakpoints.size === 2);
    const clients = [curl(proxy.proxyUrl, [origin.url('/echo?one')]), curl(proxy.proxyUrl, [origin.url('/echo?two')])];
    await both;
    const results = await Promise.all(clients);
    sub.dispose();
    assert.deepEqual(
      { statuses: results.map((r) => r.status), how: resumed.map((r) => r.how), atOrigin: origin.received.map((r) => r.url).sort() },
      { statuses: [200, 200], how: ['timeout', 'timeout'], atOrigin: ['/echo?one', '/echo?two'] },
    );
  });

  test('one timeout per exchange: a request and response breakpoint nobody acts on pauses only the request', async () => {
    proxy.core.rules.breakpoints.setTimeout(1500);
    await api['rules.save'](breakpoint('both'));
    const paused: BreakpointInfo[] = [];
    const resumed: BreakpointResumed[] = [];
    const subs = [proxy.core.rules.breakpoints.onDidPause((p) => paused.push(p)), proxy.core.rules.breakpoints.onDidResume((r) => resumed.push(r))];
    const result = await curl(proxy.proxyUrl, [origin.url('/echo?forgotten')]);
    const [flow] = await proxy.finishedFlows(1);
    for (const sub of subs) sub.dispose();
    assert.deepEqual(
      { status: result.status, paused: paused.map((p) => [p.phase, p.continuesAt - p.pausedAt]), resumed: resumed.map((r) => [r.phase, r.how]), flow: summary(flow) },
      {
        status: 200,
        paused: [['request', 1500]],
        resumed: [['request', 'timeout']],
        flow: { state: 'completed', url: origin.url('/echo?forgotten'), status: 200, applied: ['breakpoint'], error: undefined },
      },
    );
  });

  test('a request resumed by hand gives its response a whole timeout; meanwhile `hindsight flows` shows it paused', async () => {
    await api['rules.save'](breakpoint('both', '/json'));
    let paused = nextPause();
    const client = curl(proxy.proxyUrl, [origin.url('/json')]);
    const request = await paused;
    paused = nextPause();
    await api['breakpoints.resume']({ id: request.id });
    const response = await paused;
    await until(proxy.core.store.onDidUpdate, () => proxy.core.store.query({}).flows[0]?.state === 'intercepted');
    const [, row] = formatTable(proxy.core.store.query({}).flows).trim().split('\n');
    const listed = { phase: response.phase, timeout: response.continuesAt - response.pausedAt, status: row.split(/\s{2,}/)[3] };
    await api['breakpoints.resume']({ id: response.id });
    const result = await client;
    assert.deepEqual({ listed, status: result.status }, { listed: { phase: 'response', timeout: 60_000, status: 'PAUSED' }, status: 200 });
  });

  test('a client that disconnects while paused releases the pause', async () => {
    await api['rules.save'](breakpoint('request'));
    const paused = nextPause();
    const released = nextResume();
    const client = curl(proxy.proxyUrl, [origin.url('/echo')], { timeoutMs: 1000 });
    await paused;
    const [result, resumed] = await Promise.all([client, released]);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { curlExit: result.exit, how: resumed.how, left: proxy.core.rules.breakpoints.size, state: flow.state, phase: flow.error?.phase, atOrigin: origin.received.length },
      { curlExit: 28, how: 'released', left: 0, state: 'failed', phase: 'client', atOrigin: 0 },
    );
  });
});

describe('rules API', () => {
  test('over the in-memory transport: calls, invalid-rule fields, and the rules/breakpoints events', async () => {
    const server = createApiServerSide(createApiHandlers(proxy.core), proxy.core, { flushMs: 10 });
    const client = connectInMemory(server);
    try {
      const events: string[] = [];
      const paused = new Promise<BreakpointInfo>((resolve) => client.on('breakpoints/paused', resolve));
      const resumed = new Promise<BreakpointResumed>((resolve) => client.on('breakpoints/resumed', resolve));
      const changed = new Promise<void>((resolve) => client.on('rules/changed', (state) => {
        events.push(`rules/changed ${state.rules.length}`);
        resolve();
      }));
      const refused = await client.call('rules.save', { rule: { name: 'x', matchers: [], action: { type: 'mock', status: 1000, headers: [], body: '' } } }).catch((e: ApiError) => ({ code: e.code, fields: e.fields }));
      const saved = await client.call('rules.save', { rule: { name: 'pause', matchers: [], action: { type: 'breakpoint', on: 'request' } } });
      await changed;
      const request = curl(proxy.proxyUrl, [origin.url('/json')]);
      const info = await paused;
      await client.call('breakpoints.resume', { id: info.id });
      const [result, how] = await Promise.all([request, resumed]);
      assert.deepEqual(
        { refused, explanation: saved.explanation, events, paused: info.rule.id === saved.rule.id, how: how.how, status: result.status },
        {
          refused: { code: 'invalid-rule', fields: [{ field: 'action.status', message: 'must be from 100 to 599 (an HTTP status), not 1000' }] },
          explanation: 'Pause every request for every client',
          events: ['rules/changed 1'],
          paused: true,
          how: 'resumed',
          status: 200,
        },
      );
    } finally {
      client.dispose();
      server.dispose();
    }
  });

  test('invalid rules are refused naming the field', async () => {
    const err = await api['rules.save']({ rule: { name: '', matchers: [{ type: 'url', pattern: '(a)\\1', syntax: 'regex' }], action: { type: 'map-remote', to: 'nope' } } as never }).catch((e: ApiError) => e);
    assert.deepEqual(
      { code: (err as ApiError).code, fields: (err as ApiError).fields?.map((f) => f.field), rules: (await api['rules.list']({})).rules.length },
      { code: 'invalid-rule', fields: ['name', 'matchers[0].pattern', 'action.to'], rules: 0 },
    );
  });

  test('a profile exported as a link and imported round-trips; a copy goes to another device', async () => {
    const saved = await api['profiles.save']({ profile: { name: 'QA phone', clients: ['127.0.0.2'], rules: [mockRule(origin.url('/json'), 500, 'boom', { times: 3 }), { name: 'bp', matchers: [], action: { type: 'breakpoint', on: 'response' } }] } });
    const share = await api['profiles.export']({ id: saved.id, uiUrl: 'http://127.0.0.1:8081/#token=x' });
    const imported = await api['profiles.import']({ link: share.url! });
    const copied = await api['profiles.copy']({ id: saved.id, clients: ['127.0.0.3'] });
    const shape = (p: typeof saved) => ({ name: p.name, clients: p.clients, rules: p.rules.map(({ id: _id, version: _v, priority: _p, scope, ...r }) => ({ ...r, scope: scope.profile === p.id ? 'bound' : scope })) });
    assert.deepEqual([shape(imported), shape(copied)], [shape(saved), { ...shape(saved), name: 'QA phone (copy)', clients: ['127.0.0.3'] }]);
    assert.notEqual(imported.id, saved.id);
    const fromDoc = await api['profiles.import']({ document: JSON.parse(JSON.stringify(share.document)), name: 'from file' });
    assert.deepEqual(shape(fromDoc), { ...shape(saved), name: 'from file' });
    const list = await api['profiles.list']({});
    assert.deepEqual(list.map((p) => p.name), ['QA phone', 'QA phone', 'QA phone (copy)', 'from file']);
    const r = await curl(proxy.proxyUrl, ['--interface', '127.0.0.3', origin.url('/json')]);
    assert.deepEqual([r.status, r.body], [500, 'boom']);
  });
});

/** Resolves once `condition` holds, checked now and after each firing of `event`. */
function until(event: Event<unknown>, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sub = event(() => check());
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('condition not reached in time'));
    }, timeoutMs);
    function check() {
      if (!condition()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
    check();
  });
}
