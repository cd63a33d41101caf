/**
 * The rule book: rules and device profiles, persisted in their own nedb file (dataPaths(dataDir).rulesDb) as versioned
 * documents, validated on save (validateRule: a refusal names each bad field), kept in an explicit
 * priority order, with `times` counters. The proxy reads only the compiled snapshot (ruleSet()), rebuilt
 * in memory on every change, so its hot path never waits on the disk.
 *
 * Documents (schema 1):
 *   { _id: 'rule:<id>',    kind: 'rule',     schema, rule, seq, hits }   seq: insertion order, breaks priority ties
 *   { _id: 'profile:<id>', kind: 'profile',  schema, profile: { id, name, clients } }
 *   { _id: 'settings',     kind: 'settings', schema, breakpointTimeoutMs }
 * A profile's rules are the rules whose scope.profile names it; they live in the one ordered rule list.
 */
import { ClientCertificateError, storeClientCertificate } from './client-cert-files';
import { parseUpstreamProxy } from '../../common/connection-rule';
import { isOwnProxy, type OwnAddress } from './own-proxy';
import crypto from 'node:crypto';
import { ApiError } from '../../common/api';
import { Emitter, type Disposable } from '../../common/events';
import type { DeviceProfile, Rule } from '../../common/rule';
import { explainRule } from '../../common/rule-explain';
import type { RuleInfo, RulesState } from '../../common/rule-state';
import { validateDeviceProfile, validateRule, type FieldError } from '../../common/rule-validate';
import { dataPaths } from '../paths';
import { RuleSet } from './rule-set';
import { NedbRuleDocs, type ProfileMeta, type RuleDoc, type RuleDocs } from './rule-docs';
import type { SharedHitCounts } from './shared-hits';

export const RULES_SCHEMA = 1;
/** Hit counters reach the disk at most this often (they change on the proxy's hot path). */
const HITS_FLUSH_MS = 1000;


export interface RuleSettings {
  breakpointTimeoutMs?: number;
  /** The global network-conditions switch is off (electron/core/conditions). */
  conditionsOff?: boolean;
}

/** A refused save: code 'invalid-rule', the message lists every field error, `fields` carries them. */
export function invalidRule(errors: FieldError[], prefix = ''): ApiError {
  const message = `invalid rule: ${errors.map((e) => `${prefix}${e.field}: ${e.message}`).join('; ')}`;
  return Object.assign(new ApiError(message, 'invalid-rule'), { fields: errors.map((e) => ({ field: prefix + e.field, message: e.message })) });
}

export const newRuleId = (): string => crypto.randomUUID();

export class RuleBook implements Disposable {
  private readonly db: RuleDocs;
  /** Sorted by priority, then seq. */
  private rules: { rule: Rule; seq: number }[] = [];
  private profiles = new Map<string, ProfileMeta>();
  private settingsDoc: RuleSettings = {};
  private readonly hits = new Map<string, number>();
  private readonly dirtyHits = new Set<string>();
  /** With shared counters: this node's hits not yet added to the shared totals. */
  private readonly unsentHits = new Map<string, number>();
  /** Shared totals are read and added one operation at a time, so an older total never overwrites a newer one. */
  private hitsOrder: Promise<unknown> = Promise.resolve();
  private hitsTimer: ReturnType<typeof setTimeout> | undefined;
  private nextSeq = 1;
  private snapshot = RuleSet.empty;
  /** Saves run one at a time, so validation, ordering and the snapshot never see a half-applied change. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  readonly ready: Promise<void>;

  private readonly _onDidChange = new Emitter<RulesState>();
  /** Rules, profiles or counters changed (counters: at most once per second). */
  readonly onDidChange = this._onDidChange.event;

  private readonly warnings: string[] = [];
  /** This Hindsight's address once its proxy listens: an upstream proxy there is refused on save. */
  private ownAddress?: () => OwnAddress;

