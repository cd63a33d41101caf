/**
 * Network conditions as the editor holds them (a rule's `conditions` action and a device profile's
 * conditions share it): a preset or custom, and every value as typed. Turned back into the plain object the
 * core's checkConditions validates, so the same messages show while typing and on save.
 */
import { CONDITION_PRESETS, PRESET_VALUES, type ConditionPreset, type NetworkConditions } from '../../../../electron/common/conditions';

export type ConditionsChoice = ConditionPreset | 'custom';

export const CONDITION_FIELDS = [
  { key: 'downloadKbps', label: 'Download', unit: 'kbit/s', placeholder: 'unlimited' },
  { key: 'uploadKbps', label: 'Upload', unit: 'kbit/s', placeholder: 'unlimited' },
  { key: 'latencyMs', label: 'Latency', unit: 'ms per request', placeholder: '0' },
  { key: 'connectLatencyMs', label: 'Connection setup', unit: 'ms per new connection', placeholder: '0' },
  { key: 'jitterMs', label: 'Jitter', unit: 'ms, ± around the latency', placeholder: '0' },
  { key: 'resetPercent', label: 'Reset', unit: '% of requests cut', placeholder: '0' },
  { key: 'stallPercent', label: 'Stall', unit: '% of requests never answered', placeholder: '0' },
] as const;

export type ConditionField = (typeof CONDITION_FIELDS)[number]['key'];

export interface ConditionsForm {
  choice: ConditionsChoice;
  values: Record<ConditionField, string>;
}

const blank = (): Record<ConditionField, string> => ({ downloadKbps: '', uploadKbps: '', latencyMs: '', connectLatencyMs: '', jitterMs: '', resetPercent: '', stallPercent: '' });

function valuesOf(c: Omit<NetworkConditions, 'preset'>): Record<ConditionField, string> {
  const values = blank();
  for (const { key } of CONDITION_FIELDS) if (c[key] !== undefined) values[key] = String(c[key]);
  return values;
}

/** A new rule's or profile's conditions: 3G, the most asked-for. */
export function defaultConditionsForm(): ConditionsForm {
  return choose('3g');
}

export function conditionsForm(c: NetworkConditions | undefined): ConditionsForm {
  if (!c) return defaultConditionsForm();
  if (c.preset) return { choice: c.preset, values: valuesOf(c) };
  return { choice: c.offline ? 'offline' : 'custom', values: valuesOf(c) };
}

/** Picking a preset fills its values; picking custom keeps the values shown, to edit from there. */
export function choose(choice: ConditionsChoice, from?: ConditionsForm): ConditionsForm {
  if (choice === 'custom') return { choice, values: { ...(from?.values ?? blank()) } };
  return { choice, values: valuesOf(PRESET_VALUES[choice]) };
}

/** Typing into a field of a preset makes the conditions custom. */
export function edit(form: ConditionsForm, field: ConditionField, text: string): ConditionsForm {
  return { choice: 'custom', values: { ...form.values, [field]: text } };
}

/** A typed number stays a number; anything else goes as typed, for checkConditions to name. */
function numberOrText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** What the core validates: a preset by name, or the custom values. */
export function conditionsOf(form: ConditionsForm): Record<string, unknown> {
  if (form.choice !== 'custom') return { preset: form.choice };
  const out: Record<string, unknown> = {};
  for (const { key } of CONDITION_FIELDS) {
    const v = numberOrText(form.values[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export const PRESET_CHOICES: readonly ConditionsChoice[] = [...CONDITION_PRESETS, 'custom'];
