import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readLine, rewriteLines, scanLines, type LineRange } from '../../../../electron/core/store/datafile-lines';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-lines-');
function file(content: string | Buffer): string {
  const f = path.join(tempDir(), 'flows.db');
  fs.writeFileSync(f, content);
  return f;
}

function scanAll(f: string): { line: string; range: LineRange }[] {
  const lines: { line: string; range: LineRange }[] = [];
  scanLines(f, (line, range) => void lines.push({ line, range }));
  return lines;
}

function readBack(f: string, ranges: LineRange[]): string[] {
  const fd = fs.openSync(f, 'r');
  try {
    return ranges.map((r) => readLine(fd, r));
  } finally {
    fs.closeSync(fd);
  }
}

test('lines come with their byte ranges (multi-byte text, blank lines, a missing last newline) and read back by range', () => {
  const f = file('{"a":"é"}\n\n{"b":"日本"}\n{"c":3}');
  const lines = scanAll(f);
  assert.deepEqual(lines, [
    { line: '{"a":"é"}', range: { at: 0, len: 10 } },
    { line: '{"b":"日本"}', range: { at: 12, len: 14 } },
    { line: '{"c":3}', range: { at: 27, len: 7 } },
  ]);
  assert.deepEqual(
    readBack(
      f,
      lines.map((l) => l.range),
    ),
    ['{"a":"é"}', '{"b":"日本"}', '{"c":3}'],
  );
  assert.equal(scanLines(path.join(path.dirname(f), 'missing.db'), () => assert.fail('no lines')), true);
});

test('lines longer than the read chunk and lines across chunk borders are whole; a scan can stop early', () => {
  const long = 'x'.repeat(3 * 1024 * 1024);
  const lines = [`{"a":"${long}"}`, ...Array.from({ length: 30_000 }, (_, i) => `{"n":${i},"pad":"${'y'.repeat(i % 97)}"}`), `{"z":"${long}"}`];
  const f = file(lines.join('\n') + '\n');
  const scanned = scanAll(f);
  assert.deepEqual(
    scanned.map((s) => s.line),
    lines,
  );
  assert.deepEqual(
    readBack(
      f,
      scanned.map((s) => s.range),
    ),
    lines,
  );
  let seen = 0;
  assert.equal(
    scanLines(f, () => ++seen < 5),
    false,
  );
  assert.equal(seen, 5);
});

test('a rewrite keeps only the given lines, in file order, and returns where each now lies', () => {
  const lines = Array.from({ length: 5_000 }, (_, i) => `{"_id":"f${i}","text":"${'ü'.repeat(i % 50)}"}`);
  const f = file(lines.join('\n') + '\n');
  const ranges = scanAll(f).map((s) => s.range);
  // Every third line, handed over in an order that is not the file's.
  const keep = ranges.map((r, i) => ({ r, i })).filter(({ i }) => i % 3 === 0).reverse();
  const newAt = rewriteLines(
    f,
    keep.map((k) => k.r),
  );
  const expected = keep.map((k) => lines[k.i]!);
  assert.deepEqual(
    {
      file: fs.readFileSync(f, 'utf8'),
      readBack: readBack(
        f,
        keep.map((k, j) => ({ at: newAt[j]!, len: k.r.len })),
      ),
      temp: fs.existsSync(`${f}~`),
    },
    { file: [...expected].reverse().join('\n') + '\n', readBack: expected, temp: false },
  );
});

test('a rewrite that cannot find a line leaves the file as it was and no temp file', () => {
  const f = file('{"a":1}\n{"b":2}\n');
  assert.throws(() => rewriteLines(f, [{ at: 0, len: 7 }, { at: 100, len: 7 }]), /the datafile ends before the record expected at byte 100/);
  assert.deepEqual([fs.readFileSync(f, 'utf8'), fs.existsSync(`${f}~`)], ['{"a":1}\n{"b":2}\n', false]);
});
