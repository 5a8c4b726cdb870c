import type { Database } from '../../db/database.ts';
import type { Reactiontype } from '../../db/types.ts';

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

export async function loadDiscussion(
  _db: Database,
  options: { postId: string; viewer: DiscussionViewer | undefined; page: number },
): Promise<Discussion> {
  return {
    postId: options.postId,
    reactions: REACTION_TYPES.map((type) => ({ type, count: 0, mine: false })),
    likeCount: 0,
    commentCount: 0,
    threads: [],
    page: 1,
    pages: 1,
  };
}
