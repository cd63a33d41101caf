import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { toCurl, type CurlCommand } from '../../../../electron/core/export/curl';
import type { Flow, Headers } from '../../../../electron/common/flow';
import { makeFlow } from '../../../helpers/flows';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin';
import { cmdArgv, powershellArgv } from './shell-parsers';

const run = promisify(execFile);

function requestFlow(origin: string, method: string, pathAndQuery: string, headers: Headers, body: Buffer | null, extra: Partial<Flow['request']['body']> = {}): Flow {
  const size = body?.length ?? 0;
  return makeFlow({
    request: { method, url: `${origin}${pathAndQuery}`, httpVersion: '1.1', headers, body: { size, storedSize: size, truncated: false, ...extra } },
  });
}

/** The command's lines without comments (what the shell runs). */
function commandOnly(c: CurlCommand, comment: RegExp): string {
  return c.command
    .split('\n')
    .filter((l) => !comment.test(l))
    .join('\n');
}

/** The argv real bash gives curl for a generated bash command. */
async function bashArgv(c: CurlCommand): Promise<string[]> {
  const { stdout } = await run('bash', ['-c', `curl() { printf '%s\\0' curl "$@"; }\n${c.command}`], { encoding: 'buffer' });
  return stdout.toString('utf8').split('\0').slice(0, -1);
}

