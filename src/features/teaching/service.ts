import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { isUniqueViolation } from '../../http/forms.ts';
import { renderMarkdown, type ImageSize } from '../../lib/markdown.ts';
import { slugify } from '../../lib/slug.ts';
import { recordActivity, type AuditAction, type AuditContext } from '../audit/activity.ts';
import { CHAPTERS, LESSONS, lockParent, move, nextPosition, renumber, type Tree } from './positions.ts';
import { publishChecklist, type PublishChecklist } from './publish.ts';
import { chapterReleaseRefusal, draftIfEmptied, type ChapterRefusal } from './chapter-rules.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { CourseInput } from './schemas.ts';

/** Course authoring rules. Each write is one transaction, and its audit row is part of it. */

type Audit = AuditContext;

const audit = (trx: Database, a: Audit, action: AuditAction, entityType: string, entityId: string, metadata?: Record<string, unknown>) =>
  recordActivity(trx, a, { action, entityType, entityId, ...(metadata ? { metadata } : {}) });

export type CourseWriteResult = { ok: true; id: string; slug: string } | { ok: false; errors: Record<string, string> };

const MAX_SLUG_TRIES = 50;

/** A new draft course; its address comes from the title (or the one typed), made unique with a suffix. */
export async function createCourse(db: Database, a: Audit, input: CourseInput): Promise<CourseWriteResult> {
  const base = input.slug ?? slugify(input.title);
  return db.transaction().execute(async (trx) => {
    for (let attempt = 1; attempt <= MAX_SLUG_TRIES; attempt++) {
      const slug = attempt === 1 ? base : `${base.slice(0, 75)}-${attempt}`;
      const { slug: _typed, ...fields } = input;
      // ON CONFLICT DO NOTHING: two teachers choosing the same title at once both succeed.
      const row = await trx
        .insertInto('course')
        .values({ ...fields, slug, userId: a.actorId, status: 'Draft' })
        .onConflict((oc) => oc.column('slug').doNothing())
        .returning(['id', 'slug'])
        .executeTakeFirst();
      if (row) {
        await audit(trx, a, 'course_created', 'course', row.id, { title: input.title });
        return { ok: true as const, id: row.id, slug: row.slug };
      }
    }
    return { ok: false as const, errors: { slug: msg('Could not find a free address for this title; type one yourself.') } };
  });
}

export async function updateCourse(db: Database, a: Audit, courseId: string, input: CourseInput): Promise<CourseWriteResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      const { slug, ...fields } = input;
      const row = await trx
        .updateTable('course')
        .set({ ...fields, ...(slug ? { slug } : {}) })
        .where('id', '=', courseId)
        .returning(['id', 'slug'])
        .executeTakeFirstOrThrow();
      await audit(trx, a, 'course_updated', 'course', courseId);
      return { ok: true as const, id: row.id, slug: row.slug };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'course_slug_key')) return { ok: false, errors: { slug: msg('Another course already uses this address.') } };
    throw error;
  }
}

/** Refused: the checklist that refused it (the route says what is missing, in the reader's language). */
export type StatusResult = { ok: true } | { ok: false; checklist: PublishChecklist };

export async function setCourseStatus(db: Database, a: Audit, courseId: string, status: 'Published' | 'Draft' | 'Archived'): Promise<StatusResult> {
  return db.transaction().execute(async (trx) => {
    // Locked, so that content cannot be unpublished between the check and the change.
    await lockParent(trx, CHAPTERS, courseId);
    // The course page's checklist decides (publish.ts): what it shows missing is what refuses here.
    if (status === 'Published') {
      const checklist = await publishChecklist(trx, courseId);
      if (!checklist.canPublish) return { ok: false as const, checklist };
    }
    await trx.updateTable('course').set({ status }).where('id', '=', courseId).execute();
    const action: AuditAction = status === 'Published' ? 'course_published' : status === 'Archived' ? 'course_archived' : 'course_unpublished';
    await audit(trx, a, action, 'course', courseId);
    return { ok: true as const };
  });
}

export async function addChapter(db: Database, a: Audit, courseId: string, title: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, CHAPTERS, courseId);
    const position = await nextPosition(trx, CHAPTERS, courseId);
    const { id } = await trx.insertInto('chapter').values({ courseId, title, position }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'chapter_added', 'chapter', id, { courseId, title });
    return id;
  });
}

export async function addLesson(db: Database, a: Audit, chapterId: string, input: { title: string; description: string | null }): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, LESSONS, chapterId);
    const position = await nextPosition(trx, LESSONS, chapterId);
    const { id } = await trx.insertInto('lesson').values({ chapterId, ...input, position }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'lesson_added', 'lesson', id, { chapterId, title: input.title });
    return id;
  });
}

export async function renameChapter(db: Database, a: Audit, chapterId: string, title: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('chapter').set({ title }).where('id', '=', chapterId).execute();
    await audit(trx, a, 'chapter_updated', 'chapter', chapterId, { title });
  });
}

