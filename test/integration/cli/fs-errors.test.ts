/**
 * Every command that reads or writes files, against each way a file system says no: a missing folder, no
 * permission, a full disk (/dev/full answers every write with ENOSPC), a folder or a file where the other
 * was expected. Each must end with one line naming the command, the path and the reason, and exit 1 (2 for
 * a bad --rules file, as for any bad flag value) — never a stack trace, never "written" when it was not.
 *
 * Runs the built CLI (bin/hindsight.js → dist/) as a user would. File modes do not stop root, so where the
 * tests run as root (CI) the permission cases run the command as `nobody` through setpriv.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../../..');
const bin = path.join(repo, 'bin', 'hindsight.js');
const fixture = path.join(repo, 'test/fixtures/har/chrome-devtools.har');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

interface Result {
  code: number | null;
  stderr: string;
}

/**
 * Runs `hindsight …` and collects its stderr; `unprivileged` runs it as nobody when this process is root,
 * `stdoutTo` sends its standard output to that file (as `> FILE` would) instead of a pipe.
 */
function hindsight(args: string[], options: { unprivileged?: boolean; stdoutTo?: string } = {}): Promise<Result> {
  const [command, argv] = options.unprivileged && isRoot ? ['setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', process.execPath, bin, ...args]] : [process.execPath, [bin, ...args]];
  const stdout = options.stdoutTo ? fs.openSync(options.stdoutTo, 'w') : 'ignore';
  const child = spawn(command, argv, { cwd: os.tmpdir(), env: { ...process.env, HOME: root }, stdio: ['ignore', stdout, 'pipe'], timeout: 60_000 });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

let root: string;
/** A data folder with the fixture's flows, readable and writable by whoever the command runs as. */
let data: string;
/** A folder nobody may write into. */
let locked: string;

