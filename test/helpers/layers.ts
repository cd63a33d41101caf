/**
 * Reads the import graph of the source tree for test/unit/layers.test.ts: which files a folder holds, what
 * each file imports, and which part of the core (the `electron/core/*` folders and certs/) a file belongs
 * to. Every function takes the tree's root, so the test can run the same checks on a fixture tree and show
 * them failing (test/fixtures/layers/).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Repo-relative paths of the .ts and .svelte files under `dir` (node_modules left out). */
export function sourceFiles(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(root, rel);
    return /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every module specifier a file imports or requires (type-only imports too), with the resolved repo-relative path for relative ones. */
export function importsOf(root: string, file: string): { spec: string; target?: string }[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = new Set<string>();
  const re = /(?:^|[^.\w])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s*\(\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) specs.add(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return [...specs].map((spec) =>
    spec.startsWith('.') ? { spec, target: path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)) } : { spec },
  );
}

/**
 * The core's parts, bottom to top, and what each may import besides electron/common and itself. A part is an
 * `electron/core/*` folder, with three rules that keep files where their callers expect them today:
 * the root helpers paths.ts and private-files.ts belong to `base`; core.ts and core-types.ts (the assembly of
 * all services and its type) are `assembly`; and a feature's `api-handlers.ts` is an API adapter, so it is
 * part of `api` though it sits beside the feature it adapts.
 */
export const CORE_ORDER: Readonly<Record<string, readonly string[]>> = {
  base: [],
  certs: ['base'],
  store: ['base'],
  grpc: ['base'],
  instance: ['base'],
  rules: ['base', 'store', 'grpc'],
  conditions: ['base', 'rules'],
  'upstream-proxy': ['base', 'rules'],
  'client-certs': ['base', 'rules'],
  capture: ['base', 'certs', 'store', 'rules', 'conditions', 'upstream-proxy', 'client-certs'],
  log: ['base', 'store'],
  import: ['base', 'store', 'capture'],
  export: ['base', 'store', 'instance', 'import'],
  replay: ['base', 'store', 'rules', 'capture', 'export'],
  report: ['base', 'store', 'import', 'export'],
  automation: ['base', 'store', 'import', 'export', 'replay'],
  inspect: ['base', 'capture'],
  lan: ['base'],
  sysproxy: ['base'],
  users: ['base', 'store'],
  metrics: ['base'],
  devices: ['base', 'rules', 'users', 'capture', 'store'],
  assembly: ['base', 'certs', 'store', 'rules', 'conditions', 'capture', 'log', 'import', 'export', 'replay', 'report', 'automation', 'inspect', 'lan', 'sysproxy', 'users', 'metrics', 'devices', 'grpc', 'upstream-proxy', 'client-certs'],
  api: ['base', 'certs', 'store', 'rules', 'conditions', 'capture', 'log', 'import', 'export', 'replay', 'report', 'automation', 'inspect', 'lan', 'sysproxy', 'users', 'metrics', 'devices', 'grpc', 'upstream-proxy', 'client-certs', 'assembly'],
  server: ['base', 'store', 'import', 'export', 'users', 'metrics', 'devices', 'assembly', 'api'],
};

/**
 * Arrows that still point the wrong way, each named by file and import, so the list can only shrink: the
 * test fails when one of them is gone (delete it here) as well as when a new one appears.
 */
export const KNOWN_UPWARD: readonly string[] = [];

/** The core part a repo-relative file belongs to, or undefined outside electron/core and certs/. */
export function corePartOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  if (parts[0] === 'certs') return 'certs';
  if (parts[0] !== 'electron' || parts[1] !== 'core') return undefined;
  if (parts.length === 3) {
    const name = parts[2].replace(/\.ts$/, '');
    return name === 'core' || name === 'core-types' ? 'assembly' : 'base';
  }
  if (parts[parts.length - 1] === 'api-handlers.ts') return 'api';
  return parts[2];
}

/** `file: spec (part may not import part)` for every relative import inside the core that the order refuses. */
export function coreOrderViolations(root: string, order: Readonly<Record<string, readonly string[]>> = CORE_ORDER): string[] {
  const violations: string[] = [];
  for (const file of [...sourceFiles(root, 'electron/core'), ...sourceFiles(root, 'certs')]) {
    const from = corePartOf(file)!;
    for (const { target, spec } of importsOf(root, file)) {
      if (target === undefined) continue;
      const to = corePartOf(target);
      if (to === undefined || to === from) continue;
      const allowed = order[from];
      if (!allowed) violations.push(`${file}: ${spec} (${from} is not in the core's order table)`);
      else if (!allowed.includes(to)) violations.push(`${file}: ${spec} (${from} may not import ${to})`);
    }
  }
  return violations;
}

/** Loops in an order table (`a → b → a`): must stay empty for the arrows to point one way. */
export function orderCycles(order: Readonly<Record<string, readonly string[]>>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (part: string, trail: string[]): void => {
    if (trail.includes(part)) {
      cycles.push([...trail.slice(trail.indexOf(part)), part].join(' → '));
      return;
    }
    if (done.has(part)) return;
    for (const next of order[part] ?? []) visit(next, [...trail, part]);
    done.add(part);
  };
  for (const part of Object.keys(order)) visit(part, []);
  return cycles;
}

/**
 * Who may tell a store about a flow (a sink's flowStarted / flowUpdated). A flow being captured has one
 * writer, its recording in capture/: the rules pipeline and every other module report to capture, which
 * applies what they report (capture/rule-hooks.ts); the store implements the calls and may call its own.
 * Import and store copy hand a store whole flows read from elsewhere, once each, so they may start a flow but
 * never update one.
 */
export const FLOW_WRITERS: Readonly<Record<'flowStarted' | 'flowUpdated', readonly string[]>> = {
  flowUpdated: ['electron/core/capture/', 'electron/core/store/'],
  flowStarted: ['electron/core/capture/', 'electron/core/store/', 'electron/core/import/into-store.ts', 'electron/core/export/store-copy.ts'],
};

/** `file: call()` for every call of flowStarted / flowUpdated in electron/ and certs/ that FLOW_WRITERS refuses. */
export function flowWriterViolations(root: string, writers = FLOW_WRITERS): string[] {
  const violations: string[] = [];
  for (const file of [...sourceFiles(root, 'electron'), ...sourceFiles(root, 'certs')]) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const rel = file.split(path.sep).join('/');
    for (const call of new Set([...text.matchAll(/\.\s*(flowStarted|flowUpdated)\s*\(/g)].map((m) => m[1] as keyof typeof writers))) {
      const allowed = writers[call];
      if (!allowed.some((prefix) => rel === prefix || (prefix.endsWith('/') && rel.startsWith(prefix)))) violations.push(`${rel}: ${call}() (only ${allowed.join(', ')} may call it)`);
    }
  }
  return violations;
}
