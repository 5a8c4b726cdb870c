/**
 * Comments are plain text ("Markdown-lite"): everything is escaped, blank lines make paragraphs,
 * single line breaks stay, and http(s) addresses become links (rel="nofollow noopener ugc"). No
 * markup a commenter types ever reaches the page as markup: `<a>`, `hx-post=`, `javascript:` are
 * text. The result is safe to output unescaped (`<%~ %>`).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

// An address starts at a word boundary with http:// or https:// and runs to whitespace or a
// character that never belongs in one as people type it (quotes, angle brackets).
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends the sentence, not the address: "see https://x.org/a." or "(https://x.org)".
const TRAILING = /[.,;:!?)\]}*_~]+$/;

function linkLine(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate)?.[0] ?? '';
    // Keep a closing parenthesis that closes one inside the address (Wikipedia links).
    let keep = trailing;
    if (trailing.startsWith(')') && (candidate.match(/\(/g)?.length ?? 0) > 0) keep = trailing.slice(1);
    candidate = candidate.slice(0, candidate.length - keep.length);
    const start = match.index;
    let href: string | undefined;
    try {
      const url = new URL(candidate);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) href = url.href;
    } catch {
      href = undefined;
    }
    if (!href) continue;
    out += escapeHtml(line.slice(last, start));
    out += `<a href="${escapeHtml(href)}" rel="nofollow noopener ugc">${escapeHtml(candidate)}</a>`;
    last = start + candidate.length;
  }
  return out + escapeHtml(line.slice(last));
}

/** Plain text to safe HTML: <p> per paragraph, <br> per line break, http(s) links clickable. */
export function linkify(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter(Boolean);
  return paragraphs.map((p) => `<p>${p.split('\n').map(linkLine).join('<br>\n')}</p>`).join('\n');
}
