import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { badgeList } from './badges.ts';
import { isHtmx, isPrefetch, render } from '../../http/render.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { assessmentOnLessonPage, assessmentStudentRoutes, type AssessmentFormState } from '../assessments/student-routes.ts';
import { setting } from '../system/settings.ts';
import { lessonAttachments } from '../teaching/attachments.ts';
import { toggleLessonCompletion, type QuizGate } from './completion.ts';
import { downloadRoutes } from './downloads.ts';
import { offlineManifestRoutes } from '../video/offline-routes.ts';
import type { AssetManifest } from '../../http/assets.ts';
import { loadLearner, type Learner } from './context.ts';
import { learnerCurriculum, progressOf, type ChapterState } from './curriculum.ts';
import { rateCourse, recordLessonView, recordWatchTime, unlockEarly } from './service.ts';
import { liveCallIdSql, liveCallOf, liveCallTitleSql } from '../support-calls/queries.ts';
import { lessonCaptionsSql, lessonPlayer, transcriptChoice, videoChoice } from '../video/lesson-player.ts';
import { captionServeRoutes } from '../video/caption-serve-routes.ts';
import { studentSupportCallRoutes } from '../support-calls/student-routes.ts';

/** /learn/:slug (signed in): the player, lessons, completion, early unlocks, watch time and ratings. */

export interface LearningDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'baseUrl' | 'trustProxy' | 'uploadMaxBytes' | 'dataDir'>;
  logger: Logger;
  /** The asset manifest: the offline manifest lists the scripts and styles a lesson page needs. */
  assets: AssetManifest;
}

const uuid = z.uuid();
const unlockInput = z.union([z.object({ lessonId: z.uuid() }), z.object({ chapterId: z.uuid() })]);
// The state the completion form asks for ('true': done); absent (an older page): a plain toggle.
const completionInput = z.object({ completed: z.enum(['true', 'false']).optional() });
const watchInput = z.object({ lessonId: z.uuid(), watched: z.coerce.number().min(0).max(86_400), duration: z.coerce.number().min(0).max(86_400) });
const ratingInput = z.object({
  rating: z.coerce.number({ message: msg('Choose 1 to 5 stars.') }).int(msg('Choose 1 to 5 stars.')).min(1, msg('Choose 1 to 5 stars.')).max(5, msg('Choose 1 to 5 stars.')),
  comment: z
    .string()
    .trim()
    .max(2000, msg('Keep the comment under 2000 characters.'))
    .optional()
    .transform((v) => (v ? v : null)),
});

const learnerOf = (res: Response) => res.locals.learner as Learner;