  /**
   * `docs`: where the documents live (default the data folder's rules.db; a team's PostgreSQL: pg-rule-docs.ts).
   * `sharedHits`: counters summed over a team's nodes (pg-rule-hits.ts); without it each rule document keeps
   * this process's count.
   */
  constructor(
    private readonly dataDir: string,
    docs?: RuleDocs,
    private readonly sharedHits?: SharedHitCounts,
  ) {
    this.db = docs ?? new NedbRuleDocs(dataPaths(dataDir).rulesDb);
    this.ready = this.load();
    // Another node saved rules, profiles or settings: take its documents whole (they are few).
    this.db.onRemoteChange?.(() => void this.serial(() => this.load(true)).catch(() => {}));
    this.sharedHits?.onDidChange(() => this.refreshHits());
  }

  private async load(reload = false): Promise<void> {
    const { docs, warnings } = await this.db.load();
    this.warnings.push(...warnings);
    if (reload) {
      this.rules = [];
      this.profiles.clear();
      this.settingsDoc = {};
    }
    for (const doc of docs) {
      if (doc.schema !== RULES_SCHEMA) continue;
      if (doc.kind === 'rule') {
        // A rule stored by an older build that no longer validates is kept on disk but not run.
        const checked = validateRule(doc.rule);
        if (!checked.ok) continue;
        this.rules.push({ rule: checked.rule, seq: doc.seq });
        if (doc.hits && !this.sharedHits) this.hits.set(doc.rule.id, doc.hits);
        this.nextSeq = Math.max(this.nextSeq, doc.seq + 1);
      } else if (doc.kind === 'profile') {
        this.profiles.set(doc.profile.id, doc.profile);
      } else if (doc.kind === 'settings') {
        this.settingsDoc = { breakpointTimeoutMs: doc.breakpointTimeoutMs, ...(doc.conditionsOff ? { conditionsOff: true } : {}) };
      }
    }
    this.sort();
    const shared = this.sharedHits;
    if (shared) await this.inHitsOrder(async () => this.applyTotals(await shared.totals()));
    this.rebuild(reload);
  }

  /** Tells the store where this Hindsight listens (core.ts, once the proxy is up), for refusing proxy loops. */
  setOwnAddress(own: () => OwnAddress): void {
    this.ownAddress = own;
  }

  /** The compiled snapshot the proxy matches against. */
  ruleSet(): RuleSet {
    return this.snapshot;
  }

  state(): RulesState {
    const profiles = this.profileList();
    return { rules: this.rules.map(({ rule }) => this.info(rule, profiles)), profiles, warnings: [...this.warnings] };
  }

  list(): RuleInfo[] {
    return this.state().rules;
  }

  get(id: string): Rule | undefined {
    return this.rules.find((r) => r.rule.id === id)?.rule;
  }

  explain(input: unknown): string {
    const checked = validateRule(withDefaults(input, () => 'unsaved'));
    if (!checked.ok) throw invalidRule(checked.errors);
    return explainRule(checked.rule, this.profileList());
  }

  /**
   * Validates and stores a rule: a new one (no id, or an unknown id) goes last unless it names a priority;
   * a known one keeps its place unless it names a priority. Saving resets its hit counter.
   */
  save(input: unknown): Promise<RuleInfo> {
    return this.serial(async () => {
      const rule = this.checkRule(input);
      await this.putRules([rule]);
      return this.info(rule, this.profileList());
    });
  }

  /** Validates every rule first; stores all or none. Used by `--rules FILE` and imports. */
  saveAll(inputs: unknown[], prefix = (i: number) => `[${i}].`): Promise<Rule[]> {
    return this.serial(async () => {
      const rules: Rule[] = [];
      const errors: FieldError[] = [];
      inputs.forEach((input, i) => {
        try {
          rules.push(this.checkRule(input, rules));
        } catch (err) {
          const fields = (err as { fields?: FieldError[] }).fields ?? [{ field: '', message: (err as Error).message }];
          errors.push(...fields.map((f) => ({ field: prefix(i) + f.field, message: f.message })));
        }
      });
      if (errors.length > 0) throw invalidRule(errors);
      await this.putRules(rules);
      return rules;
    });
  }

  delete(ids: string[]): Promise<number> {
    return this.serial(async () => {
      const gone = new Set(ids.filter((id) => this.get(id)));
      if (gone.size === 0) return 0;
      await this.db.remove([...gone].map((id) => `rule:${id}`));
      this.rules = this.rules.filter((r) => !gone.has(r.rule.id));
      await this.forgetHits([...gone]);
      this.rebuild();
      return gone.size;
    });
  }

