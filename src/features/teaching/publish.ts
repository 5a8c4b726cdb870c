import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { CHAPTERS, lockParent } from './positions.ts';

/**
 * What a course needs before it can be published, as one checklist: the teacher's course page shows
 * it, and both publish actions decide with it (setCourseStatus in service.ts, and publishWithContent
 * below, which asks it after publishing the drafts, inside its transaction). One function, so the
 * page and the actions cannot disagree.
 *
 * `required` items block publishing; `advice` items (drafts that would stay hidden, lessons with
 * neither a video, text nor an assessment, quizzes without questions) are shown and never block.
 */

export interface ChecklistItem {
  id: 'details' | 'image' | 'price' | 'chapters' | 'lessons' | 'empty-chapters' | 'published-content' | 'drafts' | 'bare-lessons' | 'empty-quizzes';
  ok: boolean;
  label: string;
  /** Where on the course page to fix it. */
  href?: string;
}

export interface PublishChecklist {
  required: ChecklistItem[];
  advice: ChecklistItem[];
  drafts: { chapters: number; lessons: number };
  /** Every required item is met: "Publish" would publish the course. */
  canPublish: boolean;
  /** Nothing required is missing but published content, and publishing the drafts would give it. */
  readyWithDrafts: boolean;
  /** Nothing to say: every item is met and nothing is a draft. */
  complete: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const quoted = (titles: string[], max = 3) =>
  titles
    .slice(0, max)
    .map((t) => `"${t}"`)
    .join(', ') + (titles.length > max ? ` and ${titles.length - max} more` : '');

export const PUBLISHED_CONTENT_MESSAGE = 'Publish at least one chapter with a published lesson first: students would find nothing to learn.';

/** The checklist of one course: two queries (the course, then its chapters and lessons counted in SQL). */
export async function publishChecklist(db: Database, courseId: string): Promise<PublishChecklist> {
  const course = await db.selectFrom('course').select(['title', 'smallDescription', 'description', 'fileKey', 'price']).where('id', '=', courseId).executeTakeFirstOrThrow();
  const { rows } = await sql<{
    chapters: number;
    lessons: number;
    draftChapters: number;
    draftLessons: number;
    emptyChapters: string[];
    publishedContent: boolean;
    contentWithDrafts: boolean;
    bareLessons: string[];
    emptyQuizzes: string[];
  }>`
    with ch as (select id, title, status, position from chapter where course_id = ${courseId}),
    l as (
      select l.id, l.title, l.status, l.chapter_id, l.video_key, l.content_markdown, ch.position as chapter_position, l.position
      from lesson l join ch on ch.id = l.chapter_id
    )
    select
      (select count(*) from ch)::int as chapters,
      (select count(*) from l)::int as lessons,
      (select count(*) from ch where status = 'Draft')::int as draft_chapters,
      (select count(*) from l where status = 'Draft')::int as draft_lessons,
      (select coalesce(json_agg(title order by position), '[]') from ch where not exists (select 1 from l where l.chapter_id = ch.id)) as empty_chapters,
      exists (select 1 from ch join l on l.chapter_id = ch.id where ch.status = 'Published' and l.status = 'Published') as published_content,
      exists (select 1 from ch join l on l.chapter_id = ch.id where ch.status in ('Draft', 'Published') and l.status in ('Draft', 'Published')) as content_with_drafts,
      (select coalesce(json_agg(title order by chapter_position, position), '[]') from l
        where video_key is null and coalesce(btrim(content_markdown), '') = ''
          and not exists (select 1 from quiz q where q.lesson_id = l.id)
          and not exists (select 1 from assignment a where a.lesson_id = l.id)) as bare_lessons,
      (select coalesce(json_agg(l.title order by chapter_position, l.position), '[]') from l join quiz q on q.lesson_id = l.id
        where not exists (select 1 from quiz_question qq where qq.quiz_id = q.id)) as empty_quizzes`.execute(db);
  const s = rows[0]!;
  const details = [course.title, course.smallDescription, course.description].every((v) => v.trim() !== '');

  const required: ChecklistItem[] = [
    { id: 'details', ok: details, label: details ? 'Title, short description and description' : 'Fill in the title, short description and description', href: '#details-title' },
    { id: 'image', ok: !!course.fileKey, label: course.fileKey ? 'A course image' : 'Upload a course image: it shows on the catalog card and the course page', href: '#image-title' },
    {
      id: 'price',
      ok: course.price === 0 || course.price >= 50,
      label: course.price === 0 || course.price >= 50 ? 'A price (free counts)' : 'Set a price of 0 (free) or at least 0.50',
      href: '#details-title',
    },
    { id: 'chapters', ok: s.chapters > 0, label: s.chapters > 0 ? plural(s.chapters, 'chapter') : 'Add a chapter', href: '#structure' },
    { id: 'lessons', ok: s.lessons > 0, label: s.lessons > 0 ? plural(s.lessons, 'lesson') : 'Add a lesson', href: '#structure' },
    {
      id: 'empty-chapters',
      ok: s.emptyChapters.length === 0,
      label: s.emptyChapters.length === 0 ? 'Every chapter has a lesson' : `Add a lesson to ${quoted(s.emptyChapters)}, or delete ${s.emptyChapters.length === 1 ? 'it' : 'them'}`,
      href: '#structure',
    },
    {
      id: 'published-content',
      ok: s.publishedContent,
      label: s.publishedContent ? 'A published chapter with a published lesson' : PUBLISHED_CONTENT_MESSAGE,
      href: '#structure',
    },
  ];
  const advice: ChecklistItem[] = [
    {
      id: 'drafts',
      ok: s.draftChapters + s.draftLessons === 0,
      label:
        s.draftChapters + s.draftLessons === 0
          ? 'No drafts left'
          : `${[s.draftChapters ? plural(s.draftChapters, 'draft chapter') : '', s.draftLessons ? plural(s.draftLessons, 'draft lesson') : ''].filter(Boolean).join(' and ')} would stay hidden from students`,
      href: '#structure',
    },
    {
      id: 'bare-lessons',
      ok: s.bareLessons.length === 0,
      label: s.bareLessons.length === 0 ? 'Every lesson has a video or text' : `${plural(s.bareLessons.length, 'lesson has', 'lessons have')} neither a video nor text: ${quoted(s.bareLessons)}`,
      href: '#structure',
    },
    {
      id: 'empty-quizzes',
      ok: s.emptyQuizzes.length === 0,
      label: s.emptyQuizzes.length === 0 ? 'Every quiz has questions' : `Add questions to the quiz of ${quoted(s.emptyQuizzes)}: students cannot take an empty quiz`,
      href: '#structure',
    },
  ];
  const canPublish = required.every((i) => i.ok);
  const readyWithDrafts = required.every((i) => i.ok || i.id === 'published-content') && s.contentWithDrafts;
  return {
    required,
    advice,
    drafts: { chapters: s.draftChapters, lessons: s.draftLessons },
    canPublish,
    readyWithDrafts,
    complete: canPublish && advice.every((i) => i.ok),
  };
}

/** What is missing, in one sentence (the required items not met). */
export const missingOf = (checklist: PublishChecklist): string =>
  checklist.required
    .filter((i) => !i.ok)
    .map((i) => i.label.replace(/\.$/, ''))
    .join('; ') + '.';

export type PublishAllResult =
  | { ok: true; changed: boolean; chapters: number; lessons: number; coursePublished: boolean }
  | { ok: false; checklist: PublishChecklist };

class Refused extends Error {
  constructor(readonly checklist: PublishChecklist) {
    super('publish-all refused');
  }
}

/**
 * Publishes every Draft chapter and lesson of the course, then the course, in one transaction under
 * the course's lock (Scheduled ones keep their release time). Refused, with nothing changed, when the
 * checklist (asked after the drafts are published, in the same transaction) still misses something.
 * Doing it again changes nothing and records nothing; two at once run one after the other.
 */
export async function publishWithContent(db: Database, a: AuditContext, courseId: string): Promise<PublishAllResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      await lockParent(trx, CHAPTERS, courseId);
      const chapters = await trx.updateTable('chapter').set({ status: 'Published', releaseAt: null }).where('courseId', '=', courseId).where('status', '=', 'Draft').returning('id').execute();
      const lessons = await trx
        .updateTable('lesson')
        .set({ status: 'Published', releaseAt: null })
        .where('status', '=', 'Draft')
        .where('chapterId', 'in', trx.selectFrom('chapter').select('id').where('courseId', '=', courseId))
        .returning('id')
        .execute();
      const checklist = await publishChecklist(trx, courseId);
      if (!checklist.canPublish) throw new Refused(checklist);
      const course = await trx.updateTable('course').set({ status: 'Published' }).where('id', '=', courseId).where('status', '<>', 'Published').returning('id').executeTakeFirst();
      const changed = !!course || chapters.length > 0 || lessons.length > 0;
      if (changed) {
        await recordActivity(trx, a, {
          action: 'course_published',
          entityType: 'course',
          entityId: courseId,
          metadata: { withContent: true, chapters: chapters.map((c) => c.id), lessons: lessons.map((l) => l.id), coursePublished: !!course },
        });
      }
      return { ok: true as const, changed, chapters: chapters.length, lessons: lessons.length, coursePublished: !!course };
    });
  } catch (error) {
    // The transaction is rolled back: the checklist is asked again, of the course as it is.
    if (error instanceof Refused) return { ok: false, checklist: await publishChecklist(db, courseId) };
    throw error;
  }
}
