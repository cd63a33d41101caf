// `hindsight inspect` run in-process against a real `node --inspect` child: the banner's DevTools URL and
// VS Code configuration, one line per process found and gone, a clean stop; every flag checked before
// anything listens. `serve --inspect-relay [PORT]`'s optional port is parsed here too.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../../electron/cli/inspect';
import { parseServeArgs } from '../../../electron/cli/serve';
import { eventually, freePortRun, killInspecteesAfterEach, startInspectee } from '../../helpers/inspect';

killInspecteesAfterEach();

function collector() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
}

describe('hindsight inspect', () => {
  test('prints the stable addresses, follows a process away and back, stops on abort', { timeout: 60_000 }, async () => {
    const base = await freePortRun(3);
    const { out, io } = collector();
    const stop = new AbortController();
    const exited = run(['--port', '0', '--target', `${base}-${base + 2}`, '--name', 'api'], io, stop.signal);
    try {
      const port = Number(await eventually(() => /Inspector relay on 127\.0\.0\.1:(\d+)/.exec(out.stdout)?.[1], 'the banner'));
      assert.equal(
        out.stdout,
        [
          `Inspector relay on 127.0.0.1:${port}, watching ${base}-${base + 2}`,
          `DevTools:  devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:${port}/`,
          `           chrome-devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:${port}/`,
          'VS Code launch.json configuration:',
          '{',
          '  "type": "node",',
          '  "request": "attach",',
          `  "name": "Hindsight relay 127.0.0.1:${port}",`,
          '  "address": "127.0.0.1",',
          `  "port": ${port},`,
          '  "restart": true',
          '}',
          '',
        ].join('\n'),
      );
      const first = await startInspectee(base + 1);
      await eventually(() => (out.stderr.includes(`+ /api  pid ${first.child.pid}  `) ? true : undefined), 'the process line');
      await first.kill();
      await eventually(() => (out.stderr.includes(`- /api  gone (waiting for it to come back; last on port ${base + 1})`) ? true : undefined), 'the gone line');
      await startInspectee(base + 2);
      await eventually(() => (/\+ \/api {2}.*port \d+ {2}\(restart 1\) {2}→ {2}devtools:\/\/\S+\/api\n/.test(out.stderr) ? true : undefined), 'the restart line');
    } finally {
      stop.abort();
    }
    assert.equal(await exited, 0);
  });

  test('every flag is checked before anything listens', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', 'x'], /--port expects a port number \(0–65535\), got 'x'/],
      [['--target', '9230-9229'], /--target '9230-9229': the range ends before it starts/],
      [['--target', 'nine'], /--target 'nine' is not PORT, FROM-TO or HOST:PORT/],
      [['--target', '1-65535'], /--targets cover 65534 ports|targets cover 65534 ports; at most 512/],
      [['--name', 'a b'], /--name may use letters, digits/],
      [['--host', '0.0.0.0'], /reachable from the network .* give --allow CIDR/],
      [['--host', '0.0.0.0', '--allow', '10.0.0.300'], /--allow 10\.0\.0\.300/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const { out, io } = collector();
      assert.equal(await run(argv, io), 2, argv.join(' '));
      assert.match(out.stderr, message, argv.join(' '));
      assert.match(out.stderr, /Usage: hindsight inspect/);
    }
    const { out, io } = collector();
    assert.equal(await run(['--help'], io), 0);
    assert.match(out.stdout, /^Usage: hindsight inspect \[--port 9229\] \[--host 127\.0\.0\.1\] \[--target PORT\|FROM-TO\|HOST:PORT …\] \[--name NAME\] \[--allow CIDR…\]/);
  });

  test('serve --inspect-relay takes an optional port', () => {
    const relayOf = (argv: string[]) => {
      const parsed = parseServeArgs(argv);
      return parsed === 'help' ? 'help' : parsed.inspectRelay;
    };
    assert.deepEqual(
      [relayOf([]), relayOf(['--inspect-relay']), relayOf(['--inspect-relay', '--log']), relayOf(['--inspect-relay', '9300']), relayOf(['--inspect-relay=0', '--log'])],
      [undefined, 9229, 9229, 9300, 0],
    );
    assert.throws(() => parseServeArgs(['--inspect-relay', 'abc']), /--inspect-relay expects a port number/);
  });
});
