/**
 * parseCurl against the real thing: each command is run by bash and the real curl binary against a local
 * origin, and what the origin received must be what parseCurl says the command sends, header order
 * included, apart from curl's own User-Agent and Accept defaults (which parseCurl leaves out on purpose).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseCurl } from '../../../electron/common/curl-parse';
import { startOrigin, type Origin } from '../../helpers/origin';

const run = promisify(execFile);

let origin: Origin;
before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());

interface Echo {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

const COMMANDS = [
  `curl -u me:pw -A UA -e 'http://ref;auto' -b a=1 -b c=3 --compressed -H 'X-A: 1' -d x=1 -d y=2 ORIGIN/echo`,
  `curl -H 'X-A: 1' -H 'Host: foo.test' -H 'Accept: text/html' -H 'User-Agent: me' --json '{"a":1}' --json '[2]' ORIGIN/echo`,
  `curl -X PUT -H 'Content-Type: application/json' -H 'X-Dup: one' -H 'x-dup: two' --data-raw $'{"it\\'s":"\\u2603"}' 'ORIGIN/echo?q=1'`,
  `curl -G -d q=1 --data-urlencode 'r=a b&é/' -H 'X-Empty;' -H 'User-Agent:' 'ORIGIN/echo?z=0'`,
  `curl -X DELETE --oauth2-bearer tok -r 0-99 -H 'cookie: c=1' -b a=2 ORIGIN/echo`,
  `curl --data-binary $'line 1\\r\\nline 2' -H 'Content-Type: text/plain' -H 'Content-Type:' ORIGIN/echo`,
];

const upperEscapes = (text: string) => text.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase());

for (const template of COMMANDS) {
  test(`real curl sends what parseCurl reads: ${template}`, async () => {
    const command = template.replace(/ORIGIN/g, `http://127.0.0.1:${origin.httpPort}`);
    const { stdout } = await run('bash', ['-c', `${command} --silent --show-error --max-time 30`]);
    const echo = JSON.parse(stdout) as Echo;
    const received: [string, string][] = [];
    for (let i = 0; i < echo.rawHeaders.length; i += 2) {
      const [name, value] = [echo.rawHeaders[i], echo.rawHeaders[i + 1]];
      const curlDefault = (name === 'User-Agent' && value.startsWith('curl/')) || (name === 'Accept' && value === '*/*');
      if (!curlDefault) received.push([name, value]);
    }
    const { request } = parseCurl(command);
    assert.deepEqual(
      {
        method: request.method,
        // curl 7.88 writes the escapes it adds to a -G query in lower case, the body's in upper case.
        target: upperEscapes(request.url.replace(/^http:\/\/[^/]+/, '')),
        headers: request.headers,
        body: request.body === undefined ? '' : request.bodyEncoding === 'base64' ? Buffer.from(request.body, 'base64').toString('utf8') : request.body,
      },
      { method: echo.method, target: upperEscapes(echo.url), headers: received, body: echo.body },
    );
  });
}
