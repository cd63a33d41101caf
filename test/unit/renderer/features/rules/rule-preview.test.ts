import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewRule } from '../../../../../renderer/src/features/rules/rule-preview';
import { scopeMatcher } from '../../../../../renderer/src/features/rules/url-scopes';
import { toSummary } from '../../../../../electron/common/flow';
import { validateRule } from '../../../../../electron/common/rule-validate';
import type { Matcher, RuleScope } from '../../../../../electron/common/rule';
import { makeFlow } from '../../../../helpers/flows';

const flows = [
  ['GET', 'http://shop.test/api/users?page=2', '10.0.0.1'],
  ['GET', 'http://shop.test/api/usersX', '10.0.0.1'],
  ['POST', 'http://shop.test/api/users', '10.0.0.2'],
  ['GET', 'http://shop.test/api/users', '10.0.0.2'],
].map(([method, url, ip], i) => toSummary(makeFlow({ id: `p${i}`, client: { ip, port: 1 }, request: { method, url, httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } })));

function preview(matchers: Matcher[], scope: RuleScope = {}) {
  const checked = validateRule({ id: 'r', name: 'r', matchers, scope, action: { type: 'mock', status: 200, headers: [], body: '' } });
  assert.ok(checked.ok);
  const result = previewRule(checked.rule, flows, []);
  return { matched: result.matched.map((s) => s.id), checked: result.checked, headersUnchecked: result.headersUnchecked };
}

test('the preview lists the recent flows the rules engine would take: method, URL scope, client scope; headers said unchecked', () => {
  const path = scopeMatcher('http://shop.test/api/users?page=2', 'path');
  assert.deepEqual(
    {
      path: preview([path]),
      getOnly: preview([{ type: 'method', method: 'GET' }, path]),
      oneClient: preview([path], { clients: ['10.0.0.2'] }),
      withHeader: preview([path, { type: 'header', name: 'X-Debug' }]),
    },
    {
      path: { matched: ['p0', 'p2', 'p3'], checked: 4, headersUnchecked: false },
      getOnly: { matched: ['p0', 'p3'], checked: 4, headersUnchecked: false },
      oneClient: { matched: ['p2', 'p3'], checked: 4, headersUnchecked: false },
      withHeader: { matched: ['p0', 'p2', 'p3'], checked: 4, headersUnchecked: true },
    },
  );
});
