/**
 * The save-time check of network conditions (a `conditions` rule action, a device profile's `conditions`):
 * every bad field named by its path, a clean object back with only known fields. A preset fills the fields
 * left out; a field given explicitly wins, and the preset's name is kept only while every value is still
 * the preset's (otherwise the conditions are custom).
 */
import { CONDITION_LIMITS, CONDITION_PRESETS, PRESET_VALUES, type ConditionPreset, type NetworkConditions } from './conditions';
import type { FieldError } from './rule-validate';

export type ConditionsCheck = { ok: true; conditions: NetworkConditions } | { ok: false; errors: FieldError[] };

type NumberField = Exclude<keyof NetworkConditions, 'preset' | 'offline'>;

const FIELDS: { field: NumberField; unit: 'kbps' | 'ms' | 'percent'; what: string }[] = [
  { field: 'downloadKbps', unit: 'kbps', what: 'download bandwidth in kbit/s' },
  { field: 'uploadKbps', unit: 'kbps', what: 'upload bandwidth in kbit/s' },
  { field: 'latencyMs', unit: 'ms', what: 'latency per request in ms' },
  { field: 'connectLatencyMs', unit: 'ms', what: 'latency per new connection in ms' },
  { field: 'jitterMs', unit: 'ms', what: 'jitter in ms' },
  { field: 'resetPercent', unit: 'percent', what: 'share of requests reset, in percent' },
  { field: 'stallPercent', unit: 'percent', what: 'share of requests stalled, in percent' },
];

/** `at`: the path of the conditions object (`action.conditions`, `conditions`). */
export function checkConditions(value: unknown, at: string): ConditionsCheck {
  const errors: FieldError[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ field: at, message: 'must be an object (a preset and/or downloadKbps, uploadKbps, latencyMs, connectLatencyMs, jitterMs, resetPercent, stallPercent, offline)' }] };
  }
  const o = value as Record<string, unknown>;
  let preset: ConditionPreset | undefined;
  if (o.preset !== undefined) {
    if (typeof o.preset === 'string' && (CONDITION_PRESETS as readonly string[]).includes(o.preset)) preset = o.preset as ConditionPreset;
    else errors.push({ field: `${at}.preset`, message: `must be one of ${CONDITION_PRESETS.map((p) => `"${p}"`).join(', ')}, not ${JSON.stringify(o.preset)}` });
  }
  const out: NetworkConditions = {};
  if (o.offline !== undefined) {
    if (typeof o.offline !== 'boolean') errors.push({ field: `${at}.offline`, message: `must be true or false, not ${JSON.stringify(o.offline)}` });
    else if (o.offline) out.offline = true;
  }
  for (const { field, unit, what } of FIELDS) {
    const v = o[field];
    if (v === undefined || v === null || v === '') continue;
    const { min, max } = CONDITION_LIMITS[unit];
    if (typeof v !== 'number' || !Number.isFinite(v)) errors.push({ field: `${at}.${field}`, message: `must be a number (${what}), not ${JSON.stringify(v)}` });
    // 0 kbit/s means "no limit", as an empty field does.
    else if (v === 0 && unit === 'kbps') continue;
    else if (v < min || v > max) errors.push({ field: `${at}.${field}`, message: `must be from ${unit === 'kbps' ? 0 : min} to ${max.toLocaleString('en-US')} (${what}), not ${v}` });
    else if (v !== 0) out[field] = v;
  }
  if ((out.resetPercent ?? 0) + (out.stallPercent ?? 0) > 100) {
    errors.push({ field: `${at}.stallPercent`, message: `reset and stalled shares add up to ${(out.resetPercent ?? 0) + (out.stallPercent ?? 0)} %; at most 100 % of requests can fail` });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (!preset) return { ok: true, conditions: out };
  const values = PRESET_VALUES[preset];
  const merged: NetworkConditions = { ...values, ...out };
  const given = Object.keys(out) as (keyof NetworkConditions)[];
  const custom = given.some((k) => out[k] !== (values as NetworkConditions)[k]);
  return { ok: true, conditions: custom ? merged : { preset, ...merged } };
}
