/**
 * Line diff of two text bodies for flows.diff, as hunks with a few lines of context (what a unified diff
 * shows), computed by the `diff` package (Myers' algorithm). Bounded: bodies above MAX_TEXT_DIFF_CHARS,
 * or so different that the edit script would exceed MAX_EDIT_LENGTH, are reported as differing without
 * hunks rather than stalling the caller.
 */
import { structuredPatch } from 'diff';

export interface TextLine {
  type: 'same' | 'added' | 'removed';
  text: string;
}

export interface TextHunk {
  /** 1-based first line of the hunk in a and b, and how many lines of each it covers. */
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  lines: TextLine[];
}

export interface TextDiff {
  hunks: TextHunk[];
  /** Set when no hunks were computed: the texts are too large, or too different to diff line by line. */
  skipped?: 'too-large' | 'too-different';
}

export const MAX_TEXT_DIFF_CHARS = 2 * 1024 * 1024;
export const MAX_EDIT_LENGTH = 20_000;

const TYPE = { ' ': 'same', '+': 'added', '-': 'removed' } as const;

export function diffText(a: string, b: string, context = 3): TextDiff {
  if (a === b) return { hunks: [] };
  if (a.length > MAX_TEXT_DIFF_CHARS || b.length > MAX_TEXT_DIFF_CHARS) return { hunks: [], skipped: 'too-large' };
  const patch = structuredPatch('a', 'b', a, b, undefined, undefined, { context, maxEditLength: MAX_EDIT_LENGTH });
  if (!patch) return { hunks: [], skipped: 'too-different' };
  return {
    hunks: patch.hunks.map((h) => ({
      aStart: h.oldStart,
      aLines: h.oldLines,
      bStart: h.newStart,
      bLines: h.newLines,
      // "\ No newline at end of file" markers are the patch format's, not the bodies'.
      lines: h.lines.filter((l) => l[0] in TYPE).map((l) => ({ type: TYPE[l[0] as keyof typeof TYPE], text: l.slice(1) })),
    })),
  };
}
