import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { Reactiontype } from '../../db/types.ts';
import { linkify } from './linkify.ts';

/**
 * The discussion under a post (issue 15, helper H): reactions bar and threaded comments, loaded
 * for the post page (views/blog/_reactions.eta, views/blog/_comments.eta) with a fixed number of
 * queries whatever the number of comments.
 */

export const REACTION_TYPES = ['Like', 'Love', 'Insightful', 'Funny'] as const satisfies readonly Reactiontype[];
export type ReactionType = (typeof REACTION_TYPES)[number];

export interface DiscussionViewer {
  id: string;
  role: string;
}

export interface CommentNode {
  id: string;
  parentId: string | null;
  authorId: string;
  authorName: string;
  /** Escaped text with paragraphs, line breaks and http(s) links (linkify.ts): safe to output raw. */
  html: string;
  createdAt: Date;
  upvotes: number;
  /** 1 (top level) .. 3; deeper replies are stored under their level-3 ancestor. */
  depth: number;
  upvotedByViewer: boolean;
  canDelete: boolean;
  canUpvote: boolean;
  replies: CommentNode[];
}

export interface Discussion {
  postId: string;
  reactions: { type: ReactionType; count: number; mine: boolean }[];
  likeCount: number;
  commentCount: number;
  threads: CommentNode[];
  /** Comment pages of THREADS_PER_PAGE top-level threads (`?comments=N`). */
  page: number;
  pages: number;
}

export const THREADS_PER_PAGE = 50;

/**
 * The reactions bar and one page of comment threads (newest threads first, replies oldest first
 * under their comment), with the viewer's own reaction and upvotes marked. Two queries whatever
 * the number of comments: the counters with the reactions per type, then the page's threads with
 * all their replies (a recursive CTE), authors and the viewer's upvotes. `page` beyond the last
 * shows the last.
 */
export async function loadDiscussion(db: Database, options: { postId: string; viewer: DiscussionViewer | undefined; page: number }): Promise<Discussion> {
  const viewerId = options.viewer?.id ?? null;
  const { rows: counts } = await sql<{ commentCount: number; likeCount: number; threads: number; reactions: { type: ReactionType; count: number; mine: boolean }[] }>`
    select b.comment_count as "commentCount", b.like_count as "likeCount",
      (select count(*)::int from blog_comment where blog_id = b.id and parent_id is null) as threads,
      coalesce((
        select json_agg(json_build_object('type', r.type, 'count', r.n, 'mine', r.mine))
        from (select type, count(*)::int as n, coalesce(bool_or(user_id = ${viewerId}::uuid), false) as mine from blog_reaction where blog_id = b.id group by type) r
      ), '[]'::json) as reactions
    from blog b where b.id = ${options.postId}`.execute(db);
  const head = counts[0] ?? { commentCount: 0, likeCount: 0, threads: 0, reactions: [] };
  const pages = Math.max(1, Math.ceil(head.threads / THREADS_PER_PAGE));
  const page = Math.min(Math.max(1, Math.trunc(options.page) || 1), pages);
  const byType = new Map(head.reactions.map((r) => [r.type, r]));
  const reactions = REACTION_TYPES.map((type) => ({ type, count: byType.get(type)?.count ?? 0, mine: byType.get(type)?.mine ?? false }));

  const threads: CommentNode[] = [];
  if (head.threads > 0) {
    const { rows } = await sql<CommentRow>`
      with recursive threads as (
        select id, row_number() over (order by created_at desc, id desc) as position from blog_comment
        where blog_id = ${options.postId} and parent_id is null
        order by created_at desc, id desc
        limit ${THREADS_PER_PAGE} offset ${(page - 1) * THREADS_PER_PAGE}
      ), tree as (
        select c.id, c.parent_id, c.author_id, c.content, c.created_at, c.upvotes, 1 as depth, t.position
        from blog_comment c join threads t on t.id = c.id
        union all
        select c.id, c.parent_id, c.author_id, c.content, c.created_at, c.upvotes, tree.depth + 1, tree.position
        from blog_comment c join tree on c.parent_id = tree.id
      )
      select tree.id, tree.parent_id as "parentId", tree.author_id as "authorId", tree.content, tree.created_at as "createdAt",
        tree.upvotes, tree.depth, tree.position, concat_ws(' ', u.first_name, u.last_name) as "authorName",
        (${viewerId}::uuid is not null and exists (
          select 1 from blog_comment_upvote v where v.comment_id = tree.id and v.user_id = ${viewerId}::uuid
        )) as upvoted
      from tree join "user" u on u.id = tree.author_id
      order by tree.position, tree.depth, tree.created_at, tree.id`.execute(db);
    const viewer = options.viewer;
    const nodes = new Map<string, CommentNode>();
    // Rows come parents first (by depth); a comment stored deeper than MAX_DEPTH (older data) is
    // shown beside its parent at the last level, as new deep replies are stored.
    for (const row of rows) {
      const parent = row.parentId ? nodes.get(row.parentId) : undefined;
      const host = parent && parent.depth >= MAX_SHOWN_DEPTH ? nodes.get(parent.parentId ?? '') : parent;
      const node: CommentNode = {
        id: row.id,
        parentId: host?.id ?? null,
        authorId: row.authorId,
        authorName: row.authorName,
        html: linkify(row.content),
        createdAt: new Date(row.createdAt),
        upvotes: row.upvotes,
        depth: host ? host.depth + 1 : 1,
        upvotedByViewer: row.upvoted,
        canDelete: !!viewer && (viewer.id === row.authorId || viewer.role === 'admin'),
        canUpvote: !!viewer && viewer.id !== row.authorId,
        replies: [],
      };
      nodes.set(row.id, node);
      if (host) host.replies.push(node);
      else if (!row.parentId) threads.push(node);
    }
    const byTime = (a: CommentNode, b: CommentNode) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1);
    for (const node of nodes.values()) node.replies.sort(byTime);
  }
  return { postId: options.postId, reactions, likeCount: head.likeCount, commentCount: head.commentCount, threads, page, pages };
}

const MAX_SHOWN_DEPTH = 3;

interface CommentRow {
  id: string;
  parentId: string | null;
  authorId: string;
  content: string;
  createdAt: Date;
  upvotes: number;
  depth: number;
  position: number;
  authorName: string;
  upvoted: boolean;
}

/** The comment page (`?comments=N`) that shows the thread of the top-level comment `rootId`. */
export async function pageOfThread(db: Database, postId: string, rootId: string): Promise<number> {
  const { rows } = await sql<{ newer: number }>`
    select count(*)::int as newer from blog_comment c, blog_comment r
    where r.id = ${rootId} and c.blog_id = ${postId} and c.parent_id is null
      and (c.created_at, c.id) > (r.created_at, r.id)`.execute(db);
  return Math.floor((rows[0]?.newer ?? 0) / THREADS_PER_PAGE) + 1;
}

/** The post page's URL showing comment `commentId` (its thread's page, at its anchor). */
export function commentUrl(slug: string, page: number, commentId?: string): string {
  return `/blog/${slug}${page > 1 ? `?comments=${page}` : ''}#${commentId ? `comment-${commentId}` : 'comments'}`;
}
