import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { chapterIsEmptySql } from '../features/teaching/chapter-rules.ts';

/**
 * Scheduled chapters and lessons whose release time has come become Published. A chapter without a
 * lesson stays Scheduled (the spec: chapters must have at least one lesson); scheduling refuses one
 * and deleting its last lesson makes it a draft, so only data from before that rule can be one.
 */
export async function releaseScheduledContent(db: Database): Promise<{ chapters: number; lessons: number }> {
  const now = new Date();
  const chapters = await db
    .updateTable('chapter')
    .set({ status: 'Published' })
    .where('status', '=', 'Scheduled')
    .where('releaseAt', '<=', now)
    .where(sql<boolean>`not ${chapterIsEmptySql('chapter')}`)
    .executeTakeFirst();
  const lessons = await db
    .updateTable('lesson')
    .set({ status: 'Published' })
    .where('status', '=', 'Scheduled')
    .where('releaseAt', '<=', now)
    .executeTakeFirst();
  return { chapters: Number(chapters.numUpdatedRows), lessons: Number(lessons.numUpdatedRows) };
}
