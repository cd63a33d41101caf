/**
 * Saved filters, persisted in this browser profile's localStorage (per origin: the Electron window and
 * each `hindsight serve` UI port keep their own list). They are UI preferences, not captured data, so
 * they do not go through the API; moving them into the core's settings store would share them between
 * shells.
 */
import type { FilterParts } from '../filter/compose';

export interface SavedFilter extends FilterParts {
  name: string;
}

const KEY = 'hindsight.savedFilters.v1';

function read(storage: Storage | undefined): SavedFilter[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((f): f is SavedFilter => !!f && typeof f.name === 'string' && typeof f.expression === 'string')
      .map((f) => ({ name: f.name, expression: f.expression, ip: typeof f.ip === 'string' ? f.ip : '', url: typeof f.url === 'string' ? f.url : '' }));
  } catch {
    return []; // A hand-edited or foreign value is not worth failing the app over.
  }
}

export class SavedFiltersState {
  items = $state<SavedFilter[]>([]);

  constructor(private readonly storage: Storage | undefined) {
    this.items = read(storage);
  }

  /** Saves under `name`, replacing a filter of the same name. */
  save(filter: SavedFilter): void {
    const name = filter.name.trim();
    if (!name) return;
    this.items = [...this.items.filter((f) => f.name !== name), { ...filter, name }].sort((a, b) => a.name.localeCompare(b.name));
    this.#write();
  }

  remove(name: string): void {
    this.items = this.items.filter((f) => f.name !== name);
    this.#write();
  }

  #write(): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify(this.items));
    } catch {
      // Storage full or disabled: the list still works for this session.
    }
  }
}
