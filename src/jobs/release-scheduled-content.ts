import type { Database } from '../db/database.ts';

/** Scheduled chapters and lessons whose release time has come become Published. */
export async function releaseScheduledContent(db: Database): Promise<{ chapters: number; lessons: number }> {
  const now = new Date();
  const chapters = await db
    .updateTable('chapter')
    .set({ status: 'Published' })
    .where('status', '=', 'Scheduled')
    .where('releaseAt', '<=', now)
    .executeTakeFirst();
  const lessons = await db
    .updateTable('lesson')
    .set({ status: 'Published' })
    .where('status', '=', 'Scheduled')
    .where('releaseAt', '<=', now)
    .executeTakeFirst();
  return { chapters: Number(chapters.numUpdatedRows), lessons: Number(lessons.numUpdatedRows) };
}
