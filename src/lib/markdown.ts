import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * User-written text in Markdown, rendered once (at save) to HTML that is safe to output raw.
 *
 * Two layers: markdown-it with raw HTML off (`<script>` typed in a lesson stays text), then
 * sanitize-html with a strict allow-list, so that whatever markdown-it ever emits (a bug, a
 * plugin, a future option) only known tags and attributes reach a page: paragraphs, h2-h4
 * (a page's h1 is its title: `#` becomes h2, `#####` h4), lists, quotes, code, tables, links
 * (http, https, mailto and paths on this site, with rel="nofollow noopener") and images from our
 * own /media. No classes but `language-*` on code, no style, no event handlers, no hx-* or data-*;
 * the one attribute of ours is tabindex="0" on code blocks (a keyboard scrolls them).
 * Pages still put the result inside an `hx-disable` element (DESIGN.md).
 *
 * Used by lessons (features/teaching); meant for blog posts and announcements too.
 */

/** Longest source accepted, in characters (a long chapter of a book is ~60,000). */
export const MARKDOWN_MAX_CHARS = 100_000;

/** An image's size in pixels: set as width and height, so the page does not jump as it loads. */
export interface ImageSize {
  width: number;
  height: number;
}

export interface MarkdownOptions {
  /**
   * Whether an image may show, given its `src` as written: false, true, or its size. The default
   * allows paths of our own stored files (`/media/<key>`); callers narrow it (a lesson: only its
   * course's files). Images refused are dropped.
   */
  allowImage?: (src: string) => boolean | ImageSize;
}

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: false });

/** A stored file of ours, by path: `/media/` then a key as storage/newKey makes them. */
const MEDIA_PATH = /^\/media\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
export const isMediaPath = (src: string): boolean => MEDIA_PATH.test(src) && !src.includes('..');

/**
 * A link target we accept: http(s), mailto, or a path on this site ("/courses", "#part-2", "notes").
 * Never "//host" or "/\host" (another host to a browser), never another scheme.
 */
function isSafeHref(href: string): boolean {
  if (/[\x00-\x20\\]/.test(href)) return false;
  if (/^(https?:\/\/[^/]|mailto:)/i.test(href)) return true;
  if (href.startsWith('//')) return false;
  // A relative reference: a colon before any / ? # would make it a scheme ("javascript:").
  return !/^[^/?#]*:/.test(href);
}

const HEADING: Record<string, string> = { h1: 'h2', h2: 'h2', h3: 'h3', h4: 'h4', h5: 'h4', h6: 'h4' };

function sanitizeOptions(allowImage: (src: string) => boolean | ImageSize): sanitizeHtml.IOptions {
  return {
    allowedTags: ['p', 'h2', 'h3', 'h4', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'em', 'strong', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'br'],
    allowedAttributes: { a: ['href', 'rel'], img: ['src', 'alt', 'title', 'width', 'height', 'loading'], ol: ['start'], code: ['class'], pre: ['tabindex'] },
    allowedClasses: { code: ['language-*'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    allowedStyles: {},
    // Anything else is dropped with its content when it can only be code, kept as text otherwise.
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
    transformTags: {
      ...Object.fromEntries(Object.entries(HEADING).map(([from, to]) => [from, sanitizeHtml.simpleTransform(to, {}, false)])),
      // A link we would not follow keeps its text and loses its target (a bare <a>: the tag's name
      // must not change conditionally, or sanitize-html closes later links with the wrong name).
      a: (tagName, attribs): sanitizeHtml.Tag => {
        const href = attribs.href ?? '';
        return { tagName, attribs: isSafeHref(href) ? { href, rel: 'nofollow noopener' } : {} };
      },
      // A code block scrolls sideways when a line is long (indentation must not wrap): tabindex="0"
      // lets a keyboard reach it and scroll it (WCAG 2.1.1; axe's scrollable-region-focusable).
      // Set here, never taken from the source.
      pre: (tagName): sanitizeHtml.Tag => ({ tagName, attribs: { tabindex: '0' } }),
      // One class, a plain language name ("language-python"), or none.
      code: (tagName, attribs): sanitizeHtml.Tag => {
        const language = (attribs.class ?? '').split(/\s+/).find((name) => /^language-[A-Za-z0-9_+#-]{1,30}$/.test(name));
        return { tagName, attribs: language ? { class: language } : {} };
      },
      // Rebuilt from scratch: only src, alt, title, our own width and height, and lazy loading.
      img: (tagName, attribs): sanitizeHtml.Tag => {
        const src = attribs.src ?? '';
        const size = isMediaPath(src) ? allowImage(src) : false;
        const dimensions: Record<string, string> =
          typeof size === 'object' && Number.isInteger(size.width) && Number.isInteger(size.height) ? { width: String(size.width), height: String(size.height) } : {};
        return { tagName, attribs: { src, alt: attribs.alt ?? '', ...(attribs.title ? { title: attribs.title } : {}), ...dimensions, loading: 'lazy' } };
      },
    },
    // An image from anywhere else is dropped whole.
    exclusiveFilter: (frame) => frame.tag === 'img' && !(isMediaPath(frame.attribs.src ?? '') && allowImage(frame.attribs.src ?? '') !== false),
  };
}

/** Any HTML through the allow-list above (what renderMarkdown does after markdown-it). */
export function sanitizeUserHtml(html: string, options: MarkdownOptions = {}): string {
  return sanitizeHtml(html, sanitizeOptions(options.allowImage ?? (() => true))).trim();
}

/** Markdown to safe HTML. Throws nothing for any input; the caller limits the size (MARKDOWN_MAX_CHARS). */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  // markdown-it's own link check refuses javascript:, vbscript:, file: and most data: URLs; the
  // allow-list is the rule that counts.
  return sanitizeUserHtml(md.render(source.replace(/\r\n?/g, '\n')), options);
}
