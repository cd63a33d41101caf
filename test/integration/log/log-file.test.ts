/**
 * The `--log-file` sink on a real file: lines of every size (past its staging buffer too) and script land
 * whole and in call order, and a rename + reopen (logrotate) splits them between the old and the new file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LogFile } from '../../../electron/core/log/log-file';
import { tempDirs } from '../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-log-file-');

test('lines of any size and script land whole, in order, in a 0600 file', async () => {
  const file = path.join(tempDir(), 'flows.log');
  const log = await LogFile.open(file);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    // Small lines, multi-byte ones (3 and 4 bytes a character), 300 KB lines, and one longer than a staging buffer.
    const body = i === 150 ? 'L'.repeat(1_500_000) : i % 50 === 7 ? 'x'.repeat(300_000) : i % 3 === 0 ? `Zoë 日本 😀 ${i}` : `line ${i}`;
    lines.push(`${JSON.stringify({ i, body })}\n`);
  }
  const written = lines.map((line) => log.write(line));
  await Promise.all(written);
  await log.close();
  assert.deepEqual({ text: fs.readFileSync(file, 'utf8') === lines.join(''), mode: fs.statSync(file).mode & 0o777 }, { text: true, mode: 0o600 });
});

test('staging buffers are reused once written: many rounds of lines land whole and in order', async () => {
  const file = path.join(tempDir(), 'flows.log');
  const log = await LogFile.open(file);
  const all: string[] = [];
  // 4 rounds of ~3.5 MB each, handed over at once: every round fills several staging buffers before any is
  // written, and later rounds write into buffers that earlier rounds used.
  for (let round = 0; round < 4; round++) {
    const lines = Array.from({ length: 350 }, (_, i) => `${JSON.stringify({ round, i, body: String.fromCharCode(97 + ((round + i) % 26)).repeat(10_000 + i) })}\n`);
    all.push(...lines);
    await Promise.all(lines.map((line) => log.write(line)));
  }
  await log.close();
  assert.ok(fs.readFileSync(file, 'utf8') === all.join(''), 'the file holds every line, whole and in order');
});

test('after a rename and reopen, earlier lines are in the old file and later ones in a new file at the path', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'flows.log');
  const log = await LogFile.open(file);
  const first = ['a\n', 'b\n'].map((l) => log.write(l));
  fs.renameSync(file, `${file}.1`);
  const reopened = log.reopen();
  const later = ['c\n', 'd\n'].map((l) => log.write(l));
  await Promise.all([...first, reopened, ...later]);
  await log.close();
  assert.deepEqual({ old: fs.readFileSync(`${file}.1`, 'utf8'), current: fs.readFileSync(file, 'utf8') }, { old: 'a\nb\n', current: 'c\nd\n' });
});

test('a log file that is not a regular file (a named pipe) gets the lines and keeps its mode', async () => {
  const fifo = path.join(tempDir(), 'lines.fifo');
  execFileSync('mkfifo', ['-m', '0644', fifo]);
  // The reader opens first, as `tail -f`-like tools do; LogFile's open of the write end then completes.
  const received = new Promise<string>((resolve, reject) => {
    let text = '';
    fs.createReadStream(fifo, 'utf8')
      .on('data', (chunk) => (text += chunk))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
  const log = await LogFile.open(fifo);
  await log.write('{"a":1}\n');
  await log.close();
  // Before the fix, every file was chmod-ed to 0600: on /dev/null that locked other programs out of it.
  assert.deepEqual({ text: await received, mode: fs.statSync(fifo).mode & 0o777 }, { text: '{"a":1}\n', mode: 0o644 });
});

test('lines in pieces (text around a body\'s bytes) land whole and in order, short and past a staging buffer\'s quarter', async () => {
  const file = path.join(tempDir(), 'flows.log');
  const log = await LogFile.open(file);
  const expected: string[] = [];
  const written: Promise<void>[] = [];
  for (let i = 0; i < 40; i++) {
    const body = Buffer.from(String.fromCharCode(65 + (i % 26)).repeat(i % 10 === 9 ? 400_000 : 100 + i));
    expected.push(`{"i":${i},"zoë":"${body.toString('latin1')}"}\n`);
    written.push(log.write([`{"i":${i},"zoë":"`, body, '"}\n']));
    // Plain strings between them join the same batches.
    expected.push(`{"i":${i}}\n`);
    written.push(log.write(`{"i":${i}}\n`));
  }
  await Promise.all(written);
  await log.close();
  assert.equal(fs.readFileSync(file, 'utf8') === expected.join(''), true);
});
