import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Matcher } from '../../../../electron/common/rule';
import { explainRule } from '../../../../electron/common/rule-explain';
import { validateRule } from '../../../../electron/common/rule-validate';
import { localFileFor, parseRange } from '../../../../electron/core/rules/map-local';

describe('map-local', () => {
  it('reads one byte range, clipped; anything else means the whole file', () => {
    assert.deepEqual(
      ['bytes=0-99', 'bytes=100-', 'bytes=-50', 'bytes=990-2000', 'bytes=1000-', 'bytes=-0', 'bytes=5-1', 'bytes=0-1,5-9', 'items=0-1', 'bytes=-', undefined].map((r) => parseRange(r, 1000)),
      [{ start: 0, end: 99 }, { start: 100, end: 999 }, { start: 950, end: 999 }, { start: 990, end: 999 }, 'unsatisfiable', 'unsatisfiable', undefined, undefined, undefined, undefined, undefined],
    );
  });

  it('maps the path under the wildcard’s literal start into the folder, and refuses every way out', () => {
    const root = path.resolve('/srv/site');
    const matchers: Matcher[] = [{ type: 'url', pattern: 'http://api.test/static/*', syntax: 'wildcard' }];
    const file = (p: string) => {
      const r = localFileFor(root, p, matchers);
      return 'file' in r ? path.relative(root, r.file) : `${r.refused.status} ${r.refused.body.toString().trim()}`;
    };
    assert.deepEqual(
      ['/static/app/main.js?v=2', '/static/', '/static/a%20b.txt', '/other/x.js', '/static/../secret', '/static/a/%2e%2e/%2e%2e/secret', '/static/a%2f..%2fb', '/static/%E0%A4%A'].map(file),
      [
        path.join('app', 'main.js'),
        '',
        'a b.txt',
        path.join('other', 'x.js'),
        `403 Hindsight: map local: the path "../secret" would leave ${root}; refused`,
        `403 Hindsight: map local: the path "a/%2e%2e/%2e%2e/secret" would leave ${root}; refused`,
        `403 Hindsight: map local: the path "a%2f..%2fb" would leave ${root}; refused`,
        '400 Hindsight: map local: the path segment "%E0%A4%A" is not valid percent-encoding',
      ],
    );
  });

  it('is explained in one line and validated on save', () => {
    const rule = validateRule({ id: 'r', name: 'n', matchers: [{ type: 'url', pattern: 'https://api.test/users', syntax: 'wildcard' }], scope: { clients: ['127.0.0.2'] }, action: { type: 'map-local', path: ' /srv/users.json ' } });
    assert.ok(rule.ok);
    assert.deepEqual(
      [rule.rule.action, explainRule(rule.rule), validateRule({ id: 'r', name: 'n', action: { type: 'map-local', path: 'C:\\site' } }).ok, validateRule({ id: 'r', name: 'n', action: { type: 'map-local' } })],
      [
        { type: 'map-local', path: '/srv/users.json' },
        'Answer api.test/users from local /srv/users.json from 127.0.0.2',
        true,
        { ok: false, errors: [{ field: 'action.path', message: 'is required' }] },
      ],
    );
  });
});
