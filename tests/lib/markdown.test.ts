import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitizeUserHtml } from '../../src/lib/markdown.ts';

/**
 * User text goes out raw (<%~ %>) once rendered: whatever is typed, nothing that runs, restyles,
 * or drives htmx may come out, and the Markdown a teacher writes still looks as they meant.
 */

/** Every tag name and attribute name in an HTML string. */
function tagsAndAttributes(html: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  for (const [, name, rest] of html.matchAll(/<([a-zA-Z0-9]+)([^>]*)>/g)) {
    tags.add(name!.toLowerCase());
    for (const [, attr] of rest!.matchAll(/\s([^\s=/>]+)(?:=("[^"]*"|'[^']*'|[^\s>]*))?/g)) attributes.add(attr!.toLowerCase());
  }
  return { tags, attributes };
}

const ALLOWED_TAGS = new Set(['p', 'h2', 'h3', 'h4', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'em', 'strong', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'br']);
const ALLOWED_ATTRIBUTES = new Set(['href', 'rel', 'src', 'alt', 'title', 'loading', 'start', 'class', 'tabindex']);

function expectSafe(html: string) {
  const { tags, attributes } = tagsAndAttributes(html);
  for (const tag of tags) expect(ALLOWED_TAGS, `<${tag}> in ${html}`).toContain(tag);
  for (const attr of attributes) expect(ALLOWED_ATTRIBUTES, `${attr}= in ${html}`).toContain(attr);
  // Inside tags only: the same words as text ("[click](javascript:...)" left as typed) are harmless.
  for (const [, value] of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) expect(value).toMatch(/^(https?:\/\/[^/]|mailto:|\/[^/\\]|#|[^:/?#]*(?:[/?#]|$))/i);
  for (const [, value] of html.matchAll(/\sclass="([^"]*)"/g)) expect(value).toMatch(/^language-[\w-]+$/);
  // Ours, on code blocks only (a keyboard scrolls them): never a value from the source.
  for (const m of html.matchAll(/<(\w+)[^>]*\stabindex="([^"]*)"/g)) expect(`${m[1]} ${m[2]}`).toBe('pre 0');
}

describe('renderMarkdown: what a teacher writes', () => {
  it('paragraphs, headings (h2-h4: the page has the h1), emphasis, lists, quotes, rules and line breaks', () => {
    const html = renderMarkdown('# Big\n\n## Part\n\n#### Small\n\n###### Tiny\n\nSome *em* and **strong**.\n\n1. one\n2. two\n\n- a\n- b\n\n> said\n\n---\n\nline  \nbreak');
    expect(html).toContain('<h2>Big</h2>');
    expect(html).toContain('<h2>Part</h2>');
    expect(html).toContain('<h4>Small</h4>');
    expect(html).toContain('<h4>Tiny</h4>');
    expect(html).not.toMatch(/<h1|<h5|<h6/);
    expect(html).toContain('<p>Some <em>em</em> and <strong>strong</strong>.</p>');
    expect(html).toMatch(/<ol>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ol>/);
    expect(html).toMatch(/<ul>\s*<li>a<\/li>/);
    expect(html).toMatch(/<blockquote>\s*<p>said<\/p>\s*<\/blockquote>/);
    expect(html).toContain('<hr />');
    expect(html).toContain('line<br />');
    expectSafe(html);
  });

  it('code blocks keep their language class and escape their content', () => {
    const html = renderMarkdown('```python\nif a < b and c > d:\n    print("<b>")\n```\n\nInline `x < y`.');
    expect(html).toContain('<pre tabindex="0"><code class="language-python">if a &lt; b and c &gt; d:\n    print("&lt;b&gt;")\n</code></pre>');
    expect(html).toContain('<code>x &lt; y</code>');
    expectSafe(html);
  });

  it('tables, without the alignment styles', () => {
    const html = renderMarkdown('| Item | Price |\n|:-----|------:|\n| Tea | 2.50 |');
    expect(html).toMatch(/<table>\s*<thead>\s*<tr>\s*<th>Item<\/th>\s*<th>Price<\/th>/);
    expect(html).toMatch(/<td>Tea<\/td>\s*<td>2.50<\/td>/);
    expect(html).not.toContain('style');
    expectSafe(html);
  });

  it('links: http(s), mailto and paths on this site, with rel="nofollow noopener" and no target; bare URLs are linked', () => {
    const html = renderMarkdown('[a](https://example.com/x?y=1) [b](mailto:me@example.com) [c](/courses/web) [d](#part-2) see http://example.org');
    expect(html).toContain('<a href="https://example.com/x?y=1" rel="nofollow noopener">a</a>');
    expect(html).toContain('<a href="mailto:me@example.com" rel="nofollow noopener">b</a>');
    expect(html).toContain('<a href="/courses/web" rel="nofollow noopener">c</a>');
    expect(html).toContain('<a href="#part-2" rel="nofollow noopener">d</a>');
    expect(html).toContain('<a href="http://example.org" rel="nofollow noopener">http://example.org</a>');
    expect(html).not.toContain('target');
  });

  it('images only from our own /media paths, and only those the caller allows; lazy', () => {
    const own = '/media/attachments/2026/11/0b9f3c1e-1b7a-4c62-9d55-1f1b2f0f0a11.png';
    const html = renderMarkdown(`![diagram](${own}) ![x](https://evil.example/x.png) ![y](/media/../../etc/passwd) ![z](//evil.example/z.png) ![w](data:image/png;base64,AAAA)`);
    expect(html).toContain(`<img src="${own}" alt="diagram" loading="lazy" />`);
    expect(html.match(/<img/g)).toHaveLength(1);
    const narrowed = renderMarkdown(`![diagram](${own}) ![other](/media/attachments/2026/11/other.png)`, { allowImage: (src) => src === own });
    expect(narrowed.match(/<img/g)).toHaveLength(1);
    expect(narrowed).not.toContain('other.png');
    // A known size becomes width and height (and only ours: typed ones are dropped).
    const sized = renderMarkdown(`![diagram](${own})`, { allowImage: () => ({ width: 800, height: 450 }) });
    expect(sized).toBe(`<p><img src="${own}" alt="diagram" width="800" height="450" loading="lazy" /></p>`);
    expect(sanitizeUserHtml(`<img src="${own}" width="9999" height="1">`)).toBe(`<img src="${own}" alt="" loading="lazy" />`);
  });

  it('CRLF line endings read as LF', () => {
    expect(renderMarkdown('a\r\n\r\nb')).toBe('<p>a</p>\n<p>b</p>');
  });
});

describe('renderMarkdown: nasty input comes out inert', () => {
  const nasty: Array<[string, string]> = [
    ['a script tag', '<script>alert(1)</script>'],
    ['a split script tag', '<scr<script>ipt>alert(1)</scr</script>ipt>'],
    ['an image with onerror', '<img src=x onerror=alert(1)>'],
    ['an svg with onload', '<svg onload=alert(1)><circle r=1></circle></svg>'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>'],
    ['htmx attributes', '<div hx-get="/account/sessions/others/revoke" hx-trigger="load">x</div>'],
    ['data-hx attributes', '<p data-hx-post="/teach/lessons/x/delete" data-hx-trigger="load">x</p>'],
    ['a style attribute', '<p style="position:fixed;inset:0;background:red">x</p>'],
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['a mixed-case javascript: link', '[click](JaVaScRiPt:alert(1))'],
    ['an entity-encoded javascript: link', '[click](&#106;avascript:alert(1))'],
    ['a javascript: link with a tab', '[click](java\tscript:alert(1))'],
    ['a javascript: autolink', '<javascript:alert(1)>'],
    ['a vbscript: link', '[click](vbscript:msgbox(1))'],
    ['a data: link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['a javascript: image', '![x](javascript:alert(1))'],
    ['a title breaking out of its attribute', '[x](https://example.com "a\\" onmouseover=\\"alert(1)")'],
    ['an image alt breaking out', '![a" onerror="alert(1)](/media/thumbnails/2026/11/x.webp)'],
    ['an info string with attributes', '```js" onclick="alert(1)\ncode\n```'],
    ['a reference link to javascript:', '[x][1]\n\n[1]: javascript:alert(1)'],
    ['html inside a table cell', '| a |\n|---|\n| <img src=x onerror=alert(1)> |'],
    ['a form', '<form action="/auth/logout" method="post"><button>Go</button></form>'],
    ['a meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example">'],
    ['a base tag', '<base href="https://evil.example/">'],
  ];

  it.each(nasty)('%s', (_name, source) => {
    const html = renderMarkdown(source);
    expectSafe(html);
    expect(html).not.toMatch(/<(script|svg|iframe|div|form|button|meta|base|style)\b/i);
  });

  it('protocol-relative and backslash links do not leave the site', () => {
    const html = renderMarkdown('[a](//evil.example) [b](/\\evil.example) [c](https:evil.example)');
    expect(html).not.toMatch(/href="\/\/|href="\/\\|href="https:evil/);
    expectSafe(html);
  });
});

describe('sanitizeUserHtml: the allow-list, whatever HTML reaches it', () => {
  it('drops what is not allowed and keeps the text', () => {
    const html = sanitizeUserHtml(
      '<div class="card" style="color:red" hx-get="/x" data-hx-post="/y" onclick="alert(1)"><p id="p" class="lead">Hello <span>world</span></p></div>' +
        '<script>alert(1)</script><style>body{display:none}</style><iframe src="https://evil.example"></iframe><h1 onmouseover="x">Title</h1>',
    );
    expect(html).toBe('<p>Hello world</p><h2>Title</h2>');
  });

  it('links: unsafe targets lose their href, safe ones get rel and no target', () => {
    const html = sanitizeUserHtml(
      '<a href="javascript:alert(1)" target="_blank">a</a><a href=" JAVASCRIPT:alert(1)">b</a><a href="//evil.example">c</a><a href="https://ok.example" target="_top" rel="opener">d</a><a href="/x" hx-post="/y">e</a>',
    );
    expect(html).toBe('<a>a</a><a>b</a><a>c</a><a href="https://ok.example" rel="nofollow noopener">d</a><a href="/x" rel="nofollow noopener">e</a>');
  });

  it('images: /media paths only, nothing but src, alt, title and loading', () => {
    const html = sanitizeUserHtml(
      '<img src="/media/thumbnails/2026/11/a.webp" alt="A" onerror="alert(1)" width="9999" style="x" data-src="y"><img src="https://evil.example/t.gif"><img src="javascript:alert(1)"><img src="/media/a b.png">',
    );
    expect(html).toBe('<img src="/media/thumbnails/2026/11/a.webp" alt="A" loading="lazy" />');
  });

  it('classes: language-* on code only', () => {
    expect(sanitizeUserHtml('<pre class="x" tabindex="-1"><code class="language-js hljs evil">1</code></pre><p class="language-js">p</p>')).toBe(
      '<pre tabindex="0"><code class="language-js">1</code></pre><p>p</p>',
    );
  });

  it('nested and malformed tricks', () => {
    const cases = [
      '<<script>script>alert(1)<</script>/script>',
      '<scr<script>ipt>alert(1)</script>',
      '<p><svg><p><style><img src=x onerror=alert(1)></style></p></svg></p>',
      '<math><mi><table><mglyph><style><img src=x onerror=alert(1)>',
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      '<a href="jav&#x09;ascript:alert(1)">x</a>',
      '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
      '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
    ];
    for (const source of cases) {
      const html = sanitizeUserHtml(source);
      expectSafe(html);
      expect(html, source).not.toMatch(/<(script|svg|style|math|noscript)\b/i);
    }
  });
});
