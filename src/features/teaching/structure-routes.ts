import { Router, type Request, type Response } from 'express';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { fieldErrors } from '../../http/forms.ts';
import { isHtmx, render } from '../../http/render.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { utcToZonedInput } from '../../lib/dates.ts';
import type { MediaDeps } from './media-upload-routes.ts';
import { loadChapter, loadLesson } from './load.ts';
import { renderCoursePage } from './course-page.ts';
import { CHAPTER_BACK_TO_DRAFT, LAST_LESSON_CONSEQUENCE, lastLessonOfShownChapter } from './chapter-rules.ts';
import { lessonInput, lessonUpdateInput, moveInput, releaseInput, titleInput } from './schemas.ts';
import { ATTACHMENT_MAX_BYTES, lessonAttachments } from './attachments.ts';
import { addLesson, deleteItem, moveItem, renameChapter, setRelease, updateLesson } from './service.ts';
import type { AuditContext } from '../audit/activity.ts';
import { lessonAssessment, type AssessmentForm } from '../assessments/load.ts';
import { teacherVideoStatus } from '../video/teacher-video.ts';
import { languageOptions, lessonCaptionList } from '../video/caption-store.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * Chapters and lessons: rename, reorder, delete (after a confirmation page), publish or schedule.
 * Without JavaScript each action answers 303 back to the course page; with htmx, the course's
 * structure fragment.
 */

type Chapter = { id: string; courseId: string; title: string };
type Lesson = {
  id: string;
  chapterId: string;
  courseId: string;
  title: string;
  description: string | null;
  contentMarkdown: string | null;
  status: string;
  releaseAt: Date | null;
  videoKey: string | null;
  thumbnailKey: string | null;
  courseTitle: string;
  chapterTitle: string;
};
type AuditOf = (req: Request, res: Response) => AuditContext;

export interface LessonPageExtras {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  /** ICU values of the messages in `errors`, by field (the release form's time zone). */
  errorValues?: Record<string, MessageValues | undefined>;
  /** The assessment section's refused form (features/assessments/authoring-routes.ts). */
  assessmentForm?: AssessmentForm;
  /** The captions upload form refused (features/video/caption-routes.ts): what was chosen, and why. */
  captionForm?: { values: Record<string, string>; errors: Record<string, string>; errorValues?: Record<string, MessageValues | undefined> };
}

/** The teacher's lesson page for `res.locals.lesson` (loadLesson); also rendered by the assessment routes on a 422. */
export async function renderLessonPage(deps: MediaDeps, _req: Request, res: Response, extras: LessonPageExtras = {}, status = 200) {
  const { db, storage, config } = deps;
  const lesson = res.locals.lesson as Lesson;
  const [video, attachments, assessment, videoStatus, captions] = await Promise.all([
    lesson.videoKey ? storage.head(lesson.videoKey) : undefined,
    lessonAttachments(db, lesson.id),
    lessonAssessment(db, lesson.id),
    // The copies made for slow connections, and the caption tracks: one query each (features/video/).
    lesson.videoKey ? teacherVideoStatus(db, lesson.videoKey) : undefined,
    lessonCaptionList(db, lesson.id),
  ]);
  render(
    res,
    'teach/lesson',
    {
      title: lesson.title,
      lesson,
      values: extras.values ?? { title: lesson.title, description: lesson.description ?? '', content: lesson.contentMarkdown ?? '' },
      errors: extras.errors ?? {},
      errorValues: extras.errorValues ?? {},
      releaseAtValue: lesson.releaseAt ? utcToZonedInput(lesson.releaseAt, timeZoneOf(res)) : '',
      videoBytes: video ? video.size : undefined,
      uploadMaxMb: Math.round(config.uploadMaxBytes / 1024 / 1024),
      attachments,
      attachmentMaxMb: Math.round(Math.min(ATTACHMENT_MAX_BYTES, config.uploadMaxBytes) / 1024 / 1024),
      assessment,
      assessmentForm: extras.assessmentForm,
      videoStatus,
      captions,
      captionLanguages: languageOptions(),
      captionForm: extras.captionForm,
    },
    status,
  );
}

