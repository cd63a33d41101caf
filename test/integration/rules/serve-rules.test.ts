// `hindsight serve --rules FILE`: a good file is loaded at start and answers through the running proxy (a
// real child process and curl); a bad file is refused before anything starts, naming the rule index and field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { run } from '../../../electron/cli/serve';
import { curl } from '../capture/clients';

const root = path.resolve(__dirname, '..', '..', '..');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
}

describe('hindsight serve --rules', () => {
  test('a rule file is loaded at start and the running proxy answers with it', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rules.json');
    // A mock needs no DNS: the child resolves nothing for api.test.
    fs.writeFileSync(file, JSON.stringify([{ name: 'hello', matchers: [{ type: 'url', pattern: 'http://api.test/hello*', syntax: 'wildcard' }], action: { type: 'mock', status: 200, headers: [['Content-Type', 'text/plain']], body: 'from the file' } }]));
    const entry = `require(${JSON.stringify(path.join(root, 'electron/cli/index.ts'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', '0', '--ui-port', '0', '--data', path.join(dir, 'data'), '--rules', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      let banner = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner; got ${JSON.stringify(banner)}`)), 90_000);
        child.stderr!.on('data', (chunk: Buffer) => {
          banner += chunk.toString();
          if (banner.includes('Press Ctrl-C to stop.')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)?.[1];
      const rulesLine = /^Rules: +(.*)$/m.exec(banner)?.[1];
      const result = await curl(proxyUrl!, ['http://api.test/hello?x=1']);
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.deepEqual({ rulesLine, status: result.status, body: result.body, code }, { rulesLine: `1 rule from ${file}`, status: 200, body: 'from the file', code: 0 });
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad file is refused with exit 2, naming the rule index and field, before anything starts', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(file, JSON.stringify([
        { name: 'fine', matchers: [], action: { type: 'breakpoint', on: 'request' } },
        { name: 'bad regex', matchers: [{ type: 'url', pattern: '(x)\\1y', syntax: 'regex' }], action: { type: 'map-remote', to: 'staging.test' } },
      ]));
      let stderr = '';
      const code = await run(['--port', '0', '--ui-port', '0', '--data', path.join(dir, 'data'), '--rules', file], { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } });
      const lines = stderr.trim().split('\n');
      assert.deepEqual(
        { code, first: lines[0], fields: lines.slice(1).map((l) => l.trim().split(':')[0]), started: fs.existsSync(path.join(dir, 'data')) },
        { code: 2, first: `hindsight serve: --rules ${file}: refused, nothing was loaded:`, fields: ['rules[1].matchers[0].pattern', 'rules[1].action.to'], started: false },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
