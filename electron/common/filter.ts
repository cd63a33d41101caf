/**
 * The filter language: one grammar for the UI's filter box, the API (`flows.query`) and the CLI
 * (`--filter`). Pure: parsed and evaluated against FlowSummary without Node or DOM. docs/FILTERS.md is
 * the user's guide; filter-keys.ts holds the vocabulary it is generated from.
 *
 * Example: `host:*.example.com status:5xx or is:error -method:OPTIONS`
 */
import type { FlowSummary } from './flow';
import { parse, type FilterNode } from './filter-parse';

export { FilterError, formatFilterError } from './filter-error';
export { FILTER_KEYS, FILTER_OPERATORS, IS_VALUES, filterHelpMarkdown } from './filter-keys';
export type { FilterKeyInfo, FilterKeyName, FilterOption, FilterOperatorInfo, IsValue } from './filter-keys';
export type { FilterOp } from './filter-lex';
export type { FilterNode, FilterTermNode } from './filter-parse';
export { suggestFilter, type FilterSuggestion } from './filter-suggest';

export type FlowPredicate = (s: FlowSummary) => boolean;

/** Parses an expression into its plain-data tree; throws FilterError pointing at the bad token. */
export function parseFilter(text: string): FilterNode {
  return parse(text).node;
}

// The list re-filters with the same few expressions as the user types and pages: keep the last ones.
const CACHE_SIZE = 16;
const cache = new Map<string, FlowPredicate>();

/** A predicate for the expression (empty = match all), cached; throws FilterError when it is bad. */
export function compileFilter(text: string): FlowPredicate {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const test = parse(text).test;
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(text, test);
  return test;
}
