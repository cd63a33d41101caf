// A HAR body text taken in piece by piece (issue 14: one 150 MB body was held whole, several times over):
// the bytes come back the same as from the whole string, base64 is judged and decoded as before whatever
// the pieces, a large text waits in an owner-only spool file that dispose() removes, and the checking pass
// keeps no bytes at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { BodyText, IN_MEMORY_BYTES } from '../../../../electron/core/import/har-body-text';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-body-text-');

/** Feeds `bytes` in pieces of the given sizes, in turn (a byte at a time where the size is 1, as the tokenizer does for short runs). */
function feed(text: BodyText, bytes: Buffer, sizes: number[]): void {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length], bytes.length - at);
    if (n === 1) text.appendByte(bytes[at]);
    else text.append(bytes, at, at + n);
    at += n;
  }
  text.finish();
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

test('a large base64 text with line breaks, fed in odd pieces, decodes to the same bytes through a spool file removed on dispose', () => {
  const dir = tempDir();
  const bytes = crypto.randomBytes(IN_MEMORY_BYTES * 2 + 1);
  const b64 = Buffer.from(bytes.toString('base64').replace(/.{76}/g, '$&\r\n'));
  const text = new BodyText({ spoolDir: dir });
  feed(text, b64, [1, 7, 65_537, 3, 1, 1, 4096]);
  const spooled = fs.readdirSync(dir).map((name) => ({ name: /^import-[0-9a-f]{16}\.body\.part$/.test(name), mode: (fs.statSync(`${dir}/${name}`).mode & 0o777).toString(8) }));
  const body = text.as('base64');
  const pieces: number[] = [];
  body.copyTo((piece) => pieces.push(piece.length));
  const result = { base64: text.isBase64(), length: body.length, sha: sha(body.toBuffer()), piecesAddUp: pieces.reduce((a, b) => a + b, 0), spooled };
  text.dispose();
  assert.deepEqual(
    { ...result, after: fs.readdirSync(dir) },
    { base64: true, length: bytes.length, sha: sha(bytes), piecesAddUp: bytes.length, spooled: [{ name: true, mode: '600' }], after: [] },
  );
});

test('UTF-8 text is kept as its bytes (in memory when small); invalid UTF-8 is refused at the closing quote', () => {
  const dir = tempDir();
  const utf8 = Buffer.from('Zoë 😀 "quoted"\n'.repeat(1000));
  const text = new BodyText({ spoolDir: dir });
  feed(text, utf8, [5, 1, 3]);
  const body = text.as('utf8');
  const kept = { length: body.length, same: body.toBuffer().equals(utf8), base64: text.isBase64(), spooled: fs.readdirSync(dir) };
  text.dispose();
  const bad = new BodyText(false);
  bad.append(Buffer.from([0x61, 0xc3, 0x28]), 0, 3);
  assert.deepEqual(kept, { length: utf8.length, same: true, base64: false, spooled: [] });
  assert.throws(() => bad.finish(), TypeError);
});

test('base64 is judged as the whole-string check judged it, whatever the pieces', () => {
  const oldCheck = (s: string) => {
    const compact = s.replace(/\s+/g, '');
    return /^[A-Za-z0-9+/]*={0,2}$/.test(compact) && compact.length % 4 !== 1;
  };
  const cases = ['', 'QQ==', 'QUJD', 'QUI', 'QUJDR=', 'Q', 'QUJDR', 'QQ===', 'QQ==QQ==', 'QU JD\nRA==', 'not*base64!', 'QQ=\n=', '=QQ', 'QU\tJD'];
  const judged = cases.map((s) => {
    const text = new BodyText(false);
    feed(text, Buffer.from(s), [1, 2]);
    const length = text.as('base64').length;
    return { s, ok: text.isBase64(), length: text.isBase64() ? length : null };
  });
  assert.deepEqual(
    judged,
    cases.map((s) => ({ s, ok: oldCheck(s), length: oldCheck(s) ? Buffer.from(s.replace(/\s+/g, ''), 'base64').length : null })),
  );
});

test('the checking pass keeps no bytes: lengths and validity only', () => {
  const text = new BodyText(false);
  const b64 = Buffer.from(crypto.randomBytes(3000).toString('base64'));
  feed(text, b64, [100]);
  assert.deepEqual({ base64: text.isBase64(), length: text.as('base64').length, utf8Length: text.as('utf8').length }, { base64: true, length: 3000, utf8Length: b64.length });
  assert.throws(() => text.as('base64').toBuffer(), /without keeping its bytes/);
});
