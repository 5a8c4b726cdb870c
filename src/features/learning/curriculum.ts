import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { isReleased, isWaiting, lessonIsOpen, type LessonViewer } from '../access/course-policy.ts';

/**
 * The course as one learner sees it: every chapter and lesson that is not a draft, in order, each
 * with whether it is open to them now, completed, or scheduled (and whether they unlocked it early).
 * Two queries however long the course, sent together.
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

/**
 * One learner's curriculum: whether each lesson is open comes from the course policy's one rule
 * (lessonIsOpen, in SQL); `scheduled` and `countsTowardProgress` from its named predicates.
 * `viewer.manages` (the teacher, an admin) opens everything, drafts included.
 */
export async function learnerCurriculum(db: Database, courseId: string, viewer: LessonViewer): Promise<ChapterState[]> {
  const userId = viewer.userId;
  // Both at once (they do not depend on each other): one round trip of waiting, not two.
  const chaptersQuery = db
    .selectFrom('chapter as ch')
    .select([
      'ch.id',
      'ch.title',
      'ch.status',
      'ch.releaseAt',
      (eb) => eb.exists(eb.selectFrom('earlyUnlock as u').whereRef('u.chapterId', '=', 'ch.id').where('u.userId', '=', userId)).as('unlocked'),
    ])
    .where('ch.courseId', '=', courseId)
    .$if(!viewer.manages, (q) => q.where('ch.status', '!=', 'Draft'))
    .orderBy('ch.position')
    .execute();
  const lessonsQuery = db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .leftJoin('lessonProgress as p', (join) => join.onRef('p.lessonId', '=', 'l.id').on('p.userId', '=', userId))
    .select([
      'l.id',
      'l.chapterId',
      'l.title',
      'l.status',
      'l.releaseAt',
      sql<boolean>`coalesce(p.completed, false)`.as('completed'),
      sql<boolean>`${lessonIsOpen(viewer)}`.as('open'),
      (eb) => eb.exists(eb.selectFrom('earlyUnlock as u').whereRef('u.lessonId', '=', 'l.id').where('u.userId', '=', userId)).as('unlocked'),
    ])
    .where('ch.courseId', '=', courseId)
    .$if(!viewer.manages, (q) => q.where('l.status', '!=', 'Draft'))
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
  const [chapters, lessons] = await Promise.all([chaptersQuery, lessonsQuery]);

  const now = Date.now();
  return chapters.map((ch) => ({
    id: ch.id,
    title: ch.title,
    status: ch.status,
    releaseAt: ch.releaseAt,
    open: viewer.manages || isReleased(ch, now) || Boolean(ch.unlocked),
    scheduled: isWaiting(ch, now) && !ch.unlocked,
    lessons: lessons
      .filter((l) => l.chapterId === ch.id)
      .map((l) => ({
        id: l.id,
        chapterId: l.chapterId,
        title: l.title,
        status: l.status,
        releaseAt: l.releaseAt,
        completed: l.completed,
        open: l.open,
        scheduled: isWaiting(l, now) && !l.unlocked && !ch.unlocked,
        countsTowardProgress: isReleased(l, now) && isReleased(ch, now),
      })),
  }));
}

export function progressOf(chapters: ChapterState[]) {
  const counted = chapters.flatMap((c) => c.lessons).filter((l) => l.countsTowardProgress);
  const completed = counted.filter((l) => l.completed).length;
  return { completed, total: counted.length, percent: counted.length ? Math.floor((completed * 100) / counted.length) : 0 };
}
