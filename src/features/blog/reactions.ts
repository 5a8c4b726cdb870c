import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import type { ReactionType } from './discussion.ts';
import { notify } from '../notifications/notify.ts';
import { creditEngagement, type PostOfDiscussion } from './engagement.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * One reaction per user and post (the unique (blog_id, user_id) constraint): the same type again
 * removes it, another type changes it. The post's row is locked first, so `likeCount` (all
 * reactions of every type) moves with the rows and the author's ReactionReceived throttle (one
 * per post per hour) is decided by one request at a time.
 */

export const REACTION_NOTICE_INTERVAL = '1 hour';

export async function react(
  db: Database,
  input: { post: PostOfDiscussion; userId: string; userName: string; type: ReactionType },
): Promise<{ mine: ReactionType | null }> {
  const { post, userId, type } = input;
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('blog').select('id').where('id', '=', post.id).where('status', '=', 'Published').forNoKeyUpdate().executeTakeFirst();
    if (!locked) throw notFound();
    const existing = await trx.selectFrom('blogReaction').select(['id', 'type']).where('blogId', '=', post.id).where('userId', '=', userId).executeTakeFirst();
    if (existing?.type === type) {
      await trx.deleteFrom('blogReaction').where('id', '=', existing.id).execute();
      await trx
        .updateTable('blog')
        .set((eb) => ({ likeCount: sql<number>`greatest(${eb.ref('likeCount')} - 1, 0)` }))
        .where('id', '=', post.id)
        .execute();
      return { mine: null };
    }
    if (existing) {
      await trx.updateTable('blogReaction').set({ type }).where('id', '=', existing.id).execute();
      return { mine: type };
    }
    await trx.insertInto('blogReaction').values({ blogId: post.id, userId, type }).execute();
    await trx.updateTable('blog').set((eb) => ({ likeCount: eb('likeCount', '+', 1) })).where('id', '=', post.id).execute();
    if (userId !== post.authorId) {
      const link = `/blog/${post.slug}#reactions`;
      const recent = await trx
        .selectFrom('notification')
        .select('id')
        .where('userId', '=', post.authorId)
        .where('type', '=', 'ReactionReceived')
        .where('link', '=', link)
        .where('createdAt', '>', sql<Date>`now() - ${REACTION_NOTICE_INTERVAL}::interval`)
        .limit(1)
        .executeTakeFirst();
      if (!recent) {
        await notify(trx, {
          userId: post.authorId,
          type: 'ReactionReceived',
          title: msg('People are reacting to your post'),
          message: msg('{name} reacted to "{title}" ({reaction, select, Like {Like} Love {Love} Insightful {Insightful} Funny {Funny} other {{reaction}}}).'),
          values: { name: input.userName, title: post.title, reaction: type },
          link,
        });
      }
    }
    await creditEngagement(trx, post, userId, 'reaction');
    return { mine: type };
  });
}
