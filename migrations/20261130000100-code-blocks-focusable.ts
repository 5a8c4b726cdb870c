/**
 * Issue 21 (WCAG 2.1 AA, checked by axe): rendered Markdown now gives each code block
 * tabindex="0" (src/lib/markdown.ts), so a keyboard can reach and scroll a block whose long line
 * overflows. Markdown is rendered once, at save; this brings the HTML saved before the change in
 * step (lessons, blog posts, announcements). A data change only: no column is added or altered.
 * The sanitiser never lets an attribute onto <pre> from the source, so `<pre>` is the only form
 * stored HTML can hold.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update lesson set content_html = replace(content_html, '<pre>', '<pre tabindex="0">') where content_html like '%<pre>%'`.execute(db);
  await sql`update blog set content = replace(content, '<pre>', '<pre tabindex="0">') where content like '%<pre>%'`.execute(db);
  await sql`update announcement set body = replace(body, '<pre>', '<pre tabindex="0">') where body like '%<pre>%'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update lesson set content_html = replace(content_html, '<pre tabindex="0">', '<pre>') where content_html like '%<pre tabindex="0">%'`.execute(db);
  await sql`update blog set content = replace(content, '<pre tabindex="0">', '<pre>') where content like '%<pre tabindex="0">%'`.execute(db);
  await sql`update announcement set body = replace(body, '<pre tabindex="0">', '<pre>') where body like '%<pre tabindex="0">%'`.execute(db);
}
