/**
 * Syntax highlighting for HTML, XML, JavaScript and CSS bodies: highlight.js core with only those
 * languages registered (no auto-detection, no eval). Its output escapes the source text, so it is
 * safe to insert as HTML. Very large bodies are shown plain: colouring megabytes freezes the window.
 */
import hljs from 'highlight.js/lib/core';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import xml from 'highlight.js/lib/languages/xml';

hljs.registerLanguage('xml', xml);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('css', css);

export const HIGHLIGHT_LIMIT = 512 * 1024;

export type HighlightLanguage = 'xml' | 'javascript' | 'css';

/** Highlighted HTML, or undefined when the text is too large to colour. */
export function highlight(text: string, language: HighlightLanguage): string | undefined {
  if (text.length > HIGHLIGHT_LIMIT) return undefined;
  return hljs.highlight(text, { language, ignoreIllegals: true }).value;
}

/** Indents minified XML/HTML so it can be read; leaves already-formatted text alone. */
export function prettyMarkup(text: string): string {
  if (text.length > HIGHLIGHT_LIMIT || text.split('\n').length > 3) return text;
  let depth = 0;
  const out: string[] = [];
  for (const part of text.replace(/>\s*</g, '>\n<').split('\n')) {
    const closing = /^<\//.test(part);
    const selfContained = /^<[^!?/][^>]*>.*<\/[^>]+>$/.test(part) || /\/>$/.test(part) || /^<[!?]/.test(part);
    const voidTag = /^<(area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b/i.test(part);
    if (closing) depth = Math.max(0, depth - 1);
    out.push('  '.repeat(depth) + part);
    if (!closing && !selfContained && !voidTag && part.startsWith('<')) depth++;
  }
  return out.join('\n');
}
