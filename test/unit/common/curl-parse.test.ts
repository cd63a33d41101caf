import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CurlParseError, parseCurl, shellWords } from '../../../electron/common/curl-parse';
import type { Flow, Headers } from '../../../electron/common/flow';
import type { ParsedCurl } from '../../../electron/common/replay';
import { toCurl } from '../../../electron/core/export/curl';
import { makeFlow } from '../../helpers/flows';

const run = promisify(execFile);

function refusal(command: string): string {
  try {
    parseCurl(command);
  } catch (err) {
    assert.ok(err instanceof CurlParseError, `not a CurlParseError: ${String(err)}`);
    return err.message;
  }
  return assert.fail(`accepted: ${command}`);
}

test('bash words: quotes, $-strings, escapes, continuations, comments and operators, checked against real bash', async () => {
  const line = [
    `curl 'it'\\''s' "a \\"b\\" \\$x \\q" $'tab\\there\\x41\\101\\u00e9\\n' plain\\ word \\`,
    `  --next-line "multi`,
    `line" '' x#y # a comment`,
    `curl $'\\xc3\\xa9' && echo ignored`,
  ].join('\n');
  const bash = await run('bash', ['-c', `printf '%s\\0' ${line.split('\n').slice(0, 3).join('\n')}`], { encoding: 'buffer' });
  const expected = bash.stdout.toString('utf8').split('\0').slice(0, -1);
  assert.deepEqual(shellWords(line), { words: [...expected, 'curl', 'é'], ignored: '&& echo ignored' });
  assert.deepEqual(expected, ['curl', "it's", 'a "b" $x \\q', 'tab\thereAAé\n', 'plain word', '--next-line', 'multi\nline', '', 'x#y']);
});

