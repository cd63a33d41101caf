/**
 * One copy of each text many stored flows repeat (issue 16, memory at the cap). Every summary the store keeps
 * (summaries.ts: 60,000 at the default cap) held its own copy of its host, content type and User-Agent: the
 * HTTP parser makes new strings for every request's fields, and the summary keeps whichever it was given, so
 * 60,000 flows from one browser kept 60,000 copies of the same 120-character User-Agent. Looked up here, equal
 * values share one string.
 *
 * Bounded: once it knows MAX_VALUES values it starts over (summaries keep the strings they have; new ones
 * are shared again from then on), so a stream of distinct values costs at most that many entries. Values over
 * MAX_LENGTH are left alone: long values are seldom repeated.
 */
const MAX_VALUES = 4_096;
const MAX_LENGTH = 1_024;

export class SharedStrings {
  private readonly known = new Map<string, string>();

  /** The shared copy of `value` (which becomes it when it is new). */
  of(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const shared = this.known.get(value);
    if (shared !== undefined) return shared;
    if (this.known.size >= MAX_VALUES) this.known.clear();
    this.known.set(value, value);
    return value;
  }
}
