import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConditions, presetConditions } from '../../../electron/common/conditions';
import { checkConditions } from '../../../electron/common/conditions-validate';
import { decodeProfileLink, profileShareLink, toProfileExport } from '../../../electron/common/profile-share';
import type { DeviceProfile } from '../../../electron/common/rule';
import { explainProfileConditions, explainRule } from '../../../electron/common/rule-explain';
import { validateDeviceProfile, validateRule } from '../../../electron/common/rule-validate';

describe('network conditions: validation', () => {
  it('fills a preset, keeps its name while unchanged, drops it once a value differs (custom)', () => {
    assert.deepEqual(
      [checkConditions({ preset: '3g' }, 'c'), checkConditions({ preset: '3g', latencyMs: 300 }, 'c'), checkConditions({ preset: '3g', downloadKbps: 500 }, 'c'), checkConditions({ downloadKbps: 0, latencyMs: 0, jitterMs: 5 }, 'c')],
      [
        { ok: true, conditions: { preset: '3g', downloadKbps: 1600, uploadKbps: 768, latencyMs: 300, connectLatencyMs: 300, jitterMs: 50 } },
        { ok: true, conditions: { preset: '3g', downloadKbps: 1600, uploadKbps: 768, latencyMs: 300, connectLatencyMs: 300, jitterMs: 50 } },
        { ok: true, conditions: { downloadKbps: 500, uploadKbps: 768, latencyMs: 300, connectLatencyMs: 300, jitterMs: 50 } },
        { ok: true, conditions: { jitterMs: 5 } },
      ],
    );
  });

  it('names every bad field of a rule and of a profile', () => {
    const rule = validateRule({ id: 'r', name: 'n', action: { type: 'conditions', conditions: { preset: '5g', downloadKbps: -1, latencyMs: '100', resetPercent: 60, stallPercent: 50, offline: 'yes' } } });
    assert.deepEqual(rule, {
      ok: false,
      errors: [
        { field: 'action.conditions.preset', message: 'must be one of "offline", "2g", "3g", "slow-4g", "4g", "wifi-lossy", not "5g"' },
        { field: 'action.conditions.offline', message: 'must be true or false, not "yes"' },
        { field: 'action.conditions.downloadKbps', message: 'must be from 0 to 10,000,000 (download bandwidth in kbit/s), not -1' },
        { field: 'action.conditions.latencyMs', message: 'must be a number (latency per request in ms), not "100"' },
        { field: 'action.conditions.stallPercent', message: 'reset and stalled shares add up to 110 %; at most 100 % of requests can fail' },
      ],
    });
    assert.deepEqual(validateRule({ id: 'r', name: 'n', action: { type: 'conditions' } }), {
      ok: false,
      errors: [{ field: 'action.conditions', message: 'must be an object (a preset and/or downloadKbps, uploadKbps, latencyMs, connectLatencyMs, jitterMs, resetPercent, stallPercent, offline)' }],
    });
    assert.deepEqual(validateDeviceProfile({ id: 'p', name: 'Phone', clients: ['127.0.0.2'], conditions: { jitterMs: 70_000 } }), {
      ok: false,
      errors: [{ field: 'conditions.jitterMs', message: 'must be from 0 to 60,000 (jitter in ms), not 70000' }],
    });
    assert.deepEqual(validateDeviceProfile({ id: 'p', name: 'Phone', clients: [], conditions: { preset: 'offline' } }), {
      ok: true,
      profile: { id: 'p', name: 'Phone', clients: [], rules: [], conditions: { preset: 'offline', offline: true } },
    });
  });
});

describe('network conditions: one line', () => {
  it('describes presets, custom values, rules and profiles', () => {
    const rule = validateRule({ id: 'r', name: 'n', matchers: [{ type: 'host', host: 'api.test' }], scope: { clients: ['127.0.0.2'] }, action: { type: 'conditions', conditions: { preset: '2g', stallPercent: 5 } } });
    assert.ok(rule.ok);
    const profile: DeviceProfile = { id: 'p', name: 'Pixel', clients: ['127.0.0.2'], rules: [], conditions: presetConditions('wifi-lossy') };
    assert.deepEqual(
      [
        describeConditions(presetConditions('offline')),
        describeConditions(presetConditions('3g')),
        describeConditions({ downloadKbps: 64, latencyMs: 0, jitterMs: 10 }),
        describeConditions({}),
        explainRule(rule.rule),
        explainProfileConditions(profile),
        explainProfileConditions({ ...profile, conditions: undefined }),
      ],
      [
        'offline',
        '3G: 1.6 Mbit/s down, 768 kbit/s up, 300 ms latency ±50 ms, +300 ms per connection',
        '64 kbit/s down, 0 ms latency ±10 ms',
        'no limits',
        'Network conditions (280 kbit/s down, 256 kbit/s up, 800 ms latency ±100 ms, +800 ms per connection, 5 % stalled) for api.test from 127.0.0.2',
        'Network conditions (Wi-Fi with loss: 30 Mbit/s down, 15 Mbit/s up, 20 ms latency ±10 ms, +10 ms per connection, 2 % reset, 1 % stalled) for every request from profile "Pixel"',
        undefined,
      ],
    );
  });
});

describe('network conditions: share links', () => {
  it('a profile link carries the profile’s conditions, and a bad one is refused naming the field', () => {
    const profile: DeviceProfile = { id: 'p', name: 'Slow phone', clients: ['127.0.0.2'], rules: [], conditions: { preset: '3g', ...presetConditions('3g'), stallPercent: 5 } };
    const decoded = decodeProfileLink(profileShareLink(toProfileExport(profile, 1)));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.profile, { id: 'p', name: 'Slow phone', clients: ['127.0.0.2'], conditions: profile.conditions });
    const bad = decodeProfileLink(profileShareLink(toProfileExport({ ...profile, conditions: { uploadKbps: 'fast' } as never }, 1)));
    assert.ok(bad.ok);
    assert.deepEqual(validateDeviceProfile({ ...bad.value.profile, rules: [] }), { ok: false, errors: [{ field: 'conditions.uploadKbps', message: 'must be a number (upload bandwidth in kbit/s), not "fast"' }] });
  });
});
