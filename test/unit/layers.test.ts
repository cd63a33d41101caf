/**
 * The layering rule of ../shared/DESIGN.md, checked on every test run (as VS Code's code-layering lint
 * does): electron/common is pure; electron/core and certs/ never import electron; the renderer takes only
 * pure code and types from electron/common; nothing imports upwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every module specifier a file imports or requires, with the resolved repo-relative path for relative ones. */
function importsOf(file: string): { spec: string; target?: string }[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = new Set<string>();
  const re = /(?:^|[^.\w])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s*\(\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) specs.add(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return [...specs].map((spec) =>
    spec.startsWith('.') ? { spec, target: path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)) } : { spec },
  );
}

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
