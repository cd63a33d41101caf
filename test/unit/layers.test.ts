/**
 * The layering rule of ../shared/DESIGN.md, checked on every test run (as VS Code's code-layering lint
 * does): electron/common is pure; electron/core and certs/ never import electron; the renderer takes only
 * pure code and types from electron/common; nothing imports upwards. Inside the core, each electron/core/*
 * folder and certs/ may import only the parts below it (CORE_ORDER in ../helpers/layers.ts, drawn in
 * docs/ARCHITECTURE.md). A flow has one writer: only capture/ (and the store itself) tells a store a flow
 * changed (FLOW_WRITERS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CORE_ORDER, KNOWN_UPWARD, coreOrderViolations, corePartOf, flowWriterViolations, importsOf as importsIn, orderCycles, sourceFiles as filesIn } from '../helpers/layers';

const root = path.resolve(__dirname, '..', '..');
const sourceFiles = (dir: string) => filesIn(root, dir);
const importsOf = (file: string) => importsIn(root, file);

interface Layer {
  name: string;
  dirs: string[];
  /** Repo folders this layer may import from (relative imports). */
  mayImport: string[];
  /** Bare module specifiers refused in this layer. */
  refuse: (spec: string) => boolean;
}

const isNodeBuiltin = (s: string) => s.startsWith('node:') || ['fs', 'path', 'os', 'net', 'http', 'https', 'tls', 'crypto', 'child_process', 'worker_threads', 'zlib', 'stream', 'events', 'url', 'util'].includes(s);

const layers: Layer[] = [
  // Pure npm packages are fine in common (it is also type-checked without Node types); Node and Electron are not.
  { name: 'common', dirs: ['electron/common'], mayImport: ['electron/common'], refuse: (s) => isNodeBuiltin(s) || s === 'electron' },
  { name: 'core', dirs: ['electron/core', 'certs'], mayImport: ['electron/common', 'electron/core', 'certs', 'package.json'], refuse: (s) => s === 'electron' || s.startsWith('electron/') },
  { name: 'cli', dirs: ['electron/cli'], mayImport: ['electron/common', 'electron/core', 'electron/cli', 'certs', 'package.json'], refuse: (s) => s === 'electron' },
  { name: 'main', dirs: ['electron/main'], mayImport: ['electron/common', 'electron/core', 'electron/main', 'certs', 'package.json'], refuse: () => false },
  { name: 'preload', dirs: ['electron/preload'], mayImport: ['electron/common', 'electron/preload'], refuse: (s) => s !== 'electron' },
  { name: 'renderer', dirs: ['renderer/src'], mayImport: ['renderer', 'electron/common'], refuse: (s) => isNodeBuiltin(s) || s === 'electron' },
];

for (const layer of layers) {
  test(`layer ${layer.name} imports only what it may`, () => {
    const violations: string[] = [];
    for (const file of layer.dirs.flatMap(sourceFiles)) {
      for (const { spec, target } of importsOf(file)) {
        if (target !== undefined) {
          const ok = layer.mayImport.some((d) => target === d || target.startsWith(d + path.sep) || target.startsWith(d + '.'));
          if (!ok) violations.push(`${file}: ${spec}`);
        } else if (layer.refuse(spec)) {
          violations.push(`${file}: ${spec}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
}

test('each electron/core folder and certs/ imports only the parts below it', () => {
  const violations = coreOrderViolations(root);
  assert.deepEqual(
    { upward: violations.filter((v) => !KNOWN_UPWARD.some((k) => v.startsWith(k + ' '))), stillUpward: KNOWN_UPWARD.filter((k) => violations.some((v) => v.startsWith(k + ' '))) },
    { upward: [], stillUpward: KNOWN_UPWARD },
  );
});

test('every electron/core folder has a row in the order table, and the table has no loop', () => {
  const folders = fs
    .readdirSync(path.join(root, 'electron/core'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => corePartOf(path.join('electron/core', e.name, 'x.ts'))!);
  assert.deepEqual(
    { missing: folders.filter((f) => !(f in CORE_ORDER)), cycles: orderCycles(CORE_ORDER) },
    { missing: [], cycles: [] },
  );
});

test('an upward import fails, naming the file and the import (test/fixtures/layers/upward)', () => {
  const fixture = path.join(root, 'test/fixtures/layers/upward');
  assert.deepEqual(coreOrderViolations(fixture), [
    'electron/core/store/sink.ts: ../capture/recorder (store may not import capture)',
    'certs/ca.ts: ../electron/core/store/sink (certs may not import store)',
  ]);
  assert.deepEqual(orderCycles({ store: ['capture'], capture: ['rules'], rules: ['store'] }), ['store → capture → rules → store']);
});

test('only capture and the store tell a store about a flow (a Flow has one writer)', () => {
  assert.deepEqual(flowWriterViolations(root), []);
});

test('a flow written outside capture fails, naming the file (test/fixtures/layers/flow-writer)', () => {
  assert.deepEqual(flowWriterViolations(path.join(root, 'test/fixtures/layers/flow-writer')), [
    'electron/core/rules/pipeline.ts: flowUpdated() (only electron/core/capture/, electron/core/store/ may call it)',
  ]);
});
