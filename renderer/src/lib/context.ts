/** The app's services, handed to components through one typed context (set once in App.svelte). */
import { createContext } from 'svelte';
import type { Backend } from './api/connection';
import type { ConnectionStatus } from './state/connection.svelte';
import type { DetailState } from './state/detail.svelte';
import type { FilterBarState } from './state/filter-bar.svelte';
import type { FlowListState } from './state/flow-list.svelte';
import type { SavedFiltersState } from './state/saved-filters.svelte';
import type { StatusState } from './state/status.svelte';

export interface AppContext {
  backend: Backend;
  connection: ConnectionStatus;
  list: FlowListState;
  detail: DetailState;
  status: StatusState;
  filterBar: FilterBarState;
  savedFilters: SavedFiltersState;
}

export const [getApp, setApp] = createContext<AppContext>();
