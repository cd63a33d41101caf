/**
 * Who is signed in (session.get) and which flows the list shows: in team mode a user with bound devices
 * starts on "My devices" (their addresses), one click from everyone's. Single-user mode shows nothing new.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { SessionInfo } from '../../../../electron/common/users';
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
  ) {}

  get devices(): string[] {
    return this.info?.user?.devices ?? [];
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
    const before = this.list.filter;
    await this.apply();
    // The list loads its first page here (App leaves that to the session, so it loads once, scoped).
    if (!this.#loaded && this.list.filter === before) await this.list.reload();
    this.#loaded = true;
  }

  choose(view: 'mine' | 'everyone'): Promise<void> {
    this.#chose = true;
    this.view = view;
    return this.apply();
  }

  private apply(): Promise<void> {
    return this.list.setScope(this.view === 'mine' ? this.devices : null);
  }
}