  /**
   * Puts the listed rules in the given order within the places they hold now (the others stay where they
   * are), then renumbers every priority 0, 1, 2… so the order is explicit in the data.
   */
  reorder(ids: string[]): Promise<RuleInfo[]> {
    return this.serial(async () => {
      if (new Set(ids).size !== ids.length) throw new ApiError('rules.reorder: ids must not repeat', 'bad-params');
      const unknown = ids.find((id) => !this.get(id));
      if (unknown !== undefined) throw new ApiError(`rules.reorder: no rule with id ${JSON.stringify(unknown)}`, 'not-found');
      const moving = new Set(ids);
      const places = this.rules.flatMap((r, i) => (moving.has(r.rule.id) ? [i] : []));
      const byId = new Map(this.rules.map((r) => [r.rule.id, r]));
      const next = [...this.rules];
      places.forEach((place, k) => (next[place] = byId.get(ids[k])!));
      this.rules = next.map(({ rule, seq }, priority) => ({ rule: rule.priority === priority ? rule : { ...rule, priority }, seq }));
      await Promise.all(this.rules.map(({ rule, seq }) => this.writeRule(rule, seq)));
      this.rebuild();
      return this.list();
    });
  }

  /** Counts one application; false when the rule's `times` is already used up (then it must not apply). */
  hit(rule: Rule): boolean {
    const count = this.hits.get(rule.id) ?? 0;
    if (rule.times !== undefined && count >= rule.times) return false;
    this.hits.set(rule.id, count + 1);
    this.dirtyHits.add(rule.id);
    if (this.sharedHits) this.unsentHits.set(rule.id, (this.unsentHits.get(rule.id) ?? 0) + 1);
    this.hitsTimer ??= setTimeout(() => void this.flushHits(), HITS_FLUSH_MS);
    return true;
  }

  hitsOf(id: string): number {
    return this.hits.get(id) ?? 0;
  }

  // ---- device profiles

  profileList(): DeviceProfile[] {
    return [...this.profiles.values()].map((p) => ({ ...p, rules: this.rules.filter((r) => r.rule.scope.profile === p.id).map((r) => r.rule) }));
  }

  profile(id: string): DeviceProfile {
    const found = this.profileList().find((p) => p.id === id);
    if (!found) throw new ApiError(`no device profile with id ${JSON.stringify(id)}`, 'not-found');
    return found;
  }

  /**
   * Saves a profile's name and clients; when `rules` is given it becomes the profile's whole rule set
   * (each bound to the profile by scope.profile), when `conditions` is given (null: none) they become its
   * network conditions. Validated as a whole: all or nothing.
   */
  saveProfile(input: unknown): Promise<DeviceProfile> {
    return this.serial(async () => {
      const raw = withDefaults(input, newRuleId) as Record<string, unknown>;
      const rawRules = Array.isArray(raw.rules) ? raw.rules.map((r: unknown) => withDefaults(r, newRuleId)) : raw.rules;
      const replaceRules = rawRules !== undefined;
      const checked = validateDeviceProfile({ ...raw, rules: rawRules });
      if (!checked.ok) throw invalidRule(checked.errors);
      const { rules, ...meta } = checked.profile;
      // Like `rules`: conditions left out keep the stored ones (null clears them).
      const kept = raw.conditions === undefined ? this.profiles.get(meta.id)?.conditions : undefined;
      if (kept) meta.conditions = kept;
      const bound: Rule[] = [];
      rules.forEach((r, i) => {
        const input = { ...((rawRules as object[])[i] as object), scope: { ...r.scope, profile: meta.id } };
        bound.push(this.checkRule(input, bound, meta.id, `rules[${i}].`));
      });
      await this.db.put({ _id: `profile:${meta.id}`, kind: 'profile', schema: RULES_SCHEMA, profile: meta });
      this.profiles.set(meta.id, meta);
      if (replaceRules) {
        const keep = new Set(bound.map((r) => r.id));
        const old = this.rules.filter((r) => r.rule.scope.profile === meta.id && !keep.has(r.rule.id)).map((r) => r.rule.id);
        if (old.length > 0) await this.db.remove(old.map((id) => `rule:${id}`));
        this.rules = this.rules.filter((r) => !old.includes(r.rule.id));
        await this.forgetHits(old);
        await this.putRules(bound, false);
      }
      this.rebuild();
      return this.profile(meta.id);
    });
  }

