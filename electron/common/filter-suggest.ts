/**
 * Autocomplete for the filter box: which keys (or which values after `is:`, `method:`, `status:`,
 * `type:`) fit the word under the cursor, and which span of the text a chosen option replaces.
 */
import { FILTER_KEYS, filterKeyByName, type FilterOption } from './filter-keys';

export interface FilterSuggestion {
  /** Replace text[from, to) with the chosen option's label. */
  from: number;
  to: number;
  options: FilterOption[];
}

const isBoundary = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '(' || c === ')';

const KEY_OPTIONS: readonly FilterOption[] = FILTER_KEYS.map((k) => ({ label: k.code, help: k.help }));

function insideQuotes(text: string, cursor: number): boolean {
  let open = false;
  for (let i = 0; i < cursor; i++) {
    if (text[i] === '\\' && open) i++;
    else if (text[i] === '"') open = !open;
  }
  return open;
}

export function suggestFilter(text: string, cursor: number): FilterSuggestion {
  const at = Math.max(0, Math.min(cursor, text.length));
  if (insideQuotes(text, at)) return { from: at, to: at, options: [] };
  let from = at;
  while (from > 0 && !isBoundary(text[from - 1])) from--;
  while (from < at && text[from] === '-') from++;
  let to = at;
  while (to < text.length && !isBoundary(text[to])) to++;
  const typed = text.slice(from, at);
  const colon = typed.indexOf(':');
  if (colon >= 0) {
    const values = filterKeyByName(typed.slice(0, colon))?.values;
    if (!values) return { from: at, to: at, options: [] };
    const prefix = typed.slice(colon + 1).toLowerCase();
    return { from: from + colon + 1, to, options: values.filter((v) => v.label.toLowerCase().startsWith(prefix)) };
  }
  const prefix = typed.toLowerCase();
  return { from, to, options: KEY_OPTIONS.filter((o) => o.label.startsWith(prefix)) };
}
