// Snippets with the matched words highlighted. Postgres' ts_headline marks the matches with two
// control characters that cannot come from the text (repo.ts strips them from it first); the
// snippet is HTML-escaped as a whole and only then are the markers turned into <mark> tags, so
// nothing a customer wrote is ever interpreted as HTML. ts_headline also drops anything that
// looks like an HTML tag or entity, so repo.ts hands it < > & as private-use characters, which
// are turned back (escaped) here.

/** The markers ts_headline puts around a match (StartSel / StopSel). */
export const START_MARK = '\u0002';
export const STOP_MARK = '\u0003';

/** How repo.ts hides < > & from ts_headline (which drops what looks like HTML tags or entities). */
export const HIDDEN_CHARS: Record<string, string> = { '\uE000': '<', '\uE001': '>', '\uE002': '&' };

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\uE000': '&lt;',
  '\uE001': '&gt;',
  '\uE002': '&amp;',
};

/** highlightedHtml escapes a marked snippet and turns its markers into balanced <mark> elements. */
export function highlightedHtml(snippet: string): string {
  let open = false;
  let html = '';
  for (const ch of snippet) {
    if (ch === START_MARK) {
      if (!open) html += '<mark>';
      open = true;
    } else if (ch === STOP_MARK) {
      if (open) html += '</mark>';
      open = false;
    } else {
      html += HTML_ESCAPES[ch] ?? ch;
    }
  }
  return open ? `${html}</mark>` : html;
}

/** plainSnippet drops the markers: the snippet as plain text. */
export function plainSnippet(snippet: string): string {
  return snippet.replace(/[\u0002\u0003]/g, '').replace(/[\uE000-\uE002]/g, (ch) => HIDDEN_CHARS[ch]);
}
