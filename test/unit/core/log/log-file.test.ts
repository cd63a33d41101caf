import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LogFile } from '../../../../electron/core/log/log-file';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-log-file-');

test('string and Buffer-chunk lines land whole and in order, batched; a rename + reopen splits them exactly at the call; close writes what waits', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  const log = await LogFile.open(file);
  const big = Buffer.alloc(300 * 1024, 'b');
  const before = [log.write('one\n'), log.write([Buffer.from('two '), big, Buffer.from('\n')]), log.write('three\n')];
  fs.renameSync(file, `${file}.1`);
  const reopened = log.reopen();
  const after = [log.write(['four', '\n'].map((s) => Buffer.from(s))), log.write('five\n')];
  await Promise.all([...before, reopened]);
  const closed = log.close();
  await Promise.all([...after, closed]);
  assert.deepEqual(
    { old: fs.readFileSync(`${file}.1`, 'utf8').split('\n'), current: fs.readFileSync(file, 'utf8'), mode: (fs.statSync(file).mode & 0o777).toString(8) },
    { old: ['one', `two ${big.toString()}`, 'three', ''], current: 'four\nfive\n', mode: '600' },
  );
});
