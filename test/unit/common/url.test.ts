import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ABSOLUTE_URL, urlAuthority, withoutUserinfo } from '../../../electron/common/url';

test('an absolute URL splits into scheme, authority as written and path+query, without the fragment', () => {
  const parts = (url: string) => ABSOLUTE_URL.exec(url)?.slice(1) ?? null;
  assert.deepEqual(
    {
      full: parts('HTTPS://user:pw@Api.Example.test:8443/a/b?q=1#frag'),
      bare: parts('ws://[::1]:9000'),
      relative: parts('/a/b'),
      authority: urlAuthority('http://user@host.test:81/x'),
      notAbsolute: urlAuthority('host.test/x'),
      userinfo: [withoutUserinfo('user:pw@host.test:81'), withoutUserinfo('host.test')],
    },
    {
      full: ['HTTPS', 'user:pw@Api.Example.test:8443', '/a/b?q=1'],
      bare: ['ws', '[::1]:9000', ''],
      relative: null,
      authority: 'user@host.test:81',
      notAbsolute: '',
      userinfo: ['host.test:81', 'host.test'],
    },
  );
});
