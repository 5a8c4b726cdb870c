import { Router } from 'express';
import { translatorOf } from '../../i18n/negotiate.ts';
import { msg } from '../../i18n/catalogue.ts';
import { setFlash } from '../../http/flash.ts';
import { isHtmx, render } from '../../http/render.ts';
import { loadLesson } from '../teaching/load.ts';
import type { MediaDeps } from '../teaching/media-upload-routes.ts';
import { queueMissingTranscode, retryTranscode } from './state.ts';
import { isUploadedVideo, teacherVideoStatus } from './teacher-video.ts';

/**
 * The teacher's side of a lesson video's copies (owner or admin: loadLesson):
 *   GET  /teach/lessons/:lessonId/video/status   the status block alone, for htmx's poll every 5 s
 *        while the copies are made (the block stops polling once they are ready or failed);
 *        without htmx, back to the lesson page
 *   POST /teach/lessons/:lessonId/video/retry    a failed (or stuck) video queued again (state.ts)
 *   POST /teach/lessons/:lessonId/video/copies   a video uploaded before copies were made, queued
 * Status changes go through state.ts only; these routes say what happened in a flash.
 */

type Lesson = { id: string; videoKey: string | null };

export function teacherVideoRoutes(deps: MediaDeps): Router {
  const { db, storage, queue } = deps;
  const router = Router();
  router.param('lessonId', loadLesson(db));
  const back = (lesson: Lesson) => `/teach/lessons/${lesson.id}#video-title`;

  router.get('/lessons/:lessonId/video/status', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    if (!isHtmx(req)) return res.redirect(303, back(lesson));
    // The video was removed meanwhile: an empty block ends the polling.
    if (!lesson.videoKey) return render(res, 'teach/_video_status', { lesson, videoStatus: { state: 'none', canMake: false } });
    const videoStatus = await teacherVideoStatus(db, lesson.videoKey);
    render(res, 'teach/_video_status', { lesson, videoStatus });
  });

  router.post('/lessons/:lessonId/video/retry', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const retried = await retryTranscode(db, queue, lesson.id);
    setFlash(
      req,
      retried ? 'success' : 'info',
      retried ? msg('Trying again: the small and audio-only copies are being made.') : msg('Nothing to retry: the video is being processed or is ready.'),
    );
    res.redirect(303, back(lesson));
  });

  router.post('/lessons/:lessonId/video/copies', async (req, res) => {
    const lesson = res.locals.lesson as Lesson;
    const stored = lesson.videoKey && isUploadedVideo(lesson.videoKey) ? await storage.head(lesson.videoKey) : undefined;
    const queued = stored ? await queueMissingTranscode(db, queue, { lessonId: lesson.id, videoKey: lesson.videoKey!, sourceBytes: stored.size }) : false;
    if (queued) setFlash(req, 'success', msg('Making the small and audio-only copies of the {size} video; this page shows when they are ready.'), { size: translatorOf(res).bytes(stored!.size) });
    else setFlash(req, 'info', stored ? msg('The copies are already being made, or are ready.') : msg('There is no uploaded video to make copies of.'));
    res.redirect(303, back(lesson));
  });

  return router;
}
