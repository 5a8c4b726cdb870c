import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import type { Storage } from '../../storage/index.ts';
import { sendStoredFile } from '../../storage/send.ts';
import { lessonIsOpen } from '../access/course-policy.ts';
import type { Learner } from './context.ts';
import { recordDownload } from './service.ts';

/**
 * GET /learn/:slug/lessons/:lessonId/attachments/:attachmentId: a lesson's file, as a download
 * (Content-Disposition: attachment, with its name), through the storage module as /media sends
 * files (nosniff, ranges, S3 presigned redirects). Those who may open the lesson get it (the course
 * policy's lessonIsOpen; the teacher and admins preview everything); anyone else, and an attachment
 * of another lesson or course, 404. A student's download is counted once a day (recordDownload).
 */

const params = z.object({ lessonId: z.uuid(), attachmentId: z.uuid() });

export function downloadRoutes({ db, storage }: { db: Database; storage: Storage }): Router {
  const router = Router({ mergeParams: true });

  router.get('/lessons/:lessonId/attachments/:attachmentId', async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const learner = res.locals.learner as Learner;
    const { lessonId, attachmentId } = parsed.data;
    // One query: the file, that it is this lesson's in this course, and whether the lesson is open.
    const file = await db
      .selectFrom('lessonAttachment as a')
      .innerJoin('lesson as l', 'l.id', 'a.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .select(['a.fileKey', 'a.fileName', sql<boolean>`${lessonIsOpen({ userId: learner.user.id, manages: learner.preview })}`.as('open')])
      .where('a.id', '=', attachmentId)
      .where('a.lessonId', '=', lessonId)
      .where('c.id', '=', learner.course.id)
      .executeTakeFirst();
    if (!file || !file.open) throw notFound();
    // A HEAD (a download manager checking the size) is not a download.
    if (learner.enrollment && req.method === 'GET') await recordDownload(db, learner.enrollment.id, { attachmentId, lessonId });
    await sendStoredFile(req, res, storage, file.fileKey, { disposition: 'attachment', filename: file.fileName, cacheControl: 'private, max-age=3600' });
  });

  return router;
}
