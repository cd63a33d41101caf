/**
 * Property test: random filter expressions over random flows, the compiled filter against a
 * deliberately naive reference evaluator written here from the language's description (string
 * lower-casing, a recursive glob, BigInt address arithmetic) and sharing no code with the product.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFilter } from '../../../electron/common/filter';
import { toSummary, type FlowSummary } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

type Term =
  | { key: 'text'; word: string; quoted: boolean }
  | { key: 'host' | 'url' | 'path'; pattern: string }
  | { key: 'url' | 'path'; regex: string; flags: string }
  | { key: 'method' | 'type' | 'ip' | 'is'; value: string }
  | { key: 'status' | 'size' | 'reqsize' | 'duration'; op: string; value: string }
  | { key: 'pinned' };

type Tree = { t: 'term'; term: Term } | { t: 'not'; c: Tree } | { t: 'and'; cs: Tree[]; explicit: boolean } | { t: 'or'; cs: Tree[]; upper: boolean };

// ---- the naive reference ----

function glob(p: string, s: string): boolean {
  if (p === '') return s === '';
  if (p[0] === '*') return glob(p.slice(1), s) || (s !== '' && glob(p, s.slice(1)));
  if (s === '') return false;
  return (p[0] === '?' || p[0] === s[0]) && glob(p.slice(1), s.slice(1));
}

function ipToBig(text: string): bigint {
  const ip = text.replace(/^\[|\]$/g, '').split('%')[0];
  if (!ip.includes(':')) {
    const v4 = ip.split('.').reduce((acc, part) => acc * 256n + BigInt(part), 0n);
    return (0xffffn << 32n) | v4;
  }
  let groups = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    groups = ip.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [left, right] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const all = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function inRange(ip: string, range: string): boolean {
  const [addr, prefixText] = range.split('/');
  const isV4 = !addr.includes(':');
  const prefix = prefixText === undefined ? 128 : Number(prefixText) + (isV4 ? 96 : 0);
  const shift = BigInt(128 - prefix);
  return ipToBig(ip) >> shift === ipToBig(addr) >> shift;
}

function compare(v: number | undefined, op: string, value: string, unit: (t: string) => number): boolean {
  if (v === undefined) return false;
  if (op === ':' && value.includes('-')) {
    const [lo, hi] = value.split('-').map(unit);
    return v >= lo && v <= hi;
  }
  const n = unit(value);
  return op === '>' ? v > n : op === '>=' ? v >= n : op === '<' ? v < n : op === '<=' ? v <= n : v === n;
}

const bytes = (t: string) => {
  const m = /^([\d.]+)(kb|mb|b)?$/.exec(t)!;
  return Number(m[1]) * (m[2] === 'mb' ? 1024 * 1024 : m[2] === 'kb' ? 1024 : 1);
};
const millis = (t: string) => {
  const m = /^([\d.]+)(ms|s)?$/.exec(t)!;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
};

function naiveTerm(term: Term, s: FlowSummary): boolean {
  switch (term.key) {
    case 'text':
      return s.url.toLowerCase().includes(term.word.toLowerCase());
    case 'pinned':
      return s.pinned;
    case 'host':
    case 'url':
    case 'path': {
      const subject = term.key === 'host' ? s.host : term.key === 'url' ? s.url : s.path;
      if ('regex' in term) return new RegExp(term.regex, term.flags).test(subject);
      return glob(term.pattern.toLowerCase(), subject.toLowerCase());
    }
    case 'method':
      return s.method.toUpperCase() === term.value.toUpperCase();
    case 'type':
      return (s.contentType ?? '').toLowerCase().includes(term.value) && s.contentType !== undefined;
    case 'ip':
      return inRange(s.clientIp, term.value);
    case 'is': {
      const kinds = s.appliedRuleKinds;
      const table: Record<string, boolean> = {
        error: s.state === 'failed' || s.error !== undefined,
        live: s.state === 'live',
        paused: s.state === 'intercepted',
        replay: s.replayOf !== undefined,
        imported: !!s.imported,
        mocked: kinds.includes('mock'),
        mapped: kinds.includes('map-remote'),
        ws: !!s.websocket,
        pinned: s.pinned,
      };
      return table[term.value];
    }
    case 'status': {
      if (/^\dxx$/i.test(term.value)) return s.status !== undefined && String(s.status)[0] === term.value[0];
      return compare(s.status, term.op, term.value, Number);
    }
    case 'size':
      return compare(s.responseSize, term.op, term.value, bytes);
    case 'reqsize':
      return compare(s.requestSize, term.op, term.value, bytes);
    case 'duration':
      return compare(s.durationMs, term.op, term.value, millis);
  }
}

function naive(tree: Tree, s: FlowSummary): boolean {
  if (tree.t === 'term') return naiveTerm(tree.term, s);
  if (tree.t === 'not') return !naive(tree.c, s);
  if (tree.t === 'and') return tree.cs.every((c) => naive(c, s));
  return tree.cs.some((c) => naive(c, s));
}

// ---- rendering a tree as filter text ----

function renderTerm(term: Term): string {
  switch (term.key) {
    case 'text':
      return term.quoted ? `"${term.word}"` : term.word;
    case 'pinned':
      return 'pinned';
    case 'host':
    case 'url':
    case 'path':
      return 'regex' in term ? `${term.key}:/${term.regex}/${term.flags}` : `${term.key}:${term.pattern}`;
    case 'status':
    case 'size':
    case 'reqsize':
    case 'duration':
      return `${term.key}${term.op}${term.value}`;
    default:
      return `${term.key}:${term.value}`;
  }
}

function render(tree: Tree): string {
  switch (tree.t) {
    case 'term':
      return renderTerm(tree.term);
    case 'not':
      return '-' + (tree.c.t === 'term' || tree.c.t === 'not' ? render(tree.c) : `(${render(tree.c)})`);
    case 'and':
      return tree.cs.map((c) => (c.t === 'or' ? `(${render(c)})` : render(c))).join(tree.explicit ? ' AND ' : ' ');
    case 'or':
      return tree.cs.map(render).join(tree.upper ? ' OR ' : ' or ');
  }
}

// ---- generators ----

const termArb: fc.Arbitrary<Term> = fc.oneof(
  fc.record({ key: fc.constant('text' as const), word: fc.constantFrom('api', 'USERS', 'example', 'v1', '?page', 'x', 'Orders', 'a b'), quoted: fc.boolean() }).map((t) => ({ ...t, quoted: t.quoted || t.word.includes(' ') })),
  fc.record({ key: fc.constant('host' as const), pattern: fc.constantFrom('api.example.com', 'API.Example.com', '*.example.com', 'auth.*', 'a?th.test', '*', 'static.test', '::1') }),
  fc.record({ key: fc.constantFrom('url' as const), pattern: fc.constantFrom('*users*', 'https://api.example.com/*', '*?page=1*', 'http://*', '*/v?/*', 'HTTPS://API.EXAMPLE.COM/*', '*.png*') }),
  fc.record({ key: fc.constantFrom('path' as const), pattern: fc.constantFrom('/v1/*', '*orders*', '/', '*?*', '/users/?') }),
  fc.record({ key: fc.constantFrom('url' as const, 'path' as const), regex: fc.constantFrom('users\\/\\d', '^https:', 'USERS', 'page=1$', '^\\/v[12]\\/', '\\d{2}'), flags: fc.constantFrom('', 'i') }),
  fc.record({ key: fc.constant('method' as const), value: fc.constantFrom('get', 'GET', 'Post', 'delete') }),
  fc.record({ key: fc.constant('type' as const), value: fc.constantFrom('json', 'html', 'image', 'text') }),
  fc.record({ key: fc.constant('ip' as const), value: fc.constantFrom('127.0.0.2', '127.0.0.0/30', '::1', '::ffff:127.0.0.3', '10.0.0.0/8', 'fe80::/10', '::/0', '0.0.0.0/0', '192.168.1.0/25') }),
  fc.record({ key: fc.constant('is' as const), value: fc.constantFrom('error', 'live', 'paused', 'replay', 'imported', 'mocked', 'mapped', 'ws', 'pinned', 'sse') }),
  fc.constantFrom<Term>(
    { key: 'pinned' },
    { key: 'status', op: ':', value: '200' },
    { key: 'status', op: ':', value: '4xx' },
    { key: 'status', op: ':', value: '5XX' },
    { key: 'status', op: ':', value: '400-499' },
    { key: 'status', op: '>=', value: '500' },
    { key: 'status', op: '<', value: '300' },
    { key: 'status', op: '>', value: '404' },
    { key: 'status', op: '<=', value: '201' },
    { key: 'size', op: '>', value: '10kb' },
    { key: 'size', op: '<=', value: '512' },
    { key: 'size', op: ':', value: '100-2000' },
    { key: 'size', op: '>=', value: '1mb' },
    { key: 'reqsize', op: '>', value: '0' },
    { key: 'duration', op: '>', value: '100ms' },
    { key: 'duration', op: '<', value: '1s' },
    { key: 'duration', op: ':', value: '0-250' },
  ),
);

const treeArb = fc.letrec<{ node: Tree; not: Tree; and: Tree; or: Tree }>((tie) => ({
  node: fc.oneof({ maxDepth: 3, depthSize: 'small' }, termArb.map((term) => ({ t: 'term' as const, term })), tie('not'), tie('and'), tie('or')),
  not: tie('node').map((c) => ({ t: 'not' as const, c })),
  and: fc.record({ t: fc.constant('and' as const), cs: fc.array(tie('node'), { minLength: 2, maxLength: 3 }), explicit: fc.boolean() }),
  or: fc.record({ t: fc.constant('or' as const), cs: fc.array(tie('node'), { minLength: 2, maxLength: 3 }), upper: fc.boolean() }),
})).node;

const summaryArb: fc.Arbitrary<FlowSummary> = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS'),
    host: fc.constantFrom('api.example.com', 'API.Example.com', 'static.test', 'auth.test', 'chat.example.org', '[::1]:8080'),
    path: fc.constantFrom('/', '/v1/users/12?page=1', '/v2/Orders/3', '/img/logo.png?x=1', '/users/5', '/a b'),
    method: fc.constantFrom('GET', 'get', 'POST', 'DELETE'),
    status: fc.option(fc.constantFrom(200, 201, 301, 404, 500, 503)),
    contentType: fc.option(fc.constantFrom('application/json; charset=utf-8', 'text/html', 'image/png', 'text/plain')),
    clientIp: fc.constantFrom('127.0.0.2', '::ffff:127.0.0.2', '127.0.0.3', '::1', '10.9.8.7', 'fe80::1', '192.168.1.5', '192.168.1.200'),
    state: fc.constantFrom('live', 'intercepted', 'completed', 'failed'),
    error: fc.boolean(),
    kinds: fc.subarray(['mock', 'map-remote', 'breakpoint']),
    pinned: fc.boolean(),
    replay: fc.boolean(),
    imported: fc.boolean(),
    websocket: fc.boolean(),
    requestSize: fc.constantFrom(0, 1, 512, 5000),
    responseSize: fc.constantFrom(0, 100, 512, 513, 2000, 10_240, 10_241, 2_000_000),
    duration: fc.option(fc.constantFrom(0, 100, 101, 250, 999, 1000, 4000)),
  })
  .map((g) => {
    const body = (size: number, contentType?: string) => ({ size, storedSize: size, truncated: false, ...(contentType ? { contentType } : {}) });
    const flow = makeFlow({
      state: g.state as FlowSummary['state'],
      client: { ip: g.clientIp, port: 1 },
      request: { method: g.method, url: `${g.scheme}://${g.host}${g.path}`, httpVersion: '1.1', headers: [], body: body(g.requestSize, g.status === null ? g.contentType ?? undefined : undefined) },
      response: g.status === null ? undefined : { status: g.status, statusText: '', headers: [], body: body(g.responseSize, g.contentType ?? undefined) },
      timings: g.duration === null ? {} : { totalMs: g.duration },
      appliedRules: g.kinds.map((kind, i) => ({ id: `r${i}`, kind })),
      ...(g.error ? { error: { phase: 'upstream' as const, message: 'reset' } } : {}),
      pinned: g.pinned,
      ...(g.replay ? { replayOf: 'other' } : {}),
      ...(g.imported ? { imported: true } : {}),
      ...(g.websocket ? { websocket: true } : {}),
    });
    return toSummary(flow);
  });

test('compiled filters agree with a naive reference evaluator on random expressions and flows', () => {
  fc.assert(
    fc.property(treeArb, fc.array(summaryArb, { minLength: 12, maxLength: 12 }), (tree, summaries) => {
      const text = render(tree);
      const compiled = compileFilter(text);
      const got = summaries.map((s) => compiled(s));
      const want = summaries.map((s) => naive(tree, s));
      assert.deepEqual(got, want, text);
    }),
    { numRuns: 400, seed: 20251121 },
  );
});
