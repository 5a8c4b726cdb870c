import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';

/**
 * The course as one learner sees it: every chapter and lesson that is not a draft, in order, each
 * with whether it is open to them now, completed, or scheduled (and whether they unlocked it early).
 * Two queries however long the course. The rules match canOpenLesson (access.ts); a preview by the
 * teacher or an admin opens everything, drafts included.
 */

export interface LessonState {
  id: string;
  chapterId: string;
  title: string;
  status: string;
  releaseAt: Date | null;
  completed: boolean;
  open: boolean;
  /** Not released yet: can be unlocked early (by lesson, or by its chapter). */
  scheduled: boolean;
  countsTowardProgress: boolean;
}

export interface ChapterState {
  id: string;
  title: string;
  status: string;
  releaseAt: Date | null;
  open: boolean;
  scheduled: boolean;
  lessons: LessonState[];
}

const released = (item: { status: string; releaseAt: Date | null }, now: number) =>
  item.status === 'Published' && (item.releaseAt === null || new Date(item.releaseAt).getTime() <= now);
const waiting = (item: { status: string; releaseAt: Date | null }, now: number) => item.status === 'Scheduled' || (item.status === 'Published' && !released(item, now));

export async function learnerCurriculum(db: Database, courseId: string, userId: string, preview: boolean): Promise<ChapterState[]> {
  const chapters = await db
    .selectFrom('chapter as ch')
    .select([
      'ch.id',
      'ch.title',
      'ch.status',
      'ch.releaseAt',
      (eb) => eb.exists(eb.selectFrom('earlyUnlock as u').whereRef('u.chapterId', '=', 'ch.id').where('u.userId', '=', userId)).as('unlocked'),
    ])
    .where('ch.courseId', '=', courseId)
    .$if(!preview, (q) => q.where('ch.status', '!=', 'Draft'))
    .orderBy('ch.position')
    .execute();
  if (chapters.length === 0) return [];
  const lessons = await db
    .selectFrom('lesson as l')
    .leftJoin('lessonProgress as p', (join) => join.onRef('p.lessonId', '=', 'l.id').on('p.userId', '=', userId))
    .select([
      'l.id',
      'l.chapterId',
      'l.title',
      'l.status',
      'l.releaseAt',
      sql<boolean>`coalesce(p.completed, false)`.as('completed'),
      (eb) => eb.exists(eb.selectFrom('earlyUnlock as u').whereRef('u.lessonId', '=', 'l.id').where('u.userId', '=', userId)).as('unlocked'),
    ])
    .where(
      'l.chapterId',
      'in',
      chapters.map((c) => c.id),
    )
    .$if(!preview, (q) => q.where('l.status', '!=', 'Draft'))
    .orderBy('l.position')
    .execute();

  const now = Date.now();
  return chapters.map((ch) => {
    const chapterOpen = preview || released(ch, now) || Boolean(ch.unlocked);
    return {
      id: ch.id,
      title: ch.title,
      status: ch.status,
      releaseAt: ch.releaseAt,
      open: chapterOpen,
      scheduled: waiting(ch, now) && !ch.unlocked,
      lessons: lessons
        .filter((l) => l.chapterId === ch.id)
        .map((l) => ({
          id: l.id,
          chapterId: l.chapterId,
          title: l.title,
          status: l.status,
          releaseAt: l.releaseAt,
          completed: l.completed,
          open: preview || (chapterOpen && (released(l, now) || Boolean(l.unlocked) || Boolean(ch.unlocked))),
          scheduled: waiting(l, now) && !l.unlocked && !ch.unlocked,
          countsTowardProgress: released(l, now) && released(ch, now),
        })),
    };
  });
}

export function progressOf(chapters: ChapterState[]) {
  const counted = chapters.flatMap((c) => c.lessons).filter((l) => l.countsTowardProgress);
  const completed = counted.filter((l) => l.completed).length;
  return { completed, total: counted.length, percent: counted.length ? Math.floor((completed * 100) / counted.length) : 0 };
}
