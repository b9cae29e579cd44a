// Message text as the thread shows it: HTML-escaped first, then WhatsApp's own formatting
// (*bold*, _italic_, ~strike~, ```monospace```), clickable http(s) links (never javascript: or
// anything else), and line breaks. Only tags this function writes can appear in the output.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/** richText turns message text into safe HTML for a chat bubble. */
export function richText(text: string | null | undefined): string {
  if (!text) return '';
  const links: string[] = [];
  // Links are cut out before formatting so an underscore in a URL does not become italics.
  const withTokens = text.replace(URL_RE, (url) => {
    links.push(url);
    return `\u0000${links.length - 1}\u0000`;
  });
  let html = escapeHtml(withTokens);
  html = html.replace(/```([\s\S]+?)```/g, '<code>$1</code>');
  html = html.replace(/(^|[\s(])\*(?!\s)([^*\n]+?)\*(?=[\s).,!?:;]|$)/g, '$1<strong>$2</strong>');
  html = html.replace(/(^|[\s(])_(?!\s)([^_\n]+?)_(?=[\s).,!?:;]|$)/g, '$1<em>$2</em>');
  html = html.replace(/(^|[\s(])~(?!\s)([^~\n]+?)~(?=[\s).,!?:;]|$)/g, '$1<s>$2</s>');
  html = html.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => {
    const url = escapeHtml(links[Number(i)]);
    return `<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${url}</a>`;
  });
  return html.replace(/\r?\n/g, '<br>');
}

/** humanSize writes a byte count as people read it (12 KB, 3.4 MB). */
export function humanSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
