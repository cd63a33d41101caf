/**
 * JSON path patterns for `--ignore`: `$.data.*.updatedAt`, `$.items[*].id`, `$["odd key"]`, `$.list[0]`.
 * A pattern matches a path (as electron/common/diff-json.ts writes them: `$.data[3].updatedAt`) when its
 * segments match the path's first segments one by one, `*` matching any single key or index; so `$.meta`
 * also covers every change inside `$.meta`.
 */

type Segment = string | number | '*';

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

/** The segments of a path or pattern; throws JsonPathError naming the first thing it cannot read. */
export function parseJsonPath(text: string): Segment[] {
  if (!text.startsWith('$')) throw new JsonPathError(`a JSON path starts with $ (got '${text}')`);
  const segments: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.(\*|[A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest))) {
      segments.push(m[1]);
    } else if ((m = /^\[(\*|\d+)\]/.exec(rest))) {
      segments.push(m[1] === '*' ? '*' : Number(m[1]));
    } else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) {
      segments.push(JSON.parse(m[1]) as string);
    } else {
      throw new JsonPathError(`cannot read the JSON path '${text}' at '${rest.slice(0, 20)}'`);
    }
    i += m[0].length;
  }
  return segments;
}

export function jsonPathMatches(pattern: readonly Segment[], path: string): boolean {
  let segments: Segment[];
  try {
    segments = parseJsonPath(path);
  } catch {
    return false;
  }
  if (segments.length < pattern.length) return false;
  return pattern.every((p, i) => p === '*' || p === segments[i]);
}