function chownTree(dir: string, uid: number): void {
  fs.chownSync(dir, uid, uid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid);
    else fs.chownSync(p, uid, uid);
  }
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-fs-errors-'));
  fs.chmodSync(root, 0o755); // nobody must reach the folders inside
  data = path.join(root, 'data');
  assert.equal((await hindsight(['import', '--data', data, fixture])).code, 0);
  assert.equal((await hindsight(['ca', '--data', data, '--path'])).code, 0);
  if (isRoot) chownTree(data, NOBODY);
  locked = path.join(root, 'locked');
  fs.mkdirSync(locked, { mode: 0o555 });
  fs.chmodSync(locked, 0o555);
});
after(() => {
  fs.chmodSync(locked, 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('hindsight export', () => {
  test('a missing folder, a folder as --out, a full disk, no permission: one line, exit 1, nothing left behind', { timeout: 120_000 }, async () => {
    const missing = path.join(root, 'no-such-folder', 'x.har');
    const results = {
      missing: await hindsight(['export', '--data', data, '--format', 'har', '--out', missing]),
      folder: await hindsight(['export', '--data', data, '--format', 'ndjson', '--out', root]),
      full: await hindsight(['export', '--data', data, '--format', 'har', '--out', '/dev/full']),
      fullCurl: await hindsight(['export', '--data', data, '--format', 'curl', '--out', '/dev/full']),
      denied: await hindsight(['export', '--data', data, '--format', 'postman', '--out', path.join(locked, 'x.json')], { unprivileged: true }),
    };
    assert.deepEqual(results, {
      missing: { code: 1, stderr: `hindsight export: cannot write ${missing}: the folder ${path.dirname(missing)} does not exist\n` },
      folder: { code: 1, stderr: `hindsight export: cannot write ${root}: it is a folder\n` },
      full: { code: 1, stderr: 'hindsight export: cannot write /dev/full: no space left on the device (disk full)\n' },
      fullCurl: { code: 1, stderr: 'hindsight export: cannot write /dev/full: no space left on the device (disk full)\n' },
      denied: { code: 1, stderr: `hindsight export: cannot write ${path.join(locked, 'x.json')}: permission denied\n` },
    });
    // No temporary file left beside an --out that failed, and an existing file is replaced only whole.
    assert.deepEqual(fs.readdirSync(root).sort(), ['data', 'locked']);
  });

  test('a file the user may write in a folder they may not add files to is written in place', { timeout: 60_000 }, async () => {
    const out = path.join(locked, 'mine.ndjson');
    fs.chmodSync(locked, 0o755);
    fs.writeFileSync(out, 'before\n');
    fs.chmodSync(out, 0o666);
    fs.chmodSync(locked, 0o555);
    try {
      const result = await hindsight(['export', '--data', data, '--format', 'ndjson', '--out', out], { unprivileged: true });
      assert.deepEqual({ result, lines: fs.readFileSync(out, 'utf8').trim().split('\n').length, inFolder: fs.readdirSync(locked) }, { result: { code: 0, stderr: `hindsight export: 4 flows written to ${out}\n` }, lines: 4, inFolder: ['mine.ndjson'] });
    } finally {
      fs.chmodSync(locked, 0o755);
      fs.rmSync(out, { force: true });
      fs.chmodSync(locked, 0o555);
    }
  });

  test('an existing file is replaced whole, keeping its permissions', { timeout: 60_000 }, async () => {
    const out = path.join(root, 'kept.ndjson');
    fs.writeFileSync(out, 'before\n', { mode: 0o600 });
    fs.chmodSync(out, 0o600);
    const result = await hindsight(['export', '--data', data, '--format', 'ndjson', '--out', out]);
    try {
      assert.deepEqual(
        { result, lines: fs.readFileSync(out, 'utf8').trim().split('\n').length, mode: fs.statSync(out).mode & 0o777, beside: fs.readdirSync(root).filter((f) => f.endsWith('.tmp')) },
        { result: { code: 0, stderr: `hindsight export: 4 flows written to ${out}\n` }, lines: 4, mode: 0o600, beside: [] },
      );
    } finally {
      fs.rmSync(out, { force: true });
    }
  });
});

describe('hindsight import', () => {
  test('a missing file, a folder, an unreadable file, a data folder it may not write: one line, exit 1', { timeout: 120_000 }, async () => {
    const missing = path.join(root, 'missing.har');
    const secret = path.join(root, 'secret.har');
    fs.copyFileSync(fixture, secret);
    fs.chmodSync(secret, 0o000);
    try {
      const results = {
        missing: await hindsight(['import', '--data', data, missing]),
        folder: await hindsight(['import', '--data', data, root]),
        unreadable: await hindsight(['import', '--data', data, secret], { unprivileged: true }),
        lockedData: await hindsight(['import', '--data', locked, fixture], { unprivileged: true }),
        fileAsData: await hindsight(['import', '--data', fixture, fixture]),
      };
      assert.deepEqual(results, {
        missing: { code: 1, stderr: `hindsight import: cannot read ${missing}: no such file\nNothing was imported.\n` },
        folder: { code: 1, stderr: `hindsight import: cannot read ${root}: it is a folder\nNothing was imported.\n` },
        unreadable: { code: 1, stderr: `hindsight import: cannot read ${secret}: permission denied\nNothing was imported.\n` },
        lockedData: { code: 1, stderr: `hindsight import: cannot create the folder ${path.join(locked, 'bodies')}: permission denied\n` },
        fileAsData: { code: 1, stderr: `hindsight import: cannot create the folder ${path.join(fixture, 'bodies')}: a part of the path is a file, not a folder\n` },
      });
    } finally {
      fs.rmSync(secret, { force: true });
    }
  });
});

describe('hindsight ca', () => {
  test('--der to a missing folder, a full disk or a folder it may not write, and a data folder it may not write', { timeout: 120_000 }, async () => {
    const missing = path.join(root, 'no-such-folder', 'ca.der');
    const results = {
      missing: await hindsight(['ca', '--data', data, '--der', missing]),
      full: await hindsight(['ca', '--data', data, '--der', '/dev/full']),
      denied: await hindsight(['ca', '--data', data, '--der', path.join(locked, 'ca.der')], { unprivileged: true }),
      lockedData: await hindsight(['ca', '--data', locked, '--path'], { unprivileged: true }),
    };
    assert.deepEqual(results, {
      missing: { code: 1, stderr: `hindsight ca: cannot write ${missing}: the folder ${path.dirname(missing)} does not exist\n` },
      full: { code: 1, stderr: 'hindsight ca: cannot write /dev/full: no space left on the device (disk full)\n' },
      denied: { code: 1, stderr: `hindsight ca: cannot write ${path.join(locked, 'ca.der')}: permission denied\n` },
      lockedData: { code: 1, stderr: `hindsight ca: cannot create the folder ${path.join(locked, 'ca')}: permission denied\n` },
    });
  });
});

describe('hindsight flows and replay', () => {
  test('a file as the data folder, and a datafile it may not read: one line, exit 1', { timeout: 120_000 }, async () => {
    const unreadable = path.join(root, 'unreadable');
    fs.cpSync(data, unreadable, { recursive: true });
    // The store makes its folder owner-only; this case is a folder others may enter holding a datafile they may not read.
    fs.chmodSync(unreadable, 0o755);
    fs.chmodSync(path.join(unreadable, 'flows.db'), 0o000);
    if (isRoot) chownTree(unreadable, 0);
    try {
      const results = {
        flowsFile: await hindsight(['flows', '--data', fixture]),
        flowsDenied: await hindsight(['flows', '--data', unreadable], { unprivileged: true }),
        replayFile: await hindsight(['replay', '--data', fixture, '--filter', 'method:GET']),
      };
      assert.deepEqual(results, {
        flowsFile: { code: 1, stderr: `hindsight flows: the data folder ${fixture} is a file, not a folder\n` },
        flowsDenied: { code: 1, stderr: `hindsight flows: The flow datafile ${path.join(unreadable, 'flows.db')} could not be opened: EACCES: permission denied, open '${path.join(unreadable, 'flows.db')}'\n` },
        replayFile: { code: 1, stderr: `hindsight replay: the data folder ${fixture} is a file, not a folder\n` },
      });
    } finally {
      fs.rmSync(unreadable, { recursive: true, force: true });
    }
  });
});

describe('standard output', () => {
  test('redirected to a full disk: one line and exit 1 for the commands that print (flows, export, ca --pem)', { timeout: 120_000 }, async () => {
    const results = {
      flows: await hindsight(['flows', '--data', data], { stdoutTo: '/dev/full' }),
      export: await hindsight(['export', '--data', data, '--format', 'har'], { stdoutTo: '/dev/full' }),
      ca: await hindsight(['ca', '--data', data, '--pem'], { stdoutTo: '/dev/full' }),
    };
    const line = (command: string) => ({ code: 1, stderr: `hindsight ${command}: cannot write the standard output: no space left on the device (disk full)\n` });
    assert.deepEqual(results, { flows: line('flows'), export: line('export'), ca: line('ca') });
  });
});

describe('hindsight serve', () => {
  test('a data folder it may not write, a file as the data folder, a missing --rules file', { timeout: 120_000 }, async () => {
    const rules = path.join(root, 'rules.json');
    const results = {
      lockedData: await hindsight(['serve', '--data', locked, '--port', '0', '--ui-port', '0'], { unprivileged: true }),
      fileAsData: await hindsight(['serve', '--data', fixture, '--port', '0', '--ui-port', '0']),
      missingRules: await hindsight(['serve', '--data', data, '--rules', rules, '--port', '0', '--ui-port', '0']),
      folderAsRules: await hindsight(['serve', '--data', data, '--rules', root, '--port', '0', '--ui-port', '0']),
    };
    assert.deepEqual(results, {
      lockedData: { code: 1, stderr: `hindsight serve: cannot create the folder ${path.join(locked, 'ca')}: permission denied\n` },
      fileAsData: { code: 1, stderr: `hindsight serve: cannot create the folder ${fixture}: a file of that name is in the way\n` },
      missingRules: { code: 2, stderr: `hindsight serve: --rules: cannot read ${rules}: no such file\n` },
      folderAsRules: { code: 2, stderr: `hindsight serve: --rules: cannot read ${root}: it is a folder\n` },
    });
  });
});
