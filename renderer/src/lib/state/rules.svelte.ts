/**
 * The rules and device profiles as the UI shows them (rules.list, kept current by rules/changed), and the
 * calls that change them. Saves throw the API's ApiError unchanged: an 'invalid-rule' one carries
 * `fields`, which the editor shows next to each field.
 */
import type { ApiClient, ProfileShare } from '../../../../electron/common/api';
import type { DeviceProfile } from '../../../../electron/common/rule';
import type { ProfileDraft, RuleDraft, RuleInfo, RulesState } from '../../../../electron/common/rule-state';

export class RulesModel {
  state = $state.raw<RulesState | null>(null);
  error = $state<string | null>(null);
  readonly #subscriptions: (() => void)[];

  constructor(private readonly client: ApiClient) {
    this.#subscriptions = [
      client.on('rules/changed', (state) => {
        this.state = state;
      }),
    ];
  }

  get rules(): RuleInfo[] {
    return this.state?.rules ?? [];
  }

  get profiles(): DeviceProfile[] {
    return this.state?.profiles ?? [];
  }

  /** Rules that apply to every client or to listed clients (device profiles' rules are listed with their profile). */
  get sharedRules(): RuleInfo[] {
    return this.rules.filter((r) => r.rule.scope.profile === undefined);
  }

  get enabledCount(): number {
    return this.rules.filter((r) => r.rule.enabled).length;
  }

  find(id: string): RuleInfo | undefined {
    return this.rules.find((r) => r.rule.id === id);
  }

  async load(): Promise<void> {
    try {
      this.state = await this.client.call('rules.list', {});
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async save(rule: RuleDraft): Promise<RuleInfo> {
    const info = await this.client.call('rules.save', { rule });
    // rules/changed follows; reading the list now keeps the UI right even before it arrives.
    await this.load();
    return info;
  }

  async setEnabled(info: RuleInfo, enabled: boolean): Promise<void> {
    await this.save({ ...info.rule, enabled });
  }

  async remove(ids: string[]): Promise<void> {
    await this.client.call('rules.delete', { ids });
    await this.load();
  }

  /** Moves a rule one place up (-1) or down (+1) among `order` (the rules as listed). */
  async move(order: readonly RuleInfo[], id: string, delta: -1 | 1): Promise<void> {
    const ids = order.map((r) => r.rule.id);
    const from = ids.indexOf(id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to], ids[from]];
    await this.reorder(ids);
  }

  /** Puts `id` where `beforeId` is (drag and drop), among `order`. */
  async place(order: readonly RuleInfo[], id: string, beforeId: string | null): Promise<void> {
    const ids = order.map((r) => r.rule.id).filter((x) => x !== id);
    const at = beforeId === null ? ids.length : ids.indexOf(beforeId);
    ids.splice(at < 0 ? ids.length : at, 0, id);
    await this.reorder(ids);
  }

  async reorder(ids: string[]): Promise<void> {
    await this.client.call('rules.reorder', { ids });
    await this.load();
  }

  async saveProfile(profile: ProfileDraft): Promise<DeviceProfile> {
    const saved = await this.client.call('profiles.save', { profile });
    await this.load();
    return saved;
  }

  async removeProfile(id: string): Promise<void> {
    await this.client.call('profiles.delete', { id });
    await this.load();
  }

  async copyProfile(id: string, clients: string[], name?: string): Promise<DeviceProfile> {
    const copy = await this.client.call('profiles.copy', { id, clients, ...(name ? { name } : {}) });
    await this.load();
    return copy;
  }

  share(id: string, uiUrl?: string): Promise<ProfileShare> {
    return this.client.call('profiles.export', { id, ...(uiUrl ? { uiUrl } : {}) });
  }

  async importProfile(source: { document: unknown } | { link: string }, overrides: { clients?: string[]; name?: string } = {}): Promise<DeviceProfile> {
    const imported = await this.client.call('profiles.import', { ...source, ...overrides });
    await this.load();
    return imported;
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
  }
}