export function structureRoutes(deps: MediaDeps, a: AuditOf): Router {
  const { db, storage, logger } = deps;
  const router = Router();
  router.param('chapterId', loadChapter(db));
  router.param('lessonId', loadLesson(db));

  async function withCourse(res: Response, courseId: string) {
    res.locals.course = await db.selectFrom('course').selectAll().where('id', '=', courseId).executeTakeFirstOrThrow();
  }

  /** After a structure change: the fragment for htmx, or back to the course page at `anchor`. */
  async function done(req: Request, res: Response, courseId: string, anchor: string) {
    if (isHtmx(req)) {
      await withCourse(res, courseId);
      return renderCoursePage(db, req, res);
    }
    res.redirect(303, `/teach/courses/${courseId}#${anchor}`);
  }

  async function problem(req: Request, res: Response, courseId: string, target: string, message: string, values?: MessageValues) {
    await withCourse(res, courseId);
    return renderCoursePage(db, req, res, { structureError: { target, message, ...(values ? { values } : {}) } }, 422);
  }

  // Chapters

  router.post('/chapters/:chapterId', async (req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const parsed = titleInput.safeParse(req.body);
    if (!parsed.success) return problem(req, res, chapter.courseId, `chapter-${chapter.id}`, fieldErrors(parsed.error).title ?? msg('Enter a title.'));
    await renameChapter(db, a(req, res), chapter.id, parsed.data.title);
    return done(req, res, chapter.courseId, `chapter-${chapter.id}`);
  });

  router.post('/chapters/:chapterId/move', async (req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const parsed = moveInput.safeParse(req.body);
    if (parsed.success) await moveItem(db, a(req, res), 'chapter', chapter.id, chapter.courseId, parsed.data.direction);
    return done(req, res, chapter.courseId, `chapter-${chapter.id}`);
  });

  router.post('/chapters/:chapterId/publish', async (req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const parsed = releaseInput(timeZoneOf(res)).safeParse(req.body);
    if (!parsed.success) return problem(req, res, chapter.courseId, `chapter-${chapter.id}`, Object.values(fieldErrors(parsed.error))[0]!, { timeZone: timeZoneOf(res) });
    // An empty chapter is neither published nor scheduled (chapter-rules.ts): 422, the course page
    // (or its structure fragment) naming it, as for the other refusals of these forms.
    const result = await setRelease(db, a(req, res), 'chapter', chapter.id, parsed.data);
    if (!result.ok) return problem(req, res, chapter.courseId, `chapter-${chapter.id}`, result.message, result.values);
    return done(req, res, chapter.courseId, `chapter-${chapter.id}`);
  });

  router.get('/chapters/:chapterId/delete', async (_req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const { n } = await db
      .selectFrom('lesson')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('chapterId', '=', chapter.id)
      .executeTakeFirstOrThrow();
    render(res, 'teach/confirm-delete', {
      title: translatorOf(res).t('Delete the chapter "{title}"?', { title: chapter.title }),
      what: 'chapter',
      name: chapter.title,
      consequence:
        Number(n) === 0
          ? msg('It has no lessons.')
          : msg('{count, plural, one {Its # lesson, with its video, attached files and students’ progress, will be deleted too.} other {Its # lessons, with their videos, attached files and students’ progress, will be deleted too.}}'),
      consequenceValues: { count: Number(n) },
      action: `/teach/chapters/${chapter.id}/delete`,
      back: `/teach/courses/${chapter.courseId}#chapter-${chapter.id}`,
    });
  });

  /** Files of lessons about to be deleted: removed from storage once their rows are gone. */
  async function filesOf(where: { chapterId?: string; lessonId?: string }): Promise<string[]> {
    const rows = await db
      .selectFrom('lesson')
      .select(['videoKey', 'thumbnailKey'])
      .$if(!!where.chapterId, (q) => q.where('chapterId', '=', where.chapterId!))
      .$if(!!where.lessonId, (q) => q.where('id', '=', where.lessonId!))
      .execute();
    const attached = await db
      .selectFrom('lessonAttachment')
      .innerJoin('lesson', 'lesson.id', 'lessonAttachment.lessonId')
      .select('lessonAttachment.fileKey')
      .$if(!!where.chapterId, (q) => q.where('lesson.chapterId', '=', where.chapterId!))
      .$if(!!where.lessonId, (q) => q.where('lesson.id', '=', where.lessonId!))
      .execute();
    return [...rows.flatMap((r) => [r.videoKey, r.thumbnailKey]), ...attached.map((r) => r.fileKey)].filter((k): k is string => !!k);
  }
  const removeFiles = (keys: string[]) =>
    Promise.all(keys.map((key) => storage.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'could not delete a stored file'))));

  router.post('/chapters/:chapterId/delete', async (req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const files = await filesOf({ chapterId: chapter.id });
    await deleteItem(db, a(req, res), 'chapter', chapter.id, chapter.courseId);
    await removeFiles(files);
    setFlash(req, 'success', msg('Chapter "{title}" deleted.'), { title: chapter.title });
    res.redirect(303, `/teach/courses/${chapter.courseId}#structure`);
  });

  router.post('/chapters/:chapterId/lessons', async (req, res) => {
    const chapter = res.locals.chapter as Chapter;
    const parsed = lessonInput.safeParse(req.body);
    if (!parsed.success) return problem(req, res, chapter.courseId, `new-lesson-${chapter.id}`, fieldErrors(parsed.error).title ?? msg('Enter a title.'));
    const id = await addLesson(db, a(req, res), chapter.id, parsed.data);
    return done(req, res, chapter.courseId, `lesson-${id}`);
  });

  // Lessons

  const lessonPage = (req: Request, res: Response, extras: LessonPageExtras = {}, status = 200) => renderLessonPage(deps, req, res, extras, status);

  router.get('/lessons/:lessonId', (req, res) => lessonPage(req, res));

  router.post('/lessons/:lessonId', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const parsed = lessonUpdateInput.safeParse(req.body);
    if (!parsed.success) {
      // What was typed comes back as it was, the lesson text too, however long.
      const typed = (name: string) => (typeof req.body?.[name] === 'string' ? (req.body[name] as string) : '');
      const values = { title: typed('title'), description: typed('description'), content: typed('content') };
      return lessonPage(req, res, { values, errors: fieldErrors(parsed.error) }, 422);
    }
    await updateLesson(db, a(req, res), lesson.id, parsed.data);
    setFlash(req, 'success', msg('Lesson saved.'));
    res.redirect(303, `/teach/lessons/${lesson.id}`);
  });

  router.post('/lessons/:lessonId/move', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const parsed = moveInput.safeParse(req.body);
    if (parsed.success) await moveItem(db, a(req, res), 'lesson', lesson.id, lesson.chapterId, parsed.data.direction);
    return done(req, res, lesson.courseId, `lesson-${lesson.id}`);
  });

  router.post('/lessons/:lessonId/publish', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const parsed = releaseInput(timeZoneOf(res)).safeParse(req.body);
    if (!parsed.success) {
      // From the lesson page, the problem is shown there; from the course page, in its structure.
      if (req.body?.from === 'lesson') return lessonPage(req, res, { errors: fieldErrors(parsed.error), errorValues: { releaseAt: { timeZone: timeZoneOf(res) } } }, 422);
      return problem(req, res, lesson.courseId, `lesson-${lesson.id}`, Object.values(fieldErrors(parsed.error))[0]!, { timeZone: timeZoneOf(res) });
    }
    await setRelease(db, a(req, res), 'lesson', lesson.id, parsed.data);
    if (req.body?.from === 'lesson') {
      setFlash(req, 'success', msg('Lesson release saved.'));
      return res.redirect(303, `/teach/lessons/${lesson.id}`);
    }
    return done(req, res, lesson.courseId, `lesson-${lesson.id}`);
  });

  router.get('/lessons/:lessonId/delete', async (_req, res) => {
    const lesson = res.locals.lesson as Lesson;
    // The last lesson of a chapter students see takes the chapter back to Draft: said before, here.
    const emptied = await lastLessonOfShownChapter(db, lesson.id);
    render(res, 'teach/confirm-delete', {
      title: translatorOf(res).t('Delete the lesson "{title}"?', { title: lesson.title }),
      what: 'lesson',
      name: lesson.title,
      consequence: emptied === undefined ? msg('Its video, attached files and students’ progress will be deleted too.') : LAST_LESSON_CONSEQUENCE,
      consequenceValues: { chapter: emptied ?? '' },
      action: `/teach/lessons/${lesson.id}/delete`,
      back: `/teach/courses/${lesson.courseId}#lesson-${lesson.id}`,
    });
  });

  router.post('/lessons/:lessonId/delete', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const files = await filesOf({ lessonId: lesson.id });
    const { chapterToDraft } = await deleteItem(db, a(req, res), 'lesson', lesson.id, lesson.chapterId);
    await removeFiles(files);
    if (chapterToDraft !== undefined) setFlash(req, 'success', CHAPTER_BACK_TO_DRAFT, { title: lesson.title, chapter: chapterToDraft });
    else setFlash(req, 'success', msg('Lesson "{title}" deleted.'), { title: lesson.title });
    res.redirect(303, `/teach/courses/${lesson.courseId}#chapter-${lesson.chapterId}`);
  });

  return router;
}