/**
 * Title, description and (when given) the lesson text: its Markdown source, and the safe HTML
 * rendered from it here, once, in the same write. Images in the text show only when they are this
 * course's own stored files (its image, lesson posters, image attachments), by their /media path.
 */
export async function updateLesson(
  db: Database,
  a: Audit,
  lessonId: string,
  input: { title: string; description: string | null; content?: string | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { content, ...fields } = input;
    const text =
      content === undefined
        ? {}
        : content === null
          ? { contentMarkdown: null, contentHtml: null }
          : { contentMarkdown: content, contentHtml: renderMarkdown(content, { allowImage: allowedIn(await courseMediaPaths(trx, lessonId)) }) };
    await trx.updateTable('lesson').set({ ...fields, ...text }).where('id', '=', lessonId).execute();
    await audit(trx, a, 'lesson_updated', 'lesson', lessonId, { title: input.title, ...(content !== undefined ? { contentChars: content?.length ?? 0 } : {}) });
  });
}

/** Allowed: a path in `images`, with its size when known. */
const allowedIn = (images: Map<string, ImageSize | null>) => (src: string) => (images.has(src) ? (images.get(src) ?? true) : false);

/** `/media/<key>` of every image stored for the lesson's course, with its size when known: one query. */
async function courseMediaPaths(db: Database, lessonId: string): Promise<Map<string, ImageSize | null>> {
  const { rows } = await sql<{ key: string; width: number | null; height: number | null }>`
    with this_course as (
      select ch.course_id as id from lesson l join chapter ch on ch.id = l.chapter_id where l.id = ${lessonId}
    ), lessons as (
      select l.id, l.thumbnail_key from lesson l join chapter ch on ch.id = l.chapter_id where ch.course_id = (select id from this_course)
    )
    select c.file_key as key, null::int as width, null::int as height from course c where c.id = (select id from this_course) and c.file_key is not null
    union all select thumbnail_key, null, null from lessons where thumbnail_key is not null
    union all select a.file_key, a.width, a.height from lesson_attachment a where a.lesson_id in (select id from lessons) and a.content_type like 'image/%'`.execute(db);
  return new Map(rows.map((r) => [`/media/${r.key}`, r.width && r.height ? { width: r.width, height: r.height } : null]));
}

const entity = { chapter: CHAPTERS, lesson: LESSONS } as const;

export async function moveItem(db: Database, a: Audit, kind: 'chapter' | 'lesson', id: string, parentId: string, direction: 'up' | 'down'): Promise<boolean> {
  const tree: Tree = entity[kind];
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, tree, parentId);
    const moved = await move(trx, tree, parentId, id, direction);
    if (moved) await audit(trx, a, kind === 'chapter' ? 'chapter_moved' : 'lesson_moved', kind, id, { direction });
    return moved;
  });
}

/**
 * Deletes a chapter or a lesson and closes the gap. A lesson that was the last of a Published or
 * Scheduled chapter takes the chapter back to Draft (chapter-rules.ts): `chapterToDraft` is then its
 * title, and the chapter's change has its audit row too.
 */
export async function deleteItem(db: Database, a: Audit, kind: 'chapter' | 'lesson', id: string, parentId: string): Promise<{ chapterToDraft?: string }> {
  const tree: Tree = entity[kind];
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, tree, parentId);
    await trx.deleteFrom(kind).where('id', '=', id).execute();
    await renumber(trx, tree, parentId);
    await audit(trx, a, kind === 'chapter' ? 'chapter_deleted' : 'lesson_deleted', kind, id, { parentId });
    if (kind === 'chapter') return {};
    const chapterToDraft = await draftIfEmptied(trx, parentId);
    if (chapterToDraft === undefined) return {};
    await audit(trx, a, 'chapter_published', 'chapter', parentId, { status: 'Draft', releaseAt: null, reason: 'last_lesson_deleted' });
    return { chapterToDraft };
  });
}

export type ReleaseResult = { ok: true } | ({ ok: false } & ChapterRefusal);

/**
 * Published now, Scheduled for a future `releaseAt` (the cron job publishes it then), or Draft. A
 * chapter is published or scheduled only with a lesson in it (chapter-rules.ts): asked under the
 * chapter's lock, the one adding and deleting its lessons take.
 */
export async function setRelease(
  db: Database,
  a: Audit,
  kind: 'chapter' | 'lesson',
  id: string,
  release: { status: 'Published' | 'Scheduled' | 'Draft'; releaseAt: Date | undefined },
): Promise<ReleaseResult> {
  return db.transaction().execute(async (trx) => {
    if (kind === 'chapter') {
      await lockParent(trx, LESSONS, id);
      const refused = await chapterReleaseRefusal(trx, id, release.status);
      if (refused) return { ok: false as const, ...refused };
    }
    const releaseAt = release.status === 'Scheduled' ? release.releaseAt! : null;
    await trx.updateTable(kind).set({ status: release.status, releaseAt }).where('id', '=', id).execute();
    await audit(trx, a, kind === 'chapter' ? 'chapter_published' : 'lesson_published', kind, id, {
      status: release.status,
      releaseAt: releaseAt?.toISOString() ?? null,
    });
    return { ok: true as const };
  });
}
