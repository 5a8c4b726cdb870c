import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { lessonIsOpen } from '../access/course-policy.ts';
import type { Learner } from '../learning/context.ts';

/**
 * GET /learn/:slug/lessons/:lessonId/captions/:language.vtt: a lesson's captions for the player's
 * <track>. Mounted inside the learning router (learning/routes.ts), so the learner context applies
 * (enrolled, or the teacher and admins previewing); the lesson must be this course's and open to
 * the viewer (the course policy's lessonIsOpen, as attachments check it), else 404 like a missing
 * track. The VTT was validated and rebuilt when the teacher uploaded it (captions.ts); served as
 * text/vtt with nosniff so no browser reads it as anything else.
 */

const params = z.object({
  lessonId: z.uuid(),
  // BCP-47 as lesson_caption stores it: "en", "pt-BR", "zh-Hant".
  language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/),
});

export function captionServeRoutes({ db }: { db: Database }): Router {
  const router = Router({ mergeParams: true });

  router.get('/lessons/:lessonId/captions/:language.vtt', async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const learner = res.locals.learner as Learner;
    const { lessonId, language } = parsed.data;
    // One query: the track, that its lesson is in this course, and whether the lesson is open.
    const caption = await db
      .selectFrom('lessonCaption as cap')
      .innerJoin('lesson as l', 'l.id', 'cap.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .select(['cap.vtt', 'cap.updatedAt', sql<boolean>`${lessonIsOpen({ userId: learner.user.id, manages: learner.preview })}`.as('open')])
      .where('cap.lessonId', '=', lessonId)
      .where('cap.language', '=', language)
      .where('c.id', '=', learner.course.id)
      .executeTakeFirst();
    if (!caption || !caption.open) throw notFound();
    res.set({
      'Content-Type': 'text/vtt; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      // Only this signed-in student's browser may keep it (the offline copy too); an hour, as attachments.
      'Cache-Control': 'private, max-age=3600',
      'Last-Modified': new Date(caption.updatedAt).toUTCString(),
    });
    res.send(caption.vtt);
  });

  return router;
}