  /** Deletes a profile and the rules bound to it. */
  deleteProfile(id: string): Promise<boolean> {
    return this.serial(async () => {
      if (!this.profiles.has(id)) return false;
      const ruleIds = this.rules.filter((r) => r.rule.scope.profile === id).map((r) => r.rule.id);
      await this.db.remove([`profile:${id}`, ...ruleIds.map((r) => `rule:${r}`)]);
      await this.forgetHits(ruleIds);
      this.profiles.delete(id);
      this.rules = this.rules.filter((r) => r.rule.scope.profile !== id);
      this.rebuild();
      return true;
    });
  }

  // ---- settings

  settings(): RuleSettings {
    return { ...this.settingsDoc };
  }

  setSettings(settings: RuleSettings): Promise<RuleSettings> {
    return this.serial(async () => {
      this.settingsDoc = { ...this.settingsDoc, ...settings };
      await this.db.put({ _id: 'settings', kind: 'settings', schema: RULES_SCHEMA, ...this.settingsDoc });
      return this.settings();
    });
  }

  // ---- internals

  /**
   * Validates one rule for saving: fills a missing id, places it (a new rule after every other unless it
   * names a priority; a known rule where it was) and bumps its version. `pending` are rules validated in
   * the same batch, already placed.
   */
  private checkRule(input: unknown, pending: Rule[] = [], newProfile?: string, prefix = ''): Rule {
    const raw = withDefaults(input, newRuleId) as Record<string, unknown>;
    const checked = validateRule(raw);
    if (!checked.ok) throw invalidRule(checked.errors, prefix);
    const rule = checked.rule;
    if (rule.action.type === 'client-certificate') {
      // The key material goes to an owner-only file (electron/core/client-certs); the rule keeps a reference.
      try {
        rule.action = storeClientCertificate(this.dataDir, rule.action);
      } catch (err) {
        if (err instanceof ClientCertificateError) throw invalidRule(err.fields, prefix);
        throw err;
      }
    }
    if (rule.action.type === 'upstream-proxy') this.refuseLoop(rule.action.proxy, prefix);
    const existing = this.get(rule.id);
    if (raw.priority === undefined) {
      const all = [...this.rules.map((r) => r.rule), ...pending];
      rule.priority = existing ? existing.priority : all.reduce((max, r) => Math.max(max, r.priority + 1), 0);
    }
    const profile = rule.scope.profile;
    if (profile !== undefined && profile !== newProfile && !this.profiles.has(profile)) {
      throw invalidRule([{ field: `${prefix}scope.profile`, message: `no device profile with id ${JSON.stringify(profile)}` }]);
    }
    rule.version = (existing?.version ?? 0) + 1;
    return rule;
  }

  /** An upstream proxy that is this Hindsight itself would send every matching request round in a loop. */
  private refuseLoop(text: string, prefix: string): void {
    const parsed = parseUpstreamProxy(text);
    if (!parsed.ok || parsed.proxy.kind === 'direct' || parsed.proxy.kind === 'pac' || !this.ownAddress) return;
    const { host, port } = parsed.proxy;
    if (!isOwnProxy({ host, port }, this.ownAddress())) return;
    throw invalidRule([{ field: `${prefix}action.proxy`, message: `is this Hindsight itself (port ${port} is its own); traffic sent there would loop` }]);
  }

  private async putRules(rules: Rule[], rebuild = true): Promise<void> {
    // Saving starts a rule's count over, on every node: reset before the save is announced.
    await this.forgetHits(rules.map((r) => r.id));
    for (const rule of rules) {
      const at = this.rules.findIndex((r) => r.rule.id === rule.id);
      const seq = at >= 0 ? this.rules[at].seq : this.nextSeq++;
      await this.writeRule(rule, seq, 0);
      if (at >= 0) this.rules[at] = { rule, seq };
      else this.rules.push({ rule, seq });
    }
    this.sort();
    if (rebuild) this.rebuild();
  }

  private writeRule(rule: Rule, seq: number, hits = this.hits.get(rule.id) ?? 0): Promise<unknown> {
    const doc: RuleDoc = { _id: `rule:${rule.id}`, kind: 'rule', schema: RULES_SCHEMA, rule, seq, hits };
    return this.db.put(doc);
  }