describe('toCurl', () => {
  let origin: RecordingOrigin;
  let dir: string;
  before(async () => {
    origin = await startRecordingOrigin();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  });
  after(async () => {
    await origin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a bash command with real curl (files written first) and returns what the origin received. */
  async function replayWithCurl(c: CurlCommand) {
    for (const f of c.files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
    const before = origin.received.length;
    await run('bash', ['-c', `${c.command} --silent --show-error --max-time 30 --output /dev/null`], { cwd: dir });
    assert.equal(origin.received.length, before + 1);
    return origin.received[before];
  }

  it('sends a text request again byte for byte: method, raw URL, every header in order, body', async () => {
    const body = Buffer.from('{"note":"it\'s $HOME `id` !! \\\\ %PATH% ^&|<>",\n "é":"ünï"}\n');
    const hostHeader: [string, string] = ['Host', `127.0.0.1:${origin.port}`];
    const flow = requestFlow(origin.origin, 'POST', '/a/../b%20c?x=[1]&y={2}&z=%2F', [
      hostHeader,
      ['User-Agent', 'app/1.0 (phone; "quoted")'],
      ['X-Dup', "one 'single'"],
      ['Content-Type', 'application/json; charset=utf-8'],
      ['X-Dup', 'two $(id)'],
      ['Proxy-Connection', 'keep-alive'],
      ['Content-Length', String(body.length)],
      ['X-Empty', ''],
      ['accept', '*/*'],
    ], body);
    const c = toCurl(flow, body, 'bash');
    const got = await replayWithCurl(c);
    assert.deepStrictEqual(
      { files: c.files, method: got.method, url: got.url, headers: got.headers, body: got.body.toString('utf8') },
      {
        files: [],
        method: 'POST',
        url: '/a/../b%20c?x=[1]&y={2}&z=%2F',
        headers: [
          hostHeader,
          ['User-Agent', 'app/1.0 (phone; "quoted")'],
          ['X-Dup', "one 'single'"],
          ['Content-Type', 'application/json; charset=utf-8'],
          ['X-Dup', 'two $(id)'],
          ['X-Empty', ''],
          ['accept', '*/*'],
          ['Content-Length', String(body.length)],
        ],
        body: body.toString('utf8'),
      },
    );
  });

  it('sends a binary body through a file, and adds none of curl\'s own headers', async () => {
    const body = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x40, 0x89, 0x50, 0x4e, 0x47]);
    const flow = requestFlow(origin.origin, 'PUT', '/upload', [['Host', `127.0.0.1:${origin.port}`]], body);
    flow.id = 'f/1 2';
    const c = toCurl(flow, body, 'bash');
    const got = await replayWithCurl(c);
    assert.deepStrictEqual(
      { files: c.files.map((f) => f.name), method: got.method, headers: got.headers, body: got.body },
      { files: ['body-f_1_2.bin'], method: 'PUT', headers: [['Host', `127.0.0.1:${origin.port}`], ['Content-Length', '9']], body },
    );
    assert.match(c.command, /^# The request body is in body-f_1_2\.bin, 9 bytes;/);
  });

  it('replays a HEAD and a GET without a body', async () => {
    const host: [string, string] = ['Host', `127.0.0.1:${origin.port}`];
    const head = await replayWithCurl(toCurl(requestFlow(origin.origin, 'HEAD', '/h', [host, ['Accept', 'text/html']], null), null, 'bash'));
    const get = await replayWithCurl(toCurl(requestFlow(origin.origin, 'GET', '/g?q=1', [host, ['Cookie', 'a=1; b=2']], null), null, 'bash'));
    assert.deepStrictEqual(
      [head, get].map((r) => ({ method: r.method, url: r.url, headers: r.headers, body: r.body.length })),
      [
        { method: 'HEAD', url: '/h', headers: [host, ['Accept', 'text/html']], body: 0 },
        { method: 'GET', url: '/g?q=1', headers: [host, ['Cookie', 'a=1; b=2']], body: 0 },
      ],
    );
  });

  it('gives curl the same arguments from bash, cmd.exe and PowerShell', async () => {
    const body = Buffer.from('{"a":"50% off & \\"more\\" <b>!</b> it\'s ^caret"}');
    const flow = requestFlow('https://api.example.test', 'POST', '/v1/items?tag=a%20b&x=%PATH%', [
      ['Host', 'api.example.test'],
      ['Authorization', 'Bearer abc"def\\'],
      ['Content-Type', 'application/json'],
      ['X-Smart', 'it\u2019s'],
    ], body);
    const bash = await bashArgv(toCurl(flow, body, 'bash'));
    const cmd = cmdArgv(toCurl(flow, body, 'cmd').command);
    const ps = powershellArgv(toCurl(flow, body, 'powershell').command);
    assert.deepStrictEqual({ cmd: cmd.slice(1), ps: ps.slice(1), programs: [bash[0], cmd[0], ps[0]] }, { cmd: bash.slice(1), ps: bash.slice(1), programs: ['curl', 'curl', 'curl.exe'] });
    assert.deepStrictEqual(bash.slice(1), [
      '--request', 'POST',
      '--url', 'https://api.example.test/v1/items?tag=a%20b&x=%PATH%',
      '--http1.1',
      '--header', 'Host: api.example.test',
      '--header', 'Authorization: Bearer abc"def\\',
      '--header', 'Content-Type: application/json',
      '--header', 'X-Smart: it\u2019s',
      '--header', 'User-Agent:',
      '--header', 'Accept:',
      '--header', 'Expect:',
      '--data-raw', body.toString(),
    ]);
  });

  it('puts multi-line bodies in a file for cmd.exe, and keeps them inline for bash and PowerShell', () => {
    const body = Buffer.from('line one\nline two\n');
    const flow = requestFlow('http://h.test', 'POST', '/', [['Host', 'h.test'], ['Content-Type', 'text/plain'], ['User-Agent', 'x'], ['Accept', '*/*']], body);
    const cmd = toCurl(flow, body, 'cmd');
    const ps = toCurl(flow, body, 'powershell');
    assert.deepStrictEqual(
      { cmd: cmdArgv(commandOnly(cmd, /^REM /)).slice(-2), cmdFiles: cmd.files.map((f) => f.bytes.toString()), ps: powershellArgv(ps.command).slice(-2), psFiles: ps.files },
      { cmd: ['--data-binary', `@body-${flow.id}.bin`], cmdFiles: [body.toString()], ps: ['--data-raw', body.toString()], psFiles: [] },
    );
  });

  it('warns that a truncated body cannot be replayed exactly and keeps the original Content-Length', () => {
    const stored = Buffer.from('{"partial":');
    const flow = requestFlow('http://h.test', 'POST', '/big', [['Host', 'h.test'], ['Content-Type', 'application/json'], ['Content-Length', '50000000'], ['User-Agent', 'u'], ['Accept', 'a']], stored, {
      size: 50_000_000,
      truncated: true,
    });
    assert.deepStrictEqual(toCurl(flow, stored, 'bash'), {
      command: [
        '# WARNING: the request body was truncated, only 11 of 50000000 bytes were stored.',
        '# This command sends only the stored bytes with the original Content-Length and cannot replay the request exactly.',
        'curl --request POST \\',
        '  --url http://h.test/big \\',
        "  --header 'Host: h.test' \\",
        "  --header 'Content-Type: application/json' \\",
        "  --header 'Content-Length: 50000000' \\",
        "  --header 'User-Agent: u' \\",
        "  --header 'Accept: a' \\",
        '  --header Expect: \\',
        `  --data-raw '{"partial":'`,
      ].join('\n'),
      files: [],
    });
    assert.match(toCurl(flow, stored, 'cmd').command, /^REM WARNING: the request body was truncated, only 11 of 50000000 bytes were stored\.\nREM This command/);
  });
});
