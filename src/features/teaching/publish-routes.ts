import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { setFlash } from '../../http/flash.ts';
import type { AuditContext } from '../audit/activity.ts';
import { renderCoursePage, type Course } from './course-page.ts';
import { loadCourse } from './load.ts';
import { missingOf, publishWithContent } from './publish.ts';

/**
 * POST /teach/courses/:courseId/publish-all: the course with all its draft chapters and lessons, in
 * one step (publish.ts). Owner or admin (the course policy's loader); refused with 422, the checklist
 * and nothing changed when something else is missing.
 */

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function publishRoutes(db: Database, a: (req: Request, res: Response) => AuditContext): Router {
  const router = Router();
  router.param('courseId', loadCourse(db));

  router.post('/courses/:courseId/publish-all', async (req, res) => {
    const course = res.locals.course as Course;
    const result = await publishWithContent(db, a(req, res), course.id);
    if (!result.ok) {
      return renderCoursePage(db, req, res, { statusError: `Nothing was published. ${missingOf(result.checklist)}`, checklist: result.checklist }, 422);
    }
    const parts = [result.chapters ? plural(result.chapters, 'chapter') : '', result.lessons ? plural(result.lessons, 'lesson') : ''].filter(Boolean).join(' and ');
    setFlash(
      req,
      'success',
      !result.changed
        ? 'The course and all its chapters and lessons were already published.'
        : `Course published${parts ? ` with ${parts} that were drafts` : ''}: students can find it now.`,
    );
    res.redirect(303, `/teach/courses/${course.id}`);
  });

  return router;
}
