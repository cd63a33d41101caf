/**
 * Rules made from a captured flow the way the UI makes them (rule-form.ts formFromFlow over the API, then
 * rules.save), run by the real proxy against real curl requests (issue 13): "Mock response…" on
 * /api/users?page=2 mocks that path with any query and nothing beside it, "this path and below" adds the
 * paths under it, and "Breakpoint on this URL" on /slow?bp=1 pauses exactly that URL.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient } from '../../../../../electron/common/api';
import type { Flow } from '../../../../../electron/common/flow';
import { createApiServerSide } from '../../../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../../../electron/core/api/handlers';
import { connectInMemory } from '../../../../../electron/core/api/transport.memory';
import { draftOf, formFromFlow, requestedUrl, type RuleForm } from '../../../../../renderer/src/features/rules/rule-form';
import { scopeMatcher } from '../../../../../renderer/src/features/rules/url-scopes';
import { startOrigin, type Origin } from '../../../../helpers/origin';
import { startTestCore, type TestCore } from '../../../../helpers/core';
import { curl } from '../../../capture/clients';

const NEAR = ['/api/users', '/api/users?page=2', '/api/users?page=3', '/api/usersX', '/api/usersX?page=2', '/api/users/', '/api/users/7'];

describe('rules made from a flow, through the real proxy', () => {
  let origin: Origin;
  let proxy: TestCore;
  let client: ApiClient;

  before(async () => {
    origin = await startOrigin();
  });
  after(async () => {
    await origin.close();
  });
  beforeEach(async () => {
    proxy = await startTestCore({ origin, breakpointTimeoutMs: 60_000 });
    client = connectInMemory(createApiServerSide(createApiHandlers(proxy.core), proxy.core, { flushMs: 10 }));
  });
  afterEach(async () => {
    for (const paused of proxy.core.rules.breakpoints.list()) proxy.core.rules.breakpoints.resume(paused.id);
    await proxy.dispose();
  });

  /** A real request through the proxy, stored as a flow. */
  async function capture(path: string): Promise<Flow> {
    const before = proxy.core.store.query({ limit: 1 }).total;
    await curl(proxy.proxyUrl, ['-o', '/dev/null', origin.url(path)]);
    return (await proxy.finishedFlows(before + 1))[0];
  }

  async function save(form: RuleForm): Promise<string> {
    return (await client.call('rules.save', { rule: draftOf(form) })).rule.id;
  }

  /** Which of `paths` the proxy answered itself (the origin never saw them). */
  async function mocked(paths: string[]): Promise<string[]> {
    const answered: string[] = [];
    for (const path of paths) {
      origin.received.length = 0;
      await curl(proxy.proxyUrl, ['-o', '/dev/null', origin.url(path)]);
      if (!origin.received.some((r) => r.url === path)) answered.push(path);
    }
    return answered;
  }

  test('"Mock response…" on /api/users?page=2 mocks that path with any query; "this path and below" adds what is under it', async () => {
    const flow = await capture('/api/users?page=2');
    const { form } = await formFromFlow(client, flow, 'mock');
    const id = await save(form);
    const byDefault = await mocked(NEAR);
    await client.call('rules.delete', { ids: [id] });
    const below = { ...form, matchers: form.matchers.map((m) => (m.type === 'url' ? scopeMatcher(requestedUrl(flow), 'below') : m)) };
    await save(below);
    const withBelow = await mocked(NEAR);
    assert.deepEqual(
      { byDefault, withBelow },
      {
        byDefault: ['/api/users', '/api/users?page=2', '/api/users?page=3'],
        withBelow: ['/api/users', '/api/users?page=2', '/api/users?page=3', '/api/users/', '/api/users/7'],
      },
    );
  });

  test('"Breakpoint on this URL" on /slow?bp=1 pauses that request, and not its neighbours', async () => {
    const flow = await capture('/slow?bp=1');
    const { form } = await formFromFlow(client, flow, 'breakpoint');
    await save(form);
    // Every pause is recorded and let go at once, so a wrong match shows in the list instead of hanging.
    const paused: string[] = [];
    const sub = proxy.core.rules.breakpoints.onDidPause((info) => {
      paused.push(`${info.phase} ${info.request.url.replace(origin.url(''), '')}`);
      proxy.core.rules.breakpoints.resume(info.id);
    });
    try {
      for (const path of ['/slow?bp=1', '/slow', '/slow?bp=2', '/slowly?bp=1']) await curl(proxy.proxyUrl, ['-o', '/dev/null', origin.url(path)]);
    } finally {
      sub.dispose();
    }
    assert.deepEqual(paused, ['request /slow?bp=1', 'response /slow?bp=1']);
  });
});
