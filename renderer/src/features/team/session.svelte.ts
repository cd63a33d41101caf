/**
 * Who is signed in (session.get) and which flows the list shows: in team mode a user with bound devices
 * starts on "My devices" (their addresses), one click from everyone's. Single-user mode shows nothing new.
 * The filter bar adds the scope to the typed expression (deviceScopedFilter), so the list, exports and
 * reports all see the same flows.
 */
import type { ApiClient } from '../../../../electron/common/api';
import { deviceScopedFilter, type SessionInfo } from '../../../../electron/common/users';
import type { FilterBarState } from '../../lib/state/filter-bar.svelte';
import type { FlowListState } from '../../lib/state/flow-list.svelte';

export class SessionState {
  info = $state.raw<SessionInfo | null>(null);
  /** 'mine': only the signed-in user's devices; 'everyone': every flow. */
  view = $state<'mine' | 'everyone'>('mine');
  #chose = false;
  #loaded = false;

  constructor(
    private readonly client: ApiClient,
    private readonly list: FlowListState,
    private readonly filterBar: FilterBarState,
  ) {}

  get devices(): string[] {
    return this.info?.user?.devices ?? [];
  }

  /** The client addresses the list is limited to, or null for everyone's flows. */
  get scope(): string[] | null {
    return this.view === 'mine' && this.devices.length > 0 ? this.devices : null;
  }

  /** The filter bar's valid expression with the scope added. */
  scoped(typed: string): string {
    return deviceScopedFilter(typed, this.scope);
  }

  async load(): Promise<void> {
    try {
      this.info = await this.client.call('session.get', {});
    } catch {
      // A server from before team mode: nobody is signed in by name.
      this.info = { team: false, user: null };
    }
    // The first load picks the default; later loads (a device bound meanwhile) keep the user's choice.
    if (!this.#chose) this.view = this.devices.length > 0 ? 'mine' : 'everyone';
    if (this.#loaded) return;
    this.#loaded = true;
    // The first page is loaded here, already scoped (App leaves it to the session), so a member never
    // sees everyone's flows flash by; the filter bar applies later changes.
    const before = this.list.filter;
    await this.list.setFilter(this.scoped(this.filterBar.check.composed ?? ''));
    if (this.list.filter === before) await this.list.reload();
  }

  choose(view: 'mine' | 'everyone'): void {
    this.#chose = true;
    this.view = view;
  }
}
