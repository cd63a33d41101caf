// A 200-device team at peak (issue 21, docs/SCALING.md): the flows per second the shared store must take,
// and the bytes behind them, from a simple model of the traffic — to compare with what `npm run bench pg-store`
// measures. Pure arithmetic over a seeded simulation; no database, no network.
//
// Usage: node bench/team-sim.mjs [--devices 200] [--measured FLOWS_PER_S] [--seconds 600]
//
// Model (per device, per second, during the busiest ten minutes of a test day):
// - a phone app under test is idle most of the time, then bursts: an app launch or screen change fires
//   15–60 requests within about two seconds; a tester changes screen every 5–20 s;
// - 10 % of devices run an automated UI suite at the same time: 8–20 requests/s steadily;
// - each flow is about 3 KB of summary + flow JSON in the database, and bodies average 6 KB
//   (most are small JSON; images and bundles are rarer and capped at 10 MB).
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { devices: { type: 'string' }, measured: { type: 'string' }, seconds: { type: 'string' } } });
const DEVICES = Number(values.devices ?? 200);
const SECONDS = Number(values.seconds ?? 600);
const MEASURED = values.measured === undefined ? undefined : Number(values.measured);
const ROW_BYTES = 3 * 1024;
const BODY_BYTES = 6 * 1024;

// Mulberry32: the same figures on every run.
let state = 0x2026_1204;
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + random() * (hi - lo);

const perSecond = new Float64Array(SECONDS);
for (let d = 0; d < DEVICES; d++) {
  if (random() < 0.1) {
    const rate = between(8, 20);
    for (let s = 0; s < SECONDS; s++) perSecond[s] += rate;
    continue;
  }
  for (let t = between(0, 20); t < SECONDS; t += between(5, 20)) {
    const burst = Math.round(between(15, 60));
    // Spread over two seconds, more in the first.
    const first = Math.floor(t);
    perSecond[first] += burst * 0.7;
    if (first + 1 < SECONDS) perSecond[first + 1] += burst * 0.3;
  }
}
const sorted = [...perSecond].sort((a, b) => a - b);
const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const mean = perSecond.reduce((a, b) => a + b, 0) / SECONDS;
const peak = sorted[sorted.length - 1];
const mb = (flows) => ((flows * (ROW_BYTES + BODY_BYTES)) / 1048576).toFixed(1);

console.log(`${DEVICES} devices, busiest ${SECONDS} s simulated`);
console.log(`flows/s  mean ${mean.toFixed(0)}  p50 ${at(0.5).toFixed(0)}  p99 ${at(0.99).toFixed(0)}  peak second ${peak.toFixed(0)}`);
console.log(`write volume at the peak second: ${mb(peak)} MB/s of rows and bodies (${(ROW_BYTES / 1024).toFixed(0)} KB row + ${(BODY_BYTES / 1024).toFixed(0)} KB body per flow)`);
console.log(`a day at this mean for 8 busy hours: ${Math.round(mean * 8 * 3600).toLocaleString('en-US')} flows`);
if (MEASURED !== undefined) {
  console.log(`measured store capacity ${MEASURED} flows/s: ${(MEASURED / peak).toFixed(1)}× the peak second, ${(MEASURED / mean).toFixed(1)}× the mean`);
}
