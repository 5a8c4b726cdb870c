import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The spec's "Chapters must have at least one lesson", named once. A chapter students can see, or
 * will see when its time comes (Published, or Scheduled: the release job would put it out empty),
 * has at least one lesson. A Draft chapter may be empty: that is how every chapter starts.
 *
 * Asked by every path that changes it:
 * - publishing or scheduling one chapter (service.ts setRelease): refused, 422, naming the chapter;
 * - publishing the course (publish.ts publishChecklist, used by both publish actions and shown on the
 *   course page): any empty chapter blocks it, so publish-all never publishes an empty draft either;
 * - deleting a chapter's last lesson (service.ts deleteItem): the chapter goes back to Draft. The
 *   teacher confirmed the deletion, so it happens; the chapter leaves the students' view rather than
 *   showing them an empty heading, and the confirmation page and the flash say so. (Lessons move only
 *   up and down within their chapter: nothing else can empty one.)
 *
 * The checks run inside the write's transaction with the chapter row locked (lockParent on the
 * chapter), as adding and deleting lessons do, so a lesson deleted meanwhile cannot slip past.
 */

type Tx = Transaction<DB>;
export type ReleaseStatus = 'Draft' | 'Scheduled' | 'Published';

/** Whether a chapter in this status must have a lesson. */
export const mustHaveLesson = (status: string): boolean => status === 'Published' || status === 'Scheduled';

/** SQL: the chapter row under `alias` has no lesson (of any status). */
export const chapterIsEmptySql = (alias: string): RawBuilder<boolean> => sql<boolean>`not exists (select 1 from lesson where lesson.chapter_id = ${sql.ref(`${alias}.id`)})`;

export interface ChapterRefusal {
  message: string;
  values: { title: string };
}

const refusalMessage = {
  Published: msg('Add a lesson to “{title}” before publishing it.'),
  Scheduled: msg('Add a lesson to “{title}” before scheduling it: it would be released empty.'),
} as const;

/** Undefined when the chapter may take `status`, else why not (its title is named). One query. */
export async function chapterReleaseRefusal(trx: Tx, chapterId: string, status: ReleaseStatus): Promise<ChapterRefusal | undefined> {
  if (!mustHaveLesson(status)) return undefined;
  const { rows } = await sql<{ title: string; empty: boolean }>`
    select c.title, ${chapterIsEmptySql('c')} as empty from chapter c where c.id = ${chapterId}`.execute(trx);
  const row = rows[0];
  if (!row?.empty) return undefined;
  return { message: refusalMessage[status as 'Published' | 'Scheduled'], values: { title: row.title } };
}

/**
 * After a lesson left the chapter: a Published or Scheduled chapter with no lesson left goes back to
 * Draft (its release time cleared). Its title when it did, else undefined. One statement.
 */
export async function draftIfEmptied(trx: Tx, chapterId: string): Promise<string | undefined> {
  const { rows } = await sql<{ title: string }>`
    update chapter c set status = 'Draft', release_at = null
    where c.id = ${chapterId} and c.status in ('Published', 'Scheduled') and ${chapterIsEmptySql('c')}
    returning c.title`.execute(trx);
  return rows[0]?.title;
}

/**
 * Whether deleting this lesson would empty a chapter students see (or will): the confirmation page
 * says so beforehand. The chapter's title when it would, else undefined. One query.
 */
export async function lastLessonOfShownChapter(db: Database, lessonId: string): Promise<string | undefined> {
  const { rows } = await sql<{ title: string }>`
    select c.title from lesson l join chapter c on c.id = l.chapter_id
    where l.id = ${lessonId} and c.status in ('Published', 'Scheduled')
      and not exists (select 1 from lesson o where o.chapter_id = c.id and o.id <> l.id)`.execute(db);
  return rows[0]?.title;
}

/** The lesson's confirmation page, when it is the last one of a chapter students see. */
export const LAST_LESSON_CONSEQUENCE = msg('Its video, attached files and students’ progress will be deleted too. It is the only lesson of “{chapter}”: the chapter goes back to Draft, hidden from students until it has a lesson and you publish it again.');
/** The flash after such a deletion. */
export const CHAPTER_BACK_TO_DRAFT = msg('Lesson “{title}” deleted. “{chapter}” has no lessons left, so it is a draft again: add a lesson, then publish it.');
