// `hindsight ca`, in-process through run() and once as a real child process.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, usage } from '../../../electron/cli/ca';
import { trustHint } from '../../../certs';
import { dataPaths } from '../../../electron/core/paths';

const repo = path.resolve(__dirname, '../../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const newDataDir = () => path.join(root, `data-${++dirCount}`);

async function ca(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

function expectedDescription(pem: string, caPath: string): string {
  const x509 = new X509Certificate(pem);
  const cn = /CN=(.*)/.exec(x509.subject)?.[1];
  return [
    `CA certificate: ${caPath}`,
    `Fingerprint (SHA-256): ${x509.fingerprint256}`,
    `Subject: CN=${cn}, O=Hindsight`,
    `Expires: ${new Date(x509.validTo).toISOString()}`,
    `To trust it: ${trustHint(caPath)}`,
    '',
  ].join('\n');
}

describe('hindsight ca (in-process)', () => {
  it('creates the CA on first use and describes it', async () => {
    const data = newDataDir();
    const caPath = path.join(dataPaths(data).caDir, 'ca.pem');
    const first = await ca('--data', data);
    const pem = fs.readFileSync(caPath, 'utf8');
    assert.deepEqual(first, { code: 0, stdout: expectedDescription(pem, caPath), stderr: `Created a new CA in ${dataPaths(data).caDir}\n` });
    const second = await ca('--data', data);
    assert.deepEqual(second, { code: 0, stdout: first.stdout, stderr: '' });
  });

  it('--pem, --path and --der export the same certificate', async () => {
    const data = newDataDir();
    const caPath = path.join(dataPaths(data).caDir, 'ca.pem');
    const derFile = path.join(root, `export-${dirCount}.cer`);
    const pem = await ca('--data', data, '--pem');
    const where = await ca('--data', data, '--path');
    const der = await ca('--data', data, '--der', derFile);
    assert.deepEqual(
      { pem, where, der, derBytes: fs.readFileSync(derFile).equals(new X509Certificate(pem.stdout).raw) },
      {
        pem: { code: 0, stdout: fs.readFileSync(caPath, 'utf8'), stderr: `Created a new CA in ${dataPaths(data).caDir}\n` },
        where: { code: 0, stdout: `${caPath}\n`, stderr: '' },
        der: { code: 0, stdout: `${derFile}\n`, stderr: '' },
        derBytes: true,
      },
    );
  });

  it('--regenerate replaces the CA and says where the old one went', async () => {
    const data = newDataDir();
    const { caDir } = dataPaths(data);
    const before = (await ca('--data', data, '--pem')).stdout;
    const result = await ca('--data', data, '--regenerate');
    const after = fs.readFileSync(path.join(caDir, 'ca.pem'), 'utf8');
    const aside = fs.readdirSync(caDir).filter((f) => f.includes('.replaced-')).sort();
    assert.notEqual(after, before);
    assert.deepEqual(result, {
      code: 0,
      stdout: [
        'Created a new CA.',
        expectedDescription(after, path.join(caDir, 'ca.pem')).trimEnd(),
        'The previous CA was kept as:',
        `  ${path.join(caDir, aside[1])}`, // ca.pem.replaced-…
        `  ${path.join(caDir, aside[0])}`, // ca.key.replaced-…
        'Devices that trusted the previous CA must now trust this one.',
        '',
      ].join('\n'),
      stderr: '',
    });
    assert.equal(fs.readFileSync(path.join(caDir, aside[1]), 'utf8'), before);
  });

  it('names a corrupt ca.pem and exits 1 without replacing it', async () => {
    const data = newDataDir();
    await ca('--data', data, '--path');
    const caPath = path.join(dataPaths(data).caDir, 'ca.pem');
    fs.writeFileSync(caPath, 'this is not a certificate');
    const result = await ca('--data', data);
    assert.deepEqual({ code: result.code, stdout: result.stdout, namesFile: result.stderr.includes(caPath) }, { code: 1, stdout: '', namesFile: true });
    assert.equal(fs.readFileSync(caPath, 'utf8'), 'this is not a certificate');
  });

  it('rejects unknown flags, positionals and two actions at once with exit code 2', async () => {
    const data = newDataDir();
    const results = await Promise.all([ca('--data', data, '--bogus'), ca('--data', data, 'extra'), ca('--data', data, '--pem', '--path')]);
    // The first two messages come from node:util parseArgs; their wording after the quoted name varies by Node version.
    const starts = ["hindsight ca: Unknown option '--bogus'", "hindsight ca: Unexpected argument 'extra'", 'hindsight ca: choose one of --pem, --path\n'];
    assert.deepEqual(
      results.map((r, i) => ({ code: r.code, stdout: r.stdout, message: r.stderr.startsWith(starts[i]), usage: r.stderr.endsWith(`\n\n${usage}\n`) })),
      starts.map(() => ({ code: 2, stdout: '', message: true, usage: true })),
    );
    assert.equal(fs.existsSync(data), false, 'a rejected command creates nothing');
  });

  it('--help prints the usage', async () => {
    assert.deepEqual(await ca('--help'), { code: 0, stdout: `${usage}\n`, stderr: '' });
  });
});

function spawnCli(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('hindsight ca (child process)', () => {
  it('runs through the command table from source', async () => {
    const data = newDataDir();
    const entry = "require('./electron/cli/index.ts').main(process.argv.slice(1)).then((code) => { process.exitCode = code; })";
    const result = await spawnCli(process.execPath, ['--import', 'tsx', '-e', entry, 'ca', '--data', data, '--path']);
    const caPath = path.join(dataPaths(data).caDir, 'ca.pem');
    assert.deepEqual(result, { code: 0, stdout: `${caPath}\n`, stderr: `Created a new CA in ${dataPaths(data).caDir}\n` });
    const unknown = await spawnCli(process.execPath, ['--import', 'tsx', '-e', entry, 'ca', '--nope']);
    assert.equal(unknown.code, 2);
  });

  const built = fs.existsSync(path.join(repo, 'dist', 'electron', 'cli', 'ca.js'));
  it('runs as bin/hindsight.js when built', { skip: built ? false : 'dist/ has no ca.js (run `npm run build`)' }, async () => {
    const data = newDataDir();
    const result = await spawnCli(process.execPath, [path.join(repo, 'bin', 'hindsight.js'), 'ca', '--data', data, '--pem']);
    assert.deepEqual(
      { code: result.code, pem: result.stdout === fs.readFileSync(path.join(dataPaths(data).caDir, 'ca.pem'), 'utf8') },
      { code: 0, pem: true },
    );
  });
});