export function learningRoutes(deps: LearningDeps): Router {
  const { db, storage, logger } = deps;
  const router = Router({ mergeParams: true });
  router.use(loadLearner(db));

  const lessonsOf = (chapters: ChapterState[]) => chapters.flatMap((c) => c.lessons);
  // The learner as the course policy sees lessons: a preview (teacher, admin) opens everything.
  const curriculumOf = (learner: Learner) => learnerCurriculum(db, learner.course.id, { userId: learner.user.id, manages: learner.preview });

  // The player opens at the first open lesson not yet completed (or the first one).
  router.get('/', async (_req, res) => {
    const learner = learnerOf(res);
    const chapters = await curriculumOf(learner);
    const open = lessonsOf(chapters).filter((l) => l.open);
    const next = open.find((l) => !l.completed) ?? open[0];
    if (next) return res.redirect(`/learn/${learner.course.slug}/lessons/${next.id}`);
    const [unlockPrice, liveCall] = await Promise.all([setting(db, 'learning.earlyUnlockPoints'), liveCallOf(db, learner.course.id)]);
    render(res, 'learn/lesson', { title: learner.course.title, learner, chapters, lesson: undefined, progress: progressOf(chapters), unlockPrice, liveCall });
  });

  async function lessonPage(req: Request, res: Response, lessonId: string, extras: { ratingErrors?: Record<string, string>; assessmentForm?: AssessmentFormState; completionRefused?: QuizGate } = {}, status = 200) {
    const learner = learnerOf(res);
    const chapters = await curriculumOf(learner);
    const all = lessonsOf(chapters);
    const index = all.findIndex((l) => l.id === lessonId);
    const state = all[index];
    if (!state || !state.open) throw notFound();
    const openLessons = all.filter((l) => l.open);
    const at = openLessons.findIndex((l) => l.id === lessonId);
    const shown = status === 200 && !isHtmx(req);
    const [lesson, attachments, rating, unlockPrice, points, assessment] = await Promise.all([
      db
        .selectFrom('lesson')
        .select(['id', 'title', 'description', 'contentHtml', 'videoKey', 'thumbnailKey', lessonCaptionsSql().as('captions')])
        .where('id', '=', lessonId)
        .executeTakeFirstOrThrow(),
      lessonAttachments(db, lessonId),
      db.selectFrom('courseRating').select(['rating', 'comment']).where('courseId', '=', learner.course.id).where('userId', '=', learner.user.id).executeTakeFirst(),
      setting(db, 'learning.earlyUnlockPoints'),
      // The course's live support call rides along (no query of its own): the "Live help now" line.
      db
        .selectFrom('user')
        .select(['points', liveCallIdSql(learner.course.id).as('liveCallId'), liveCallTitleSql(learner.course.id).as('liveCallTitle')])
        .where('id', '=', learner.user.id)
        .executeTakeFirstOrThrow(),
      assessmentOnLessonPage(deps, req, learner, lessonId, { shown, ...(extras.assessmentForm ? { form: extras.assessmentForm } : {}) }),
    ]);
    const { captions } = lesson;
    // The player (video/lesson-player.ts): the copy for this student's data saver or their ?video= pick, captions, transcript.
    const player = lesson.videoKey
      ? await lessonPlayer({ db, storage }, { ...lesson, videoKey: lesson.videoKey, courseSlug: learner.course.slug }, captions, {
          dataSaver: res.locals.dataSaver === true,
          wanted: videoChoice.parse(req.query.video),
          preferredLanguage: captions.length > 1 ? req.acceptsLanguages(captions.map((c) => c.language)) || undefined : undefined,
          transcript: transcriptChoice.parse(req.query.transcript),
          tr: translatorOf(res),
        })
      : undefined;
    // A page fetched ahead (link prefetching, or the service worker saving a chapter for offline
    // use, which says `Purpose: prefetch`) is not a view: nobody has looked at it yet. Only an
    // enrolled student's view counts (a preview has no enrollment), of a lesson open to them (above:
    // 404 otherwise); it also starts the lesson's progress row, in the same statement.
    if (learner.enrollment && status === 200 && !isHtmx(req) && !isPrefetch(req)) {
      await recordLessonView(db, { enrollmentId: learner.enrollment.id, userId: learner.user.id }, lessonId);
    }
    render(
      res,
      'learn/lesson',
      {
        title: `${lesson.title} · ${learner.course.title}`,
        learner,
        chapters,
        // gate: the required quiz not passed yet, shown instead of the completion button.
        lesson: { ...lesson, completed: state.completed, gate: state.completed ? undefined : assessment?.gate },
        assessment,
        completionRefused: extras.completionRefused,
        attachments,
        player,
        previous: openLessons[at - 1],
        next: openLessons[at + 1],
        progress: progressOf(chapters),
        rating,
        ratingErrors: extras.ratingErrors ?? {},
        unlockPrice,
        points: points.points,
        liveCall: points.liveCallId ? { id: points.liveCallId, title: points.liveCallTitle } : undefined,
      },
      status,
    );
  }

  router.get('/lessons/:lessonId', async (req, res) => {
    if (!uuid.safeParse(req.params.lessonId).success) throw notFound();
    await lessonPage(req, res, String(req.params.lessonId));
  });

  router.use(downloadRoutes({ db, storage }));
  router.use(offlineManifestRoutes({ db, storage, assets: deps.assets }));
  router.use(captionServeRoutes({ db }));
  router.use(studentSupportCallRoutes({ db }));
  router.use(assessmentStudentRoutes({ db, storage, config: deps.config, logger, lessonPage }));

  router.post('/lessons/:lessonId/complete', async (req, res) => {
    const learner = learnerOf(res);
    const lessonId = String(req.params.lessonId);
    if (!uuid.safeParse(lessonId).success) throw notFound();
    const wanted = completionInput.safeParse(req.body ?? {}).data?.completed;
    const outcome = await toggleLessonCompletion(
      { db, storage, baseUrl: deps.config.baseUrl, logger },
      { userId: learner.user.id, courseId: learner.course.id, courseTitle: learner.course.title, ...(learner.enrollment ? { enrollmentId: learner.enrollment.id } : {}) },
      lessonId,
      wanted === undefined ? undefined : wanted === 'true',
    );
    if (!outcome.found) throw notFound();
    res.vary('HX-Request');
    const { completed, badges, certificate, chapters, progress } = outcome;
    // A required quiz not passed yet: 422 with the reason, the fragment or the page.
    if (outcome.refused) {
      if (!isHtmx(req)) return lessonPage(req, res, lessonId, { completionRefused: outcome.refused }, 422);
      return render(res, 'learn/_completion', { learner, lesson: { id: lessonId, completed, gate: outcome.refused }, progress, completionRefused: outcome.refused }, 422);
    }
    if (isHtmx(req)) {
      // The button and progress bar, and (out of band) this lesson's tick in the contents.
      const state = lessonsOf(chapters).find((l) => l.id === lessonId)!;
      return render(res, 'learn/_completion', { learner, lesson: { id: lessonId, completed }, progress, badges, certificate, tocLesson: state, slug: learner.course.slug });
    }
    if (certificate) setFlash(req, 'success', msg('Course completed: your certificate is ready on your dashboard.'));
    else if (badges.length) setFlash(req, 'success', msg('Well done! {count, plural, one {Badge earned} other {Badges earned}}: {badges}.'), { count: badges.length, badges: badgeList(translatorOf(res), badges) });
    res.redirect(303, `/learn/${learner.course.slug}/lessons/${lessonId}`);
  });

  router.post('/unlock', async (req, res) => {
    const learner = learnerOf(res);
    const input = unlockInput.safeParse(req.body);
    if (!input.success || !learner.enrollment) throw notFound();
    const chapters = await curriculumOf(learner);
    const target =
      'lessonId' in input.data ? lessonsOf(chapters).find((l) => l.id === (input.data as { lessonId: string }).lessonId) : chapters.find((c) => c.id === (input.data as { chapterId: string }).chapterId);
    // Only what is scheduled in this course can be opened early: never a draft, never another course's.
    if (!target || !target.scheduled) throw notFound();
    const result = await unlockEarly(db, { userId: learner.user.id, target: input.data });
    if (result.ok) setFlash(req, 'success', msg('“{title}” is open now.'), { title: target.title });
    else setFlash(req, 'error', result.message, result.values);
    const lessonId = 'lessonId' in input.data ? input.data.lessonId : undefined;
    res.redirect(303, result.ok && lessonId ? `/learn/${learner.course.slug}/lessons/${lessonId}` : `/learn/${learner.course.slug}`);
  });

  // From the player's script (sendBeacon, form-encoded with the CSRF token): 204, nothing to show.
  router.post('/watch', async (req, res) => {
    const learner = learnerOf(res);
    const input = watchInput.safeParse(req.body);
    if (!input.success) return res.status(422).end();
    if (!learner.enrollment) return res.status(204).end();
    const state = lessonsOf(await curriculumOf(learner)).find((l) => l.id === input.data.lessonId);
    if (!state?.open) return res.status(404).end();
    await recordWatchTime(db, { userId: learner.user.id, ...input.data });
    res.status(204).end();
  });

  router.post('/rating', async (req, res) => {
    const learner = learnerOf(res);
    if (!learner.enrollment) throw notFound();
    const parsed = ratingInput.safeParse(req.body);
    const back = typeof req.body?.lessonId === 'string' && uuid.safeParse(req.body.lessonId).success ? req.body.lessonId : undefined;
    if (!parsed.success) {
      if (!back) throw notFound();
      const tr = translatorOf(res);
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), tr.t(i.message)]));
      return lessonPage(req, res, back, { ratingErrors: errors }, 422);
    }
    await rateCourse(db, { userId: learner.user.id, courseId: learner.course.id, ...parsed.data });
    setFlash(req, 'success', msg('Thank you for rating this course.'));
    res.redirect(303, back ? `/learn/${learner.course.slug}/lessons/${back}#rate` : `/learn/${learner.course.slug}`);
  });

  return router;
}
