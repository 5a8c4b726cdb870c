import { translatorFor, type Translator } from '../../i18n/translator.ts';
/**
 * The blog's Atom feed (RFC 4287) at /blog/feed.xml: the latest Published posts, absolute links
 * built on BASE_URL, every text XML-escaped. Entry ids are tag: URIs (RFC 4151) on the post's id,
 * so a reader keeps an entry as the same one whatever happens to its title or slug.
 */

export interface FeedEntry {
  id: string;
  title: string;
  slug: string;
  excerpt: string | null;
  publishedAt: Date | string | null;
  createdAt: Date | string;
  authorFirstName: string;
  authorLastName: string | null;
  categoryName: string | null;
}

// Characters XML 1.0 does not allow at all (C0 controls but tab, newline, carriage return; lone surrogates; U+FFFE/U+FFFF).
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for an XML element or a double-quoted attribute. */
export function xmlEscape(value: string): string {
  return value
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** `tag:<host>,<date the post was created>:blog/<id>`. */
function entryId(host: string, post: FeedEntry): string {
  return `tag:${host},${iso(post.createdAt).slice(0, 10)}:blog/${post.id}`;
}

/** The feed's own title and subtitle in `tr`'s language (xml:lang says which); the posts as their authors wrote them. */
export function atomFeed(baseUrl: string, posts: FeedEntry[], now = new Date(), tr: Translator = translatorFor('en')): string {
  const host = new URL(baseUrl).hostname;
  const updated = posts.length ? iso(posts[0]!.publishedAt ?? posts[0]!.createdAt) : iso(now);
  const entries = posts.map((post) => {
    const link = `${baseUrl}/blog/${encodeURIComponent(post.slug)}`;
    const date = iso(post.publishedAt ?? post.createdAt);
    const author = [post.authorFirstName, post.authorLastName].filter(Boolean).join(' ');
    return [
      '  <entry>',
      `    <title type="text">${xmlEscape(post.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlEscape(link)}"/>`,
      `    <id>${xmlEscape(entryId(host, post))}</id>`,
      `    <published>${date}</published>`,
      `    <updated>${date}</updated>`,
      `    <author><name>${xmlEscape(author)}</name></author>`,
      post.categoryName ? `    <category term="${xmlEscape(post.categoryName)}"/>` : '',
      post.excerpt ? `    <summary type="text">${xmlEscape(post.excerpt)}</summary>` : '',
      '  </entry>',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    tr.locale === 'en' ? '<feed xmlns="http://www.w3.org/2005/Atom">' : `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${tr.locale}">`,
    `  <title>${xmlEscape(tr.t('Edupeak blog'))}</title>`,
    `  <subtitle>${xmlEscape(tr.t('Posts from the Edupeak community'))}</subtitle>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(`${baseUrl}/blog/feed.xml`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlEscape(`${baseUrl}/blog`)}"/>`,
    `  <id>${xmlEscape(`${baseUrl}/blog`)}</id>`,
    `  <updated>${updated}</updated>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
