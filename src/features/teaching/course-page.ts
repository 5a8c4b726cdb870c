import type { Request, Response } from 'express';
import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { isHtmx, render } from '../../http/render.ts';
import { publishChecklist, type PublishChecklist } from './publish.ts';
import { courseStructure } from './queries.ts';
import { LEVELS } from './schemas.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * The teacher's course page (details form, status, image, chapters and lessons), or its structure
 * fragment for htmx. Its own module: the course routes and the structure routes both render it,
 * and neither imports the other.
 */

export const COURSE_FIELDS = ['title', 'smallDescription', 'description', 'category', 'level', 'price', 'duration', 'slug'] as const;

export type Course = { id: string; title: string; slug: string; smallDescription: string; description: string; category: string; level: string; price: number; duration: number; status: string; fileKey: string | null };

function courseValues(course: Course): Record<string, string> {
  return {
    title: course.title,
    smallDescription: course.smallDescription,
    description: course.description,
    category: course.category,
    level: course.level,
    price: (course.price / 100).toFixed(2),
    duration: String(course.duration),
    slug: course.slug,
  };
}

export interface CoursePageExtras {
  values?: Record<string, string>;
  errors?: FieldErrors;
  /** A problem with one of the structure forms: which form (its id) and what. */
  structureError?: { target: string; message: string; values?: MessageValues };
  /** A catalogue message (msg) and its values, translated where shown. */
  statusError?: string;
  statusErrorValues?: MessageValues;
  /** The checklist a refused publish-all found (else it is asked here). */
  checklist?: PublishChecklist;
}

export async function renderCoursePage(db: Database, req: Request, res: Response, extras: CoursePageExtras = {}, status = 200): Promise<void> {
  const course = res.locals.course as Course;
  const [chapters, checklist] = await Promise.all([courseStructure(db, course.id), extras.checklist ?? publishChecklist(db, course.id)]);
  const data = {
    title: course.title,
    course,
    chapters,
    levels: LEVELS,
    values: extras.values ?? courseValues(course),
    errors: extras.errors ?? {},
    structureError: extras.structureError,
    statusError: extras.statusError,
    statusErrorValues: extras.statusErrorValues,
    checklist,
  };
  // htmx structure actions swap the chapter list, and the publish checklist out of band.
  render(res, isHtmx(req) ? 'teach/_structure_update' : 'teach/course', data, status);
}

