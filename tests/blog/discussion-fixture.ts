import { Router } from 'express';
import type { Database } from '../../src/db/database.ts';
import { loadDiscussion } from '../../src/features/blog/discussion.ts';
import { publicRouter, type CurrentUser } from '../../src/http/guards.ts';
import type { ViewRenderer } from '../../src/http/render.ts';

/**
 * The discussion part of a post page alone (the reactions bar and the comments), as the post page
 * includes it: GET /__discussion/:slug[?comments=N][&page, in the layout]. For tests of the partials and their budget
 * independent of the reading routes.
 */
export function discussionView(db: () => Database): Router {
  const router = Router();
  router.get('/__discussion/:slug', async (req, res) => {
    const post = await db().selectFrom('blog').select(['id', 'slug', 'title', 'authorId']).where('slug', '=', String(req.params.slug)).executeTakeFirstOrThrow();
    const user = res.locals.user as CurrentUser | undefined;
    const discussion = await loadDiscussion(db(), { postId: post.id, viewer: user && { id: user.id, role: user.role }, page: Number(req.query.comments ?? 1) });
    const renderView = res.app.locals.renderView as ViewRenderer;
    const data = { ...res.locals, discussion, post, formatDateTime: (d: Date) => d.toISOString().slice(0, 16) };
    const part = `${renderView('blog/_reactions', data)}${renderView('blog/_comments', data)}`;
    if (req.query.page === undefined) return res.type('html').send(`<main>${part}</main>`);
    // ?page: inside the app's layout (a real page's frame: header, navigation, footer), as the post page shows it.
    const frame = renderView('blog/reply', { ...data, title: post.title, post, parent: undefined, form: undefined });
    res.type('html').send(frame.replace('</main>', `${part}</main>`));
  });
  return publicRouter(router);
}

/** The `<li>` of a comment in a page ('' when absent), replies included. */
export function commentOf(html: string, id: string): string {
  const start = html.indexOf(`<li id="comment-${id}"`);
  if (start < 0) return '';
  // Balance <li> ... </li> to include the nested replies.
  let depth = 0;
  const re = /<li\b|<\/li>/g;
  re.lastIndex = start;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[0] === '</li>' ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index + 5);
  }
  return html.slice(start);
}
