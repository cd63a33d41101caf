import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { keepCopy, moveAside, repairTornTail } from '../../../../electron/core/store/datafile';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-datafile-');
function file(content: string | Buffer): string {
  const f = path.join(tempDir(), 'flows.db');
  fs.writeFileSync(f, content);
  return f;
}

test('a whole file, an empty file and a missing file are left alone', () => {
  const whole = file('{"a":1}\n{"b":2}\n');
  const empty = file('');
  assert.deepEqual(
    [repairTornTail(whole), fs.readFileSync(whole, 'utf8'), repairTornTail(empty), repairTornTail(path.join(path.dirname(empty), 'none.db'))],
    [undefined, '{"a":1}\n{"b":2}\n', undefined, undefined],
  );
});

test('a torn last line is cut off with a warning; a complete one only gets its newline', () => {
  const torn = file('{"a":1}\n{"b":2}\n{"c":');
  const unterminated = file('{"a":1}\n{"b":2}');
  const longTorn = file('{"a":1}\n' + 'x'.repeat(200_000));
  assert.deepEqual(
    [repairTornTail(torn), fs.readFileSync(torn, 'utf8'), repairTornTail(unterminated), fs.readFileSync(unterminated, 'utf8'), repairTornTail(longTorn)?.includes('200000 bytes'), fs.readFileSync(longTorn, 'utf8')],
    [
      'The flow datafile ended with an unfinished record (5 bytes, written when Hindsight was stopped abruptly); it was dropped.',
      '{"a":1}\n{"b":2}\n',
      undefined,
      '{"a":1}\n{"b":2}\n',
      true,
      '{"a":1}\n',
    ],
  );
});

test('moving aside renames without losing a byte; a copy keeps the original', () => {
  const f = file('garbage');
  const when = new Date('2026-01-02T03:04:05.678Z');
  const copy = keepCopy(f, when);
  const first = moveAside(f, when);
  fs.writeFileSync(f, 'more garbage');
  const second = moveAside(f, when);
  assert.deepEqual(
    [path.basename(copy), path.basename(first), path.basename(second), fs.readFileSync(first, 'utf8'), fs.readFileSync(second, 'utf8'), fs.existsSync(f)],
    ['flows.db.damaged-2026-01-02T03-04-05-678Z', 'flows.db.corrupt-2026-01-02T03-04-05-678Z', 'flows.db.corrupt-2026-01-02T03-04-05-678Z-2', 'garbage', 'more garbage', false],
  );
});
