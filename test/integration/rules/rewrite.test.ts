// Rewrite rules through the real proxy with undici as the client: header, query and body edits checked by the
// origin's view of the request (its /echo) and the client's view of the response, gzip bodies included (decoded,
// then sent identity); the flow records the rule and what the client or server originally sent.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { request } from 'undici';
import type { Flow } from '../../../electron/common/flow';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { proxyAgent } from '../capture/clients';

let origin: Origin;
let proxy: TestCore;
before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  proxy = await startTestCore({ origin });
});
afterEach(() => proxy.dispose());

interface Echo {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  bodyBytes: number;
}

const lower = (raw: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
};
const pick = (headers: [string, string][], names: string[]) => headers.filter(([k]) => names.includes(k.toLowerCase()));

describe('rewrite', () => {
  for (const secure of [false, true]) {
    test(`request side over ${secure ? 'HTTPS' : 'HTTP'}: headers added, set and removed, query edited, a gzip body replaced and sent identity`, async () => {
      await proxy.core.rules.store.save({
        name: 'rewrite echo',
        matchers: [{ type: 'url', pattern: '*/echo*', syntax: 'wildcard' }],
        action: {
          type: 'rewrite',
          requestHeaders: [
            { op: 'set', name: 'X-Env', value: 'staging' },
            { op: 'remove', name: 'X-Remove' },
            { op: 'add', name: 'X-Added', value: '1' },
          ],
          query: [
            { op: 'set', name: 'debug', value: 'on' },
            { op: 'remove', name: 'token' },
            { op: 'add', name: 'new param', value: 'a&b' },
          ],
          requestBody: [
            { find: 'alice', replace: 'bob', syntax: 'text' },
            { find: '"n":(\\d+)', replace: '"n":"$1"', syntax: 'regex' },
          ],
        },
      });
      const agent = proxyAgent(proxy.proxyUrl, proxy.caPem);
      try {
        const body = zlib.gzipSync(JSON.stringify({ user: 'alice', n: 42 }));
        const res = await request(origin.url('/echo?debug=off&keep=1&token=secret', { secure }), {
          method: 'POST',
          dispatcher: agent,
          headers: { 'x-env': 'prod', 'x-remove': 'gone', 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body,
        });
        const echo = (await res.body.json()) as Echo;
        const received = lower(echo.rawHeaders);
        assert.deepEqual(
          { url: echo.url, body: echo.body, headers: pick(received, ['x-env', 'x-remove', 'x-added', 'content-encoding', 'content-length']) },
          {
            url: '/echo?debug=on&keep=1&new%20param=a%26b',
            body: '{"user":"bob","n":"42"}',
            headers: [
              ['x-env', 'staging'],
              ['content-length', '23'],
              ['x-added', '1'],
            ],
          },
        );
        const [flow] = await proxy.finishedFlows(1);
        const original = flow.original?.request;
        assert.deepEqual(
          {
            applied: flow.appliedRules.map((a) => a.kind),
            originalUrl: original?.url,
            sentUrl: flow.request.url,
            bodyReplaced: original?.bodyReplaced,
            originalHeaders: pick(original?.headers ?? [], ['x-env', 'x-remove', 'content-encoding']).map(([k, v]) => [k.toLowerCase(), v]),
            sentHeaders: pick(flow.request.headers, ['x-env', 'x-remove', 'x-added', 'content-encoding']).map(([k, v]) => [k.toLowerCase(), v]),
          },
          {
            applied: ['rewrite'],
            originalUrl: origin.url('/echo?debug=off&keep=1&token=secret', { secure }),
            sentUrl: origin.url('/echo?debug=on&keep=1&new%20param=a%26b', { secure }),
            bodyReplaced: true,
            originalHeaders: [
              ['x-env', 'prod'],
              ['x-remove', 'gone'],
              ['content-encoding', 'gzip'],
            ],
            sentHeaders: [
              ['x-env', 'staging'],
              ['x-added', '1'],
            ],
          },
        );
      } finally {
        await agent.close();
      }
    });
  }

  test('response side: status, headers and a regex replacement in a gzip body, which the client gets decoded', async () => {
    await proxy.core.rules.store.save({
      name: 'rewrite gzip',
      matchers: [{ type: 'url', pattern: '*/gzip', syntax: 'wildcard' }],
      action: {
        type: 'rewrite',
        status: 203,
        responseHeaders: [
          { op: 'set', name: 'Content-Type', value: 'application/json; charset=utf-8' },
          { op: 'add', name: 'X-Rewritten', value: 'yes' },
        ],
        responseBody: [{ find: '"compressed":\\s*(true)', replace: '"compressed":false,"was":$1', syntax: 'regex' }, { find: 'x'.repeat(2000), replace: 'short', syntax: 'text' }],
      },
    });
    const agent = proxyAgent(proxy.proxyUrl, proxy.caPem);
    try {
      const res = await request(origin.url('/gzip', { secure: true }), { dispatcher: agent });
      const text = await res.body.text();
      assert.deepEqual(
        { status: res.statusCode, body: text, encoding: res.headers['content-encoding'], type: res.headers['content-type'], rewritten: res.headers['x-rewritten'], length: res.headers['content-length'] },
        { status: 203, body: '{"compressed":false,"was":true,"filler":"short"}', encoding: undefined, type: 'application/json; charset=utf-8', rewritten: 'yes', length: '48' },
      );
      const [flow] = (await proxy.finishedFlows(1)) as Flow[];
      assert.deepEqual(
        {
          applied: flow.appliedRules.map((a) => a.kind),
          original: { status: flow.original?.response?.status, bodyReplaced: flow.original?.response?.bodyReplaced, encoding: flow.original?.response?.headers.find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] },
          sent: { status: flow.response?.status, statusText: flow.response?.statusText, size: flow.response?.body.size, encoding: flow.response?.body.encoding },
        },
        { applied: ['rewrite'], original: { status: 200, bodyReplaced: true, encoding: 'gzip' }, sent: { status: 203, statusText: 'Non-Authoritative Information', size: 48, encoding: undefined } },
      );
    } finally {
      await agent.close();
    }
  });

  test('a streamed (chunked) text body is replaced too; a dangerous body regex is refused on save, naming the field', async () => {
    await proxy.core.rules.store.save({ name: 'bytes', matchers: [{ type: 'url', pattern: '*/bytes*', syntax: 'wildcard' }], action: { type: 'rewrite', responseBody: [{ find: 'abc', replace: 'XYZ', syntax: 'text' }] } });
    const agent = proxyAgent(proxy.proxyUrl, proxy.caPem);
    try {
      const res = await request(origin.url('/bytes?n=1000&chunk=100&chunked=1'), { dispatcher: agent });
      const body = Buffer.from(await res.body.arrayBuffer());
      assert.deepEqual([res.statusCode, body.toString().slice(0, 16), body.length, res.headers['content-length']], [200, '0123456789XYZdef', 1000, '1000']);
    } finally {
      await agent.close();
    }
    await assert.rejects(
      proxy.core.rules.store.save({ name: 'bad', matchers: [], action: { type: 'rewrite', responseBody: [{ find: '(a)\\1', replace: '', syntax: 'regex' }] } }),
      (err: Error) => /^invalid rule: action\.responseBody\[0\]\.find: backreferences are not supported/.test(err.message),
    );
  });
});
