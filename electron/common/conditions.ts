/**
 * Network conditions: how slow and how unreliable a device's network should look. Plain data, used as a
 * rule action (`{ type: 'conditions', conditions }`: only the requests the rule matches) and as a device
 * profile's `conditions` (every request of the profile's clients). The proxy applies them at the HTTP
 * layer (electron/core/conditions), not to packets:
 *
 * - bandwidth: request and response BODY bytes per second, one budget per device (client address) and
 *   condition, shared by all of that device's connections; kbit = 1,000 bits.
 * - latency: waited before each request goes on; `connectLatencyMs` once more for the first request on a
 *   new client connection (for HTTPS: on a new tunnel), standing in for connection setup.
 * - jitter: each wait is latency plus a uniform random amount in [-jitter, +jitter], never below zero.
 * - failures: a share of requests (percent, 0–100) is reset (the client's connection is cut, no answer) or
 *   stalls (no answer until the client gives up, at most STALL_LIMIT_MS, then reset).
 * - offline: every request is reset at once.
 *
 * The presets' bandwidth and latency follow WebPageTest's connectivity profiles (2G, 3G, 4G: latency is their
 * round-trip time, added per request); "Slow 4G" sits between 3G and 4G; jitter and the Wi-Fi losses are ours.
 */

export interface NetworkConditions {
  /** The preset these values came from, for display; the values below are what runs. */
  preset?: ConditionPreset;
  offline?: boolean;
  /** Response body bytes to the client, kbit/s; absent = unlimited. */
  downloadKbps?: number;
  /** Request body bytes to the server, kbit/s; absent = unlimited. */
  uploadKbps?: number;
  /** Added before every request, ms. */
  latencyMs?: number;
  /** Added once more on the first request of a new client connection, ms. */
  connectLatencyMs?: number;
  /** Random spread around each latency wait, ms (uniform in ±jitterMs). */
  jitterMs?: number;
  /** Share of requests whose connection is reset, percent. */
  resetPercent?: number;
  /** Share of requests that never get an answer, percent. */
  stallPercent?: number;
}

export const CONDITION_PRESETS = ['offline', '2g', '3g', 'slow-4g', '4g', 'wifi-lossy'] as const;
export type ConditionPreset = (typeof CONDITION_PRESETS)[number];

export const PRESET_LABELS: Record<ConditionPreset, string> = {
  offline: 'Offline',
  '2g': '2G',
  '3g': '3G',
  'slow-4g': 'Slow 4G',
  '4g': '4G',
  'wifi-lossy': 'Wi-Fi with loss',
};

export const PRESET_VALUES: Record<ConditionPreset, Omit<NetworkConditions, 'preset'>> = {
  offline: { offline: true },
  '2g': { downloadKbps: 280, uploadKbps: 256, latencyMs: 800, connectLatencyMs: 800, jitterMs: 100 },
  '3g': { downloadKbps: 1600, uploadKbps: 768, latencyMs: 300, connectLatencyMs: 300, jitterMs: 50 },
  'slow-4g': { downloadKbps: 4000, uploadKbps: 2000, latencyMs: 200, connectLatencyMs: 200, jitterMs: 40 },
  '4g': { downloadKbps: 9000, uploadKbps: 9000, latencyMs: 170, connectLatencyMs: 170, jitterMs: 20 },
  'wifi-lossy': { downloadKbps: 30000, uploadKbps: 15000, latencyMs: 20, connectLatencyMs: 10, jitterMs: 10, resetPercent: 2, stallPercent: 1 },
};

/** A preset's conditions, ready to save (and to edit further). */
export function presetConditions(preset: ConditionPreset): NetworkConditions {
  return { preset, ...PRESET_VALUES[preset] };
}

/** Limits the validator enforces, kept here so the UI can show them. */
export const CONDITION_LIMITS = {
  /** 1 kbit/s up to 10 Gbit/s. */
  kbps: { min: 1, max: 10_000_000 },
  /** Up to one minute: enough for a satellite link, short of a forgotten hang. */
  ms: { min: 0, max: 60_000 },
  percent: { min: 0, max: 100 },
} as const;

/** True when the conditions change nothing (all unset or zero). */
export function isNeutral(c: NetworkConditions): boolean {
  return !c.offline && !c.downloadKbps && !c.uploadKbps && !c.latencyMs && !c.connectLatencyMs && !c.jitterMs && !c.resetPercent && !c.stallPercent;
}

/** 100000 → "100 Mbit/s", 1600 → "1.6 Mbit/s", 280 → "280 kbit/s". */
export function formatKbps(kbps: number): string {
  if (kbps >= 1_000_000) return `${Number((kbps / 1_000_000).toFixed(2))} Gbit/s`;
  if (kbps >= 1000) return `${Number((kbps / 1000).toFixed(2))} Mbit/s`;
  return `${Number(kbps.toFixed(2))} kbit/s`;
}

/** "3G: 1.6 Mbit/s down, 768 kbit/s up, 300 ms latency ±50 ms, +300 ms per connection, 2 % reset". */
export function describeConditions(c: NetworkConditions): string {
  const name = c.preset ? PRESET_LABELS[c.preset] : undefined;
  if (c.offline) return name && c.preset === 'offline' ? 'offline' : `${name ? `${name}: ` : ''}offline`;
  const parts: string[] = [];
  if (c.downloadKbps) parts.push(`${formatKbps(c.downloadKbps)} down`);
  if (c.uploadKbps) parts.push(`${formatKbps(c.uploadKbps)} up`);
  if (c.latencyMs || c.jitterMs) parts.push(`${c.latencyMs ?? 0} ms latency${c.jitterMs ? ` ±${c.jitterMs} ms` : ''}`);
  if (c.connectLatencyMs) parts.push(`+${c.connectLatencyMs} ms per connection`);
  if (c.resetPercent) parts.push(`${c.resetPercent} % reset`);
  if (c.stallPercent) parts.push(`${c.stallPercent} % stalled`);
  const values = parts.length ? parts.join(', ') : 'no limits';
  return name ? `${name}: ${values}` : values;
}

/** A stalled request is cut after this long at most, so no connection is held for ever. */
export const STALL_LIMIT_MS = 60_000;
