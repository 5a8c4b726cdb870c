import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { CHAPTERS, lockParent } from './positions.ts';
import { chapterIsEmptySql } from './chapter-rules.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';

/**
 * What a course needs before it can be published, as one checklist: the teacher's course page shows
 * it, and both publish actions decide with it (setCourseStatus in service.ts, and publishWithContent
 * below, which asks it after publishing the drafts, inside its transaction). One function, so the
 * page and the actions cannot disagree.
 *
 * "Chapters must have at least one lesson" (chapter-rules.ts) is the `empty-chapters` item: any
 * chapter with no lesson, whatever its status, blocks publishing the course, so publish-all cannot
 * publish an empty draft chapter either.
 *
 * `required` items block publishing; `advice` items (drafts that would stay hidden, lessons with
 * neither a video, text nor an assessment, quizzes without questions) are shown and never block.
 */

export interface ChecklistItem {
  id: 'details' | 'image' | 'price' | 'chapters' | 'lessons' | 'empty-chapters' | 'published-content' | 'drafts' | 'bare-lessons' | 'empty-quizzes';
  ok: boolean;
  /** The catalogue message and its values (shown through t()); `label` is it in English. */
  message: string;
  values?: MessageValues;
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

const english = translatorFor('en');
const QUOTED_MAX = 3;
/** The first titles, quoted ("and N more" is in the message): user-written, never translated. */
const quoted = (titles: string[]) =>
  titles
    .slice(0, QUOTED_MAX)
    .map((t) => `"${t}"`)
    .join(', ');
const item = (id: ChecklistItem['id'], ok: boolean, message: string, href?: string, values?: MessageValues): ChecklistItem => ({
  id,
  ok,
  message,
  values,
  label: english.t(message, values),
  href,
});

export const PUBLISHED_CONTENT_MESSAGE = msg('Publish at least one chapter with a published lesson first: students would find nothing to learn.');

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
      (select coalesce(json_agg(title order by position), '[]') from ch where ${chapterIsEmptySql('ch')}) as empty_chapters,
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

  const titles = (list: string[]) => ({ titles: quoted(list), more: Math.max(0, list.length - QUOTED_MAX) });
  const required: ChecklistItem[] = [
    item('details', details, details ? msg('Title, short description and description') : msg('Fill in the title, short description and description'), '#details-title'),
    item('image', !!course.fileKey, course.fileKey ? msg('A course image') : msg('Upload a course image: it shows on the catalog card and the course page'), '#image-title'),
    item(
      'price',
      course.price === 0 || course.price >= 50,
      course.price === 0 || course.price >= 50 ? msg('A price (free counts)') : msg('Set a price of 0 (free) or at least {minimum}'),
      '#details-title',
      { minimum: '0.50' },
    ),
    item('chapters', s.chapters > 0, s.chapters > 0 ? msg('{count, plural, one {# chapter} other {# chapters}}') : msg('Add a chapter'), '#structure', { count: s.chapters }),
    item('lessons', s.lessons > 0, s.lessons > 0 ? msg('{count, plural, one {# lesson} other {# lessons}}') : msg('Add a lesson'), '#structure', { count: s.lessons }),
    item(
      'empty-chapters',
      s.emptyChapters.length === 0,
      s.emptyChapters.length === 0
        ? msg('Every chapter has a lesson')
        : msg('Add a lesson to {titles}{more, plural, =0 {} other { and # more}}, or delete {count, plural, one {it} other {them}}'),
      '#structure',
      { ...titles(s.emptyChapters), count: s.emptyChapters.length },
    ),
    item('published-content', s.publishedContent, s.publishedContent ? msg('A published chapter with a published lesson') : PUBLISHED_CONTENT_MESSAGE, '#structure'),
  ];
  const drafts = s.draftChapters + s.draftLessons;
  const advice: ChecklistItem[] = [
    item(
      'drafts',
      drafts === 0,
      drafts === 0
        ? msg('No drafts left')
        : s.draftChapters && s.draftLessons
          ? msg('{chapters, plural, one {# draft chapter} other {# draft chapters}} and {lessons, plural, one {# draft lesson} other {# draft lessons}} would stay hidden from students')
          : s.draftChapters
            ? msg('{chapters, plural, one {# draft chapter} other {# draft chapters}} would stay hidden from students')
            : msg('{lessons, plural, one {# draft lesson} other {# draft lessons}} would stay hidden from students'),
      '#structure',
      { chapters: s.draftChapters, lessons: s.draftLessons },
    ),
    item(
      'bare-lessons',
      s.bareLessons.length === 0,
      s.bareLessons.length === 0
        ? msg('Every lesson has a video or text')
        : msg('{count, plural, one {# lesson has} other {# lessons have}} neither a video nor text: {titles}{more, plural, =0 {} other { and # more}}'),
      '#structure',
      { ...titles(s.bareLessons), count: s.bareLessons.length },
    ),
    item(
      'empty-quizzes',
      s.emptyQuizzes.length === 0,
      s.emptyQuizzes.length === 0
        ? msg('Every quiz has questions')
        : msg('Add questions to the quiz of {titles}{more, plural, =0 {} other { and # more}}: students cannot take an empty quiz'),
      '#structure',
      titles(s.emptyQuizzes),
    ),
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

/** What is missing, in one sentence (the required items not met), in the reader's language. */
export const missingOf = (checklist: PublishChecklist, tr: Translator = english): string =>
  checklist.required
    .filter((i) => !i.ok)
    .map((i) => tr.t(i.message, i.values).replace(/\.$/, ''))
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
