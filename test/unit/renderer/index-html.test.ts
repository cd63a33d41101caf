/**
 * The renderer's index.html carries the desktop CSP in a meta tag (file:// pages get no headers): the same
 * directives as CONTENT_SECURITY_POLICY (electron/main/security.ts), minus frame-ancestors, which browsers
 * ignore in a meta tag. Checked in the source and, when built, in dist/renderer/index.html.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/security';

const root = path.resolve(__dirname, '..', '..', '..');
/** Directives browsers ignore when the policy comes from <meta> (CSP3 §3.3). */
const HEADER_ONLY = ['frame-ancestors', 'report-uri', 'sandbox'];

/** Directive name → its sources, sorted, so the order in which they are written does not matter. */
function directives(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources.sort();
  }
  return out;
}

function metaPolicies(html: string): string[] {
  const out: string[] = [];
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    if (!/http-equiv\s*=\s*"content-security-policy"/i.test(tag)) continue;
    out.push(/\bcontent\s*=\s*"([^"]*)"/i.exec(tag)?.[1] ?? '');
  }
  return out;
}

const expected = Object.fromEntries(Object.entries(directives(CONTENT_SECURITY_POLICY)).filter(([name]) => !HEADER_ONLY.includes(name)));

test('index.html has one meta CSP, the desktop policy minus header-only directives', () => {
  const source = metaPolicies(fs.readFileSync(path.join(root, 'renderer', 'index.html'), 'utf8')).map(directives);
  assert.deepStrictEqual(source, [expected]);
});

const built = path.join(root, 'dist', 'renderer', 'index.html');
test('the built index.html keeps it', { skip: !fs.existsSync(built) && 'renderer not built' }, () => {
  assert.deepStrictEqual(metaPolicies(fs.readFileSync(built, 'utf8')).map(directives), [expected]);
});
