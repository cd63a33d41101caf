import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, heapFlagsToSet } from '../../../../electron/core/base/heap-growth';

const root = path.join(__dirname, '..', '..', '..', '..');

describe('heapFlagsToSet', () => {
  it('sets the growing factor and turns pretenuring off when the user set neither', () => {
    assert.deepEqual(heapFlagsToSet(['--import', '--enable-source-maps']), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--no-allocation-site-pretenuring']);
  });

  it("leaves each flag the user set, in either spelling and either form, to the user", () => {
    assert.deepEqual(heapFlagsToSet(['--heap_growing_percent=50']), ['--no-allocation-site-pretenuring']);
    assert.deepEqual(heapFlagsToSet(['--allocation-site-pretenuring']), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    assert.deepEqual(heapFlagsToSet(['--no-allocation_site_pretenuring', '--heap-growing-percent=100']), []);
  });
});

describe('boundHeapGrowth', () => {
  it('sets flags V8 knows: a process that calls it prints no flag error and keeps running', () => {
    // V8 reports a flag it does not know on stderr and goes on, so a misspelt flag would be silently lost.
    const script = "require('./electron/core/base/heap-growth').boundHeapGrowth(); const a = []; for (let i = 0; i < 2e5; i++) a.push({ i }); console.log('ok', a.length)";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });
    assert.deepEqual({ status: r.status, stdout: r.stdout.trim(), stderr: r.stderr }, { status: 0, stdout: 'ok 200000', stderr: '' });
  });
});
