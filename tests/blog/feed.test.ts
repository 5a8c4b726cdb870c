import { beforeEach, describe, expect, it } from 'vitest';
import { xmlEscape } from '../../src/features/blog/feed.ts';
import { useTestApp } from '../setup/app.ts';
import { createBlogCategory, createPost, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';

const t = useTestApp();

/**
 * A small well-formedness check (enough for what the feed writes): one XML declaration, tags
 * balanced and properly nested, attribute values double-quoted without `<` or a bare `&`, text
 * without `<`, and only the five predefined entities or numeric ones.
 */
function expectWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const stack: string[] = [];
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const bareAmp = (s: string) => s.replace(entity, '').includes('&');
  let roots = 0;
  for (const m of body.matchAll(/<([^>]*)>|([^<]+)/g)) {
    if (m[2] !== undefined) {
      expect(bareAmp(m[2]), `text ${m[2]}`).toBe(false);
      if (stack.length === 0) expect(m[2].trim(), 'text outside the root').toBe('');
      continue;
    }
    const tag = m[1]!;
    expect(tag.includes('<'), tag).toBe(false);
    if (tag.startsWith('/')) {
      expect(stack.pop(), `closing ${tag}`).toBe(tag.slice(1));
      continue;
    }
    const name = /^([A-Za-z_][\w.:-]*)/.exec(tag)?.[1];
    expect(name, `tag <${tag}>`).toBeTruthy();
    const attributes = tag.slice(name!.length).replace(/\/$/, '');
    const rest = attributes.replace(/\s+[A-Za-z_][\w.:-]*="([^"<]*)"/g, (_all, value: string) => {
      expect(bareAmp(value), `attribute ${value}`).toBe(false);
      return '';
    });
    expect(rest.trim(), `attributes of <${tag}>`).toBe('');
    if (stack.length === 0) roots++;
    if (!tag.endsWith('/')) stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Each <entry> as its fields (text unescaped). */
function entriesOf(xml: string) {
  return [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map(([, e]) => {
    const text = (tag: string) => {
      const m = new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(e!);
      return m ? unescape(m[1]!) : undefined;
    };
    return {
      title: text('title'),
      id: text('id'),
      updated: text('updated'),
      summary: text('summary'),
      author: text('name'),
      link: unescape(/<link rel="alternate" type="text\/html" href="([^"]*)"\/>/.exec(e!)?.[1] ?? ''),
      category: unescape(/<category term="([^"]*)"\/>/.exec(e!)?.[1] ?? ''),
    };
  });
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

beforeEach(async () => {
  await t.db.deleteFrom('blog').execute();
});