const cases: { name: string; command: string; expected: ParsedCurl }[] = [
  {
    name: "Chrome's Copy as cURL (bash)",
    command: [
      `curl 'https://api.test/v1/items?id=1' \\`,
      `  -H 'accept: application/json' \\`,
      `  -H 'cookie: a=1; b=2' \\`,
      `  -H 'user-agent: Mozilla/5.0' \\`,
      `  --data-raw $'{"name":"it\\'s","emoji":"\\u2603"}' \\`,
      `  --compressed`,
    ].join('\n'),
    expected: {
      request: {
        method: 'POST',
        url: 'https://api.test/v1/items?id=1',
        headers: [
          ['Host', 'api.test'],
          ['Accept-Encoding', 'deflate, gzip, br, zstd'],
          ['accept', 'application/json'],
          ['cookie', 'a=1; b=2'],
          ['user-agent', 'Mozilla/5.0'],
          ['Content-Length', '29'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        body: '{"name":"it\'s","emoji":"☃"}',
        bodyEncoding: 'utf8',
      },
      notes: [],
    },
  },
  {
    name: "Firefox's and Postman's style",
    command: `curl --location -X PUT 'http://api.test:8080/orders/7' --header 'Content-Type: application/json' --data '{"qty":2}'`,
    expected: {
      request: {
        method: 'PUT',
        url: 'http://api.test:8080/orders/7',
        headers: [
          ['Host', 'api.test:8080'],
          ['Content-Type', 'application/json'],
          ['Content-Length', '9'],
        ],
        body: '{"qty":2}',
        bodyEncoding: 'utf8',
      },
      notes: ['-L (--location) is not applied: redirects are not followed, the first response is recorded'],
    },
  },
  {
    name: 'user, agent, referer, cookies and repeated data, in the order curl sends them',
    command: `curl -u me:pw -A UA -e 'http://ref;auto' -b a=1 -b c=3 --compressed -H 'X-A: 1' -d x=1 -d y=2 http://127.0.0.1:9/p`,
    expected: {
      request: {
        method: 'POST',
        url: 'http://127.0.0.1:9/p',
        headers: [
          ['Host', '127.0.0.1:9'],
          ['Authorization', 'Basic bWU6cHc='],
          ['User-Agent', 'UA'],
          ['Accept-Encoding', 'deflate, gzip, br, zstd'],
          ['Referer', 'http://ref'],
          ['Cookie', 'a=1;c=3'],
          ['X-A', '1'],
          ['Content-Length', '7'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        body: 'x=1&y=2',
        bodyEncoding: 'utf8',
      },
      notes: [],
    },
  },
  {
    name: '--json, a -H Host (goes first), a header that replaces an implied one',
    command: `curl -H 'X-A: 1' -H 'Host: foo' -H 'Accept: text/html' -u a:b -H 'authorization: Bearer t' --json '{"a":1}' --json '[2]' https://api.test/`,
    expected: {
      request: {
        method: 'POST',
        url: 'https://api.test/',
        headers: [
          ['Host', 'foo'],
          ['X-A', '1'],
          ['Accept', 'text/html'],
          ['authorization', 'Bearer t'],
          ['Content-Type', 'application/json'],
          ['Content-Length', '10'],
        ],
        body: '{"a":1}[2]',
        bodyEncoding: 'utf8',
      },
      notes: [],
    },
  },
  {
    name: '-G puts the (url-encoded) data into the query; removed and empty headers',
    command: `curl -G -d q=1 --data-urlencode 'r=a b&é/' --data-urlencode =x+y -H 'User-Agent:' -H 'X-Empty;' -H 'Content-Type:' "http://api.test/s?z=0#frag"`,
    expected: {
      request: {
        method: 'GET',
        url: 'http://api.test/s?z=0&q=1&r=a+b%26%C3%A9%2F&x%2By',
        headers: [
          ['Host', 'api.test'],
          ['X-Empty', ''],
        ],
      },
      notes: [],
    },
  },
  {
    name: 'HEAD, clustered short options with attached values, and notes for what cannot apply',
    command: `curl -sSLkI -HX-A:1 -x http://corp:3128 --http2 -o /dev/null -w '%{http_code}' api.test/health`,
    expected: {
      request: { method: 'HEAD', url: 'http://api.test/health', headers: [['Host', 'api.test'], ['X-A', '1']] },
      notes: [
        '-L (--location) is not applied: redirects are not followed, the first response is recorded',
        '-k (--insecure) is not applied: upstream certificates are checked as the proxy is set up (--insecure-upstream)',
        '-x (--proxy) is not applied: the request goes through Hindsight',
        'the HTTP version option is not applied: requests are sent over HTTP/1.1',
        'the URL has no scheme; http:// is assumed, as curl does',
      ],
    },
  },
  {
    name: 'bytes that are not UTF-8 make a base64 body; a pipe after the command is ignored',
    command: `curl -X POST --data-binary $'\\xc3\\xa9\\xff\\x01' -H 'Content-Type: application/octet-stream' http://api.test/up | jq .`,
    expected: {
      request: {
        method: 'POST',
        url: 'http://api.test/up',
        headers: [
          ['Host', 'api.test'],
          ['Content-Type', 'application/octet-stream'],
          ['Content-Length', '4'],
        ],
        body: Buffer.from([0xc3, 0xa9, 0xff, 0x01]).toString('base64'),
        bodyEncoding: 'base64',
      },
      notes: ['ignored what follows the command: | jq .'],
    },
  },
  {
    name: 'an OAuth bearer token, a range, and a -X that keeps GET with data',
    command: `/usr/bin/curl -X GET --oauth2-bearer tok -r 0-99 --data-raw '@literal' http://api.test/file`,
    expected: {
      request: {
        method: 'GET',
        url: 'http://api.test/file',
        headers: [
          ['Host', 'api.test'],
          ['Authorization', 'Bearer tok'],
          ['Range', 'bytes=0-99'],
          ['Content-Length', '8'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        body: '@literal',
        bodyEncoding: 'utf8',
      },
      notes: [],
    },
  },
];

for (const c of cases) {
  test(`parses: ${c.name}`, () => {
    assert.deepEqual(parseCurl(c.command), c.expected);
  });
}

test('refuses what it cannot carry over, saying why', () => {
  assert.deepEqual(
    [
      `curl -d @body.json http://a.test/`,
      `curl --data-binary @body.bin http://a.test/`,
      `curl --data-urlencode name@file http://a.test/`,
      `curl -F file=@x.png http://a.test/`,
      `curl -H "Authorization: Bearer $TOKEN" http://a.test/`,
      `curl "http://a.test/$(whoami)"`,
      'curl `cat url.txt`',
      `curl --frobnicate http://a.test/`,
      `curl -Z http://a.test/`,
      `curl -s`,
      `curl http://a.test/ http://b.test/`,
      `wget http://a.test/`,
      `curl 'http://a.test/`,
      `curl ^"http://a.test/^" ^\n  -H ^"x: y^"`,
      `curl ftp://a.test/file`,
      `curl -u alice http://a.test/`,
      `curl -b cookies.txt http://a.test/`,
      `curl -H 'Bad Name: x' http://a.test/`,
      `curl -H`,
      `curl 'http://a.test/a b'`,
      ``,
    ].map(refusal),
    [
      '--data @body.json reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw \'…\')',
      '--data-binary @body.bin reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw \'…\')',
      '--data-urlencode name@file reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw \'…\')',
      'multipart forms (-F, --form) are not supported; send the body with --data-binary and its Content-Type header',
      'the command uses shell expansion ($TOKEN) at column 32; write the value out instead',
      'the command uses shell expansion ($(whoami)) at column 21; write the value out instead',
      'the command uses shell expansion (`cat url.txt`) at column 6; write the value out instead',
      'unsupported curl option --frobnicate',
      'unsupported curl option -Z',
      'the command has no URL',
      'the command has 2 URLs; paste one request at a time',
      "not a curl command: it starts with 'wget'",
      'a single quote at column 6 is never closed',
      'this looks like a command for Windows cmd.exe; paste the bash version ("Copy as cURL (bash)")',
      'only http and https URLs can be sent (got ftp:)',
      "-u alice has no password, so curl would ask for it; write -u 'user:password'",
      "-b cookies.txt names a cookie file, which a pasted command cannot bring along; write the cookies (-b 'name=value')",
      "'Bad Name' is not a valid header name",
      '-H needs a value',
      'the URL contains spaces or control characters; percent-encode them',
      'the command is empty',
    ],
  );
});

/** What a parsed request should be for a flow whose command toCurl wrote: curl recomputes Content-Length. */
function requestOf(flow: Flow, body: string | undefined): ParsedCurl['request'] {
  const request: ParsedCurl['request'] = { method: flow.request.method, url: flow.request.url, headers: flow.request.headers };
  if (body) {
    request.body = body;
    request.bodyEncoding = 'utf8';
  }
  return request;
}

const JSON_BODY = `{"note":"it's $HOME \`id\` !! \\\\ é","n":[1,2]}\n`;

test('round trip: the command toCurl writes for a flow parses back to the same request', () => {
  const flows: { flow: Flow; body?: string }[] = [
    {
      flow: makeFlow({
        request: {
          method: 'POST',
          url: 'https://api.test/v1/orders?id=1&x=[2]',
          httpVersion: '1.1',
          headers: [
            ['Host', 'api.test'],
            ['User-Agent', 'app/1.0'],
            ['X-Dup', 'one'],
            ['x-dup', 'two'],
            ['X-Empty', ''],
            ['Content-Type', 'application/json; charset=utf-8'],
            ['Content-Length', String(Buffer.byteLength(JSON_BODY))],
          ],
          body: { size: Buffer.byteLength(JSON_BODY), storedSize: Buffer.byteLength(JSON_BODY), truncated: false },
        },
      }),
      body: JSON_BODY,
    },
    {
      flow: makeFlow({ request: { method: 'GET', url: 'http://api.test:8080/a/../b?q', httpVersion: '1.1', headers: [['Host', 'api.test:8080'], ['Accept', '*/*'], ['Cookie', 'a=1; b="2"']], body: { size: 0, storedSize: 0, truncated: false } } }),
    },
    {
      flow: makeFlow({ request: { method: 'HEAD', url: 'http://api.test/', httpVersion: '1.1', headers: [['Host', 'api.test']], body: { size: 0, storedSize: 0, truncated: false } } }),
    },
    {
      flow: makeFlow({ request: { method: 'PATCH', url: 'http://api.test/p', httpVersion: '1.0', headers: [['Host', 'api.test'], ['Content-Length', '10']], body: { size: 10, storedSize: 10, truncated: false } } }),
      body: 'a\tb\nline 2',
    },
  ];
  for (const { flow, body } of flows) {
    const bytes = body === undefined ? null : Buffer.from(body);
    if (bytes) assert.equal(bytes.length, flow.request.body.size, 'test data: body size');
    const command = toCurl(flow, bytes, 'bash').command;
    const parsed = parseCurl(command);
    assert.deepEqual(parsed.request, requestOf(flow, body), command);
  }
});

test('round trip of a binary body refuses the @file the command reads, naming it', () => {
  const bytes = Buffer.from([0, 1, 2, 255]);
  const flow = makeFlow({ id: 'bin1', request: { method: 'POST', url: 'http://api.test/', httpVersion: '1.1', headers: [['Host', 'api.test']] as Headers, body: { size: 4, storedSize: 4, truncated: false } } });
  const command = toCurl(flow, bytes, 'bash').command;
  assert.equal(refusal(command), "--data-binary @body-bin1.bin reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw '…')");
});
