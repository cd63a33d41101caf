/**
 * What the certificate authority costs: creating a CA, the one-time leaf key, minting a leaf for a new host
 * (the price of the first HTTPS request to it), and a cached lookup. Also the parts of a mint, and forge's own
 * JS signing for comparison (the reason leaves are signed natively).
 * Run: node --import tsx bench/certs.bench.ts   (or `npm run bench certs`). Figures: docs/bench/certs.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { loadOrCreateCa, sharedLeafKey } from '../certs';

const CA_RUNS = 5;
const HOSTS = 200;
const LOOKUP_ROUNDS = 100;
const FORGE_SIGN_RUNS = 5;

interface Row {
  what: string;
  n: number;
  median: number;
  p99: number;
  mean: number;
  note?: string;
}

function summarize(what: string, samples: number[], note?: string): Row {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { what, n: samples.length, median: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, note };
}

function timeEach(count: number, fn: (i: number) => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4));

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const rows: Row[] = [];
  try {
    let start = performance.now();
    const leafKey = await sharedLeafKey();
    rows.push(summarize('leaf key generation (once per process, async)', [performance.now() - start]));

    const caTimes: number[] = [];
    for (let i = 0; i < CA_RUNS; i++) {
      start = performance.now();
      await loadOrCreateCa(path.join(root, `create-${i}`, 'ca'));
      caTimes.push(performance.now() - start);
    }
    rows.push(summarize('CA creation (RSA 2048 key + certificate + files)', caTimes));

    start = performance.now();
    await loadOrCreateCa(path.join(root, 'create-0', 'ca'));
    rows.push(summarize('CA load (existing files)', [performance.now() - start]));

    const ca = await loadOrCreateCa(path.join(root, 'mint', 'ca'));
    const hosts = Array.from({ length: HOSTS }, (_, i) => (i % 10 === 9 ? `10.0.${i >> 8}.${i & 255}` : `host-${i}.example.test`));
    ca.leafFor('warm-up.example.test'); // JIT warm-up, not counted
    const cpuBefore = process.cpuUsage();
    const mint = timeEach(HOSTS, (i) => ca.leafFor(hosts[i]));
    const cpu = process.cpuUsage(cpuBefore);
    rows.push(summarize(`mint a leaf for a new host (${HOSTS} hosts)`, mint, `CPU ${((cpu.user + cpu.system) / 1000 / HOSTS).toFixed(2)} ms per leaf`));

    const lookups = timeEach(LOOKUP_ROUNDS, () => {
      for (const host of hosts) ca.leafFor(host);
    }).map((ms) => ms / HOSTS);
    rows.push(summarize(`cached lookup (${HOSTS * LOOKUP_ROUNDS} lookups)`, lookups, `${((lookups.reduce((a, b) => a + b, 0) / lookups.length) * 1e6).toFixed(0)} ns each`));

    // The parts of a mint, measured alone.
    const caKey = crypto.createPrivateKey(fs.readFileSync(ca.keyPath));
    const tbsLike = crypto.randomBytes(700);
    rows.push(summarize('  part: native RSA-2048 SHA-256 signature', timeEach(HOSTS, () => crypto.sign('sha256', tbsLike, caKey))));
    const leafPem = ca.leafFor(hosts[0]).cert + ca.certPem;
    rows.push(summarize('  part: tls.createSecureContext (key + chain)', timeEach(HOSTS, () => tls.createSecureContext({ key: leafKey.privateKeyPem, cert: leafPem }))));

    // What signing with forge would cost instead (the approach this module avoids).
    const forgeKey = forge.pki.privateKeyFromPem(fs.readFileSync(ca.keyPath, 'utf8'));
    const forgeCa = forge.pki.certificateFromPem(ca.certPem);
    const forgeSign = timeEach(FORGE_SIGN_RUNS, (i) => {
      const cert = forge.pki.createCertificate();
      cert.serialNumber = `4${i}`;
      cert.validity.notBefore = new Date();
      cert.validity.notAfter = new Date(Date.now() + 86_400_000);
      cert.setSubject([{ shortName: 'CN', value: `forge-${i}.example.test` }]);
      cert.setIssuer(forgeCa.subject.attributes);
      cert.publicKey = leafKey.publicKey;
      cert.sign(forgeKey, forge.md.sha256.create());
    });
    rows.push(summarize('  for comparison: the same leaf signed by forge (pure JS)', forgeSign));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }

  const lines = ['| what | n | median ms | p99 ms | mean ms | note |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) lines.push(`| ${r.what} | ${r.n} | ${fmt(r.median)} | ${fmt(r.p99)} | ${fmt(r.mean)} | ${r.note ?? ''} |`);
  const cpuModel = /model name\s*:\s*(.*)/.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? os.cpus()[0]?.model;
  console.log(`${new Date().toISOString().slice(0, 10)} · ${os.availableParallelism()} CPUs (${cpuModel}) · node ${process.version} · load ${os.loadavg()[0].toFixed(2)}\n`);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
