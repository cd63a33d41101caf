import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostCell } from '../../../../../renderer/src/features/flow-list/columns';
import { splitUrl } from '../../../../../electron/common/flow';

const cell = (url: string) => hostCell(url, splitUrl(url).host);

test('the Host column marks HTTPS and shows a port only when it is not the scheme’s default', () => {
  assert.deepEqual(
    [
      cell('https://api.shop.test/v2/cart'),
      cell('https://api.shop.test:443/v2/cart'),
      cell('https://staging.shop.test:8443/v2'),
      cell('http://origin.test:37229/json'),
      cell('http://origin.test:80/'),
      cell('wss://chat.test/socket'),
      cell('http://user:pw@[::1]:8080/x'),
      cell('not a url'),
    ],
    [
      { host: 'api.shop.test', port: '', secure: true, origin: 'https://api.shop.test' },
      { host: 'api.shop.test', port: '', secure: true, origin: 'https://api.shop.test' },
      { host: 'staging.shop.test', port: ':8443', secure: true, origin: 'https://staging.shop.test:8443' },
      { host: 'origin.test', port: ':37229', secure: false, origin: 'http://origin.test:37229' },
      { host: 'origin.test', port: '', secure: false, origin: 'http://origin.test' },
      { host: 'chat.test', port: '', secure: true, origin: 'wss://chat.test' },
      { host: '[::1]', port: ':8080', secure: false, origin: 'http://[::1]:8080' },
      { host: '', port: '', secure: false, origin: '' },
    ],
  );
});
