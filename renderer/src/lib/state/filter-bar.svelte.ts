/** What the user typed in the filter bar, and whether it composes into a valid expression. */
import { composeFilter, type FilterParts } from '../filter/compose';

export class FilterBarState {
  expression = $state('');
  ip = $state('');
  url = $state('');
  readonly check = $derived(composeFilter({ expression: this.expression, ip: this.ip, url: this.url }));

  get parts(): FilterParts {
    return { expression: this.expression, ip: this.ip, url: this.url };
  }

  set(parts: FilterParts): void {
    this.expression = parts.expression;
    this.ip = parts.ip;
    this.url = parts.url;
  }

  clear(): void {
    this.set({ expression: '', ip: '', url: '' });
  }

  get empty(): boolean {
    return !this.expression.trim() && !this.ip.trim() && !this.url.trim();
  }
}
