import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { quoteBash, quoteCmd, quotePowerShell } from '../../../electron/common/shell-quote';
import { cmdArgv, crtSplit, powershellArgv } from '../core/export/shell-parsers';

const run = promisify(execFile);
// Characters that mean something to at least one of the shells, mixed with plain ones.
const nasty = [...`%^"\\&|<>()!'$\`;*?[]{}#~=,: aPATH\t\u2019é`];
const nastyString = fc.string({ unit: fc.constantFrom(...nasty), maxLength: 24 });
const anyLine = fc.string({ unit: 'grapheme', maxLength: 24 }).filter((s) => !/[\r\n\0]/.test(s));

describe('shell quoting', () => {
  it('bash: real bash reads every quoted word back unchanged', async () => {
    const samples = fc.sample(fc.oneof(nastyString, fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0'))), { numRuns: 200, seed: 7 });
    samples.push('', "it's", 'multi\nline', '-n', '--flag', '@file', 'a b');
    const script = `printf '%s\\0' ${samples.map(quoteBash).join(' ')}`;
    const { stdout } = await run('bash', ['-c', script], { encoding: 'buffer', maxBuffer: 1 << 24 });
    const got = stdout.toString('utf8').split('\0').slice(0, -1);
    assert.deepStrictEqual(got, samples);
  });

  it('cmd.exe: the prompt and the C runtime give back every word, and %VAR% never expands', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(nastyString, anyLine), { maxLength: 4 }), (words) => {
        assert.deepStrictEqual(cmdArgv(`curl ${words.map(quoteCmd).join(' ')}`).slice(1), words);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('cmd.exe: known words quote as expected', () => {
    assert.deepStrictEqual(
      ['plain/path:1', 'a b', 'a"b', 'C:\\dir\\', '%PATH%', '%PATH:a=b%', '50%', 'x&y|z', ''].map(quoteCmd),
      ['plain/path:1', '^"a b^"', '^"a\\^"b^"', '^"C:\\dir\\\\^"', '^"^%^PATH^%^"', '^"^%^PATH:a=b^%^"', '^"50^%^"', '^"x^&y^|z^"', '^"^"'],
    );
    assert.throws(() => quoteCmd('two\nlines'), /line breaks/);
  });

  it('the C runtime model follows the documented examples', () => {
    // https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments
    assert.deepStrictEqual(
      [crtSplit('"abc" d e'), crtSplit('a\\\\\\b d"e f"g h'), crtSplit('a\\\\\\"b c d'), crtSplit('a\\\\\\\\"b c" d e')],
      [['abc', 'd', 'e'], ['a\\\\\\b', 'de fg', 'h'], ['a\\"b', 'c', 'd'], ['a\\\\b c', 'd', 'e']],
    );
  });

  it('PowerShell: every word comes back, typographic quotes included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(nastyString, fc.string({ unit: 'grapheme', maxLength: 24 })), { maxLength: 4 }), (words) => {
        assert.deepStrictEqual(powershellArgv(`curl.exe ${words.map(quotePowerShell).join(' ')}`).slice(1), words);
      }),
      { numRuns: 2000, seed: 13 },
    );
    assert.deepStrictEqual(["it's", 'it\u2019s', '@body.bin', 'plain'].map(quotePowerShell), ["'it''s'", "'it\u2019\u2019s'", "'@body.bin'", 'plain']);
  });
});
