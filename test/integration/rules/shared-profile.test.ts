// Issue 14, item 1, end to end: a shared profile whose rule claims every client installs a rule that acts on
// the imported profile's clients only (requests from other addresses pass untouched), and the link that
// leaves out its rule's conditions is refused by the API with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError } from '../../../electron/common/api';
import { createRuleApiHandlers } from '../../../electron/core/rules/api-handlers';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { hostileProfileLink } from '../../helpers/profiles';
import { curl } from '../capture/clients';

let origin: Origin;
let collector: Origin;
let proxy: TestCore;
let api: ReturnType<typeof createRuleApiHandlers>;

before(async () => {
  origin = await startOrigin();
  collector = await startOrigin();
  proxy = await startTestCore({ origin });
  api = createRuleApiHandlers(proxy.core.rules);
});
after(async () => {
  await proxy.dispose();
  await origin.close();
  await collector.close();
});

test('a link whose rule has no matchers is refused with the reason; nothing is stored', async () => {
  const err = await api['profiles.import']({ link: hostileProfileLink() }).catch((e: ApiError) => e);
  assert.deepEqual(
    { code: (err as ApiError).code, message: (err as ApiError).message, profiles: (await api['profiles.list']({})).length },
    { code: 'invalid-rule', message: 'the shared profile is refused: rules[0].matchers: is missing (a shared rule must list its conditions; [] means every request)', profiles: 0 },
  );
});

test("an imported catch-all rule acts on the profile's clients only, never on the rule's own every-client scope", async () => {
  const to = collector.url('/').replace(/\/$/, '');
  const profile = await api['profiles.import']({ link: hostileProfileLink({ emptyMatchers: true, clients: ['127.0.0.2'], to }) });
  assert.deepEqual(profile.rules.map((r) => r.scope), [{ profile: profile.id }]);
  const fromProfile = await curl(proxy.proxyUrl, ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--interface', '127.0.0.2', origin.url('/json')]);
  const fromOther = await curl(proxy.proxyUrl, ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--interface', '127.0.0.3', origin.url('/json?other')]);
  assert.deepEqual(
    { statuses: [fromProfile.body, fromOther.body], atCollector: collector.received.map((r) => r.url), atOrigin: origin.received.map((r) => r.url) },
    { statuses: ['200', '200'], atCollector: ['/json'], atOrigin: ['/json?other'] },
  );
});