describe('GET /blog/feed.xml', () => {
  it('is an Atom feed of the latest 20 Published posts, newest first, with absolute links and stable tag: ids', async () => {
    const posts = [];
    for (let i = 0; i < 22; i++) posts.push(await createPost(t.db, { title: `Post number ${i}`, slug: `post-number-${i}`, publishedAt: minutesAgo(i) }));
    await createPost(t.db, { title: 'Still pending', status: 'Pending' });
    await createPost(t.db, { title: 'A draft', status: 'Pending', isDraft: true });
    await createPost(t.db, { title: 'Unpublished', status: 'Approved', publishedAt: new Date() });
    await createPost(t.db, { title: 'Rejected', status: 'Rejected' });

    const res = await t.request().get('/blog/feed.xml').expect(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expectWellFormedXml(res.text);
    expect(res.text).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(res.text).toContain('<link rel="self" type="application/atom+xml" href="http://edupeak.test/blog/feed.xml"/>');
    expect(res.text).toContain('<id>http://edupeak.test/blog</id>');
    // The feed's updated is its newest entry's.
    expect(res.text).toContain(`<updated>${new Date(posts[0]!.publishedAt!).toISOString()}</updated>`);

    const entries = entriesOf(res.text);
    expect(entries.map((e) => e.title)).toEqual(posts.slice(0, 20).map((p) => p.title));
    const first = entries[0]!;
    expect(first.link).toBe('http://edupeak.test/blog/post-number-0');
    expect(first.id).toBe(`tag:edupeak.test,${new Date(posts[0]!.createdAt).toISOString().slice(0, 10)}:blog/${posts[0]!.id}`);
    expect(first.updated).toBe(new Date(posts[0]!.publishedAt!).toISOString());
    expect(first.summary).toBe('A short post.');
    expect(first.author).toBe('Test ' + (await t.db.selectFrom('user').select('lastName').where('id', '=', posts[0]!.authorId).executeTakeFirstOrThrow()).lastName);
    // Each entry's link opens the post.
    await t.request().get('/blog/post-number-0').expect(200);
  });

  it('escapes titles, excerpts, author and category names (& < > " \'), keeps unicode, drops characters XML cannot hold', async () => {
    const author = await createUser(t.db, { firstName: 'Łukasz', lastName: 'Żółć-Ærøskøbing "Ω" & <Co>' });
    const category = await createBlogCategory(t.db, { name: 'Q&A <tips> "quoted"', slug: 'qa' });
    const title = `Tom & Jerry <script>alert("x")</script> 'single' ]]> &amp; done`;
    const excerpt = `Less < more > "quotes" & 'apostrophes'; a CDATA end ]]> and an entity &lt; kept as text`;
    await createPost(t.db, { title, excerpt, authorId: author.id, categoryId: category.id, slug: 'tom-and-jerry' });
    await createPost(t.db, { title: 'Bell\u0007 and\u001b escape', excerpt: null, publishedAt: minutesAgo(5) });

    const res = await t.request().get('/blog/feed.xml').expect(200);
    expectWellFormedXml(res.text);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &apos;single&apos; ]]&gt; &amp;amp; done');
    const [escaped, controls] = entriesOf(res.text);
    expect(escaped!.title).toBe(title);
    expect(escaped!.summary).toBe(excerpt);
    expect(escaped!.author).toBe('Łukasz Żółć-Ærøskøbing "Ω" & <Co>');
    expect(escaped!.category).toBe('Q&A <tips> "quoted"');
    expect(controls!.title).toBe('Bell and escape');
    expect(controls!.summary).toBeUndefined();
    // UTF-8 bytes, not character references.
    expect(Buffer.from(res.text, 'utf8').toString('utf8')).toContain('Łukasz Żółć');
  });

  it('an empty blog is still a valid feed, and the feed costs the same queries for 3 posts as for 30', async () => {
    const empty = await t.request().get('/blog/feed.xml').expect(200);
    expectWellFormedXml(empty.text);
    expect(entriesOf(empty.text)).toEqual([]);
    expect(empty.text).toMatch(/<updated>\d{4}-\d\d-\d\dT[\d:.]+Z<\/updated>/);

    for (let i = 0; i < 3; i++) await createPost(t.db);
    const few = await countQueries(t.db, () => t.request().get('/blog/feed.xml').expect(200));
    for (let i = 0; i < 27; i++) await createPost(t.db);
    const many = await countQueries(t.db, () => t.request().get('/blog/feed.xml').expect(200));
    expect(entriesOf(many.result.text)).toHaveLength(20);
    expect(many.count).toBe(few.count);
  });
});

describe('the well-formedness check itself', () => {
  it('refuses a bare ampersand, a raw < in an attribute, misnested tags and two roots', () => {
    const decl = '<?xml version="1.0" encoding="utf-8"?>\n';
    expectWellFormedXml(`${decl}<a x="1 &amp; 2"><b>&lt;ok&gt;</b><c/></a>`);
    for (const bad of ['<a>Tom & Jerry</a>', '<a x="<">y</a>', '<a x=\'1\'>y</a>', '<a><b></a></b>', '<a></a><b></b>', '<a>']) {
      expect(() => expectWellFormedXml(decl + bad), bad).toThrow();
    }
  });
});

describe('xmlEscape', () => {
  it('escapes the five XML specials and removes control characters and lone surrogates', () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(xmlEscape('tab\tnew\nline\u0001\u001f\uffff')).toBe('tab\tnew\nline');
    expect(xmlEscape('lone \ud800 surrogate, pair \ud834\udd1e kept')).toBe('lone  surrogate, pair \ud834\udd1e kept');
  });
});
