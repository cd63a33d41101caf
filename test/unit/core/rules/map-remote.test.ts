import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Matcher } from '../../../../electron/common/rule';
import { mapRemoteHeaders, mapRemoteUrl } from '../../../../electron/core/rules/map-remote';

const wildcard = (pattern: string): Matcher[] => [{ type: 'url', pattern, syntax: 'wildcard' }];

describe('map-remote', () => {
  it('keeps path and query, strips the wildcard literal path before a target prefix', () => {
    const cases: [string, string, Matcher[]][] = [
      ['https://api.test/v1/users?id=1&x=2', 'http://127.0.0.1:4000', wildcard('https://api.test/*')],
      ['https://api.test/v1/users?id=1', 'http://127.0.0.1:4000/api', wildcard('https://api.test/v1/*')],
      ['https://api.test/v1/users?id=1', 'http://127.0.0.1:4000/api/', wildcard('*://api.test/V1/*')],
      ['https://api.test/v1/users?id=1', 'http://127.0.0.1:4000/api', [{ type: 'url', pattern: 'v1', syntax: 'regex' }]],
      ['http://api.test/', 'https://10.0.0.5:8443/base', []],
      ['http://api.test/v1?q', 'https://staging.test/base', wildcard('http://api.test/v1*')],
    ];
    assert.deepEqual(
      cases.map(([url, to, matchers]) => mapRemoteUrl(url, { type: 'map-remote', to }, matchers)),
      [
        'http://127.0.0.1:4000/v1/users?id=1&x=2',
        'http://127.0.0.1:4000/api/users?id=1',
        'http://127.0.0.1:4000/api/users?id=1',
        'http://127.0.0.1:4000/api/v1/users?id=1',
        'https://10.0.0.5:8443/base',
        'https://staging.test/base?q',
      ],
    );
  });

  it('moves the Host header to the target unless it is kept', () => {
    const headers: [string, string][] = [['host', 'api.test'], ['Accept', '*/*']];
    assert.deepEqual(
      [
        mapRemoteHeaders(headers, 'http://127.0.0.1:4000/x', { type: 'map-remote', to: 'http://127.0.0.1:4000' }),
        mapRemoteHeaders(headers, 'http://127.0.0.1:4000/x', { type: 'map-remote', to: 'http://127.0.0.1:4000', keepHostHeader: true }),
      ],
      [[['host', '127.0.0.1:4000'], ['Accept', '*/*']], headers],
    );
  });
});