  private async flushHits(): Promise<void> {
    this.hitsTimer = undefined;
    const ids = [...this.dirtyHits];
    this.dirtyHits.clear();
    if (ids.length === 0 || this.disposed) return;
    const shared = this.sharedHits;
    if (shared) {
      const deltas = new Map(this.unsentHits);
      this.unsentHits.clear();
      try {
        await this.inHitsOrder(async () => this.applyTotals(await shared.add(deltas)));
      } catch {
        // Kept for the next flush (the database restarting): no hit is lost.
        for (const [id, n] of deltas) this.unsentHits.set(id, (this.unsentHits.get(id) ?? 0) + n);
        for (const id of ids) this.dirtyHits.add(id);
        if (!this.disposed) this.hitsTimer ??= setTimeout(() => void this.flushHits(), HITS_FLUSH_MS);
        return;
      }
    } else {
      await Promise.all(ids.map((id) => this.db.setHits?.(id, this.hits.get(id) ?? 0)));
    }
    this._onDidChange.fire(this.state());
  }

  /** Every node's totals plus this node's hits not sent yet; true when a count changed. */
  private applyTotals(totals: ReadonlyMap<string, number>): boolean {
    let changed = false;
    for (const { rule } of this.rules) {
      const hits = (totals.get(rule.id) ?? 0) + (this.unsentHits.get(rule.id) ?? 0);
      if ((this.hits.get(rule.id) ?? 0) === hits) continue;
      changed = true;
      if (hits === 0) this.hits.delete(rule.id);
      else this.hits.set(rule.id, hits);
    }
    return changed;
  }

  /** Another node added hits: read the totals again. A failed read waits for the next change or flush. */
  private refreshHits(): void {
    const shared = this.sharedHits;
    if (!shared || this.disposed) return;
    this.inHitsOrder(async () => {
      if (this.applyTotals(await shared.totals()) && !this.disposed) this._onDidChange.fire(this.state());
    }).catch(() => {});
  }

  private inHitsOrder<T>(work: () => Promise<T>): Promise<T> {
    const run = this.hitsOrder.then(work);
    this.hitsOrder = run.catch(() => {});
    return run;
  }

  /** Drops counts of rules saved again or deleted (on every node when the counters are shared). */
  private async forgetHits(ids: string[]): Promise<void> {
    for (const id of ids) {
      this.hits.delete(id);
      this.dirtyHits.delete(id);
      this.unsentHits.delete(id);
    }
    const shared = this.sharedHits;
    if (shared) await this.inHitsOrder(() => shared.reset(ids));
  }

  private sort(): void {
    this.rules.sort((a, b) => a.rule.priority - b.rule.priority || a.seq - b.seq);
  }

  private rebuild(fire = true): void {
    this.snapshot = new RuleSet(
      this.rules.map((r) => r.rule),
      this.profileList(),
      this.hits,
    );
    if (fire) this._onDidChange.fire(this.state());
  }

  private info(rule: Rule, profiles: DeviceProfile[]): RuleInfo {
    const hits = this.hits.get(rule.id) ?? 0;
    return { rule, hits, exhausted: rule.times !== undefined && hits >= rule.times, explanation: explainRule(rule, profiles) };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.ready;
      if (this.disposed) throw new ApiError('the rule store is closed', 'closed');
      return work();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Writes pending counters and compacts the file. */
  async close(): Promise<void> {
    if (this.disposed) return;
    await this.queue;
    if (this.hitsTimer) clearTimeout(this.hitsTimer);
    await this.ready.catch(() => {});
    await this.flushHits().catch(() => {});
    this.disposed = true;
    if (this.hitsTimer) clearTimeout(this.hitsTimer);
    await this.hitsOrder;
    await this.db.close();
    await this.sharedHits?.close();
    this._onDidChange.dispose();
  }

  dispose(): void {
    void this.close();
  }
}

/** Fills what a person leaving a field out means: a fresh id, enabled, every client. */
function withDefaults(input: unknown, id: () => string): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const o = input as Record<string, unknown>;
  return { ...o, id: o.id === undefined || o.id === '' ? id() : o.id, scope: o.scope ?? {} };
}
