import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser, timeZoneOf } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { utcToZonedInput } from '../../lib/dates.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { discardUpload, receiveUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { streamCsv } from '../../http/csv.ts';
import { CSV_BATCH, defineAdminTable, serveAdminTable } from '../admin/table.ts';
import { loadCourse } from '../teaching/load.ts';
import { ANNOUNCEMENT_MAX_BYTES, ANNOUNCEMENT_UPLOAD_TYPES, deleteStoredFiles, storeAnnouncementFile } from './writer-files.ts';
import {
  emailsOf,
  figuresOf,
  findForWriter,
  announcementRows,
  countAnnouncements,
  LIST_COLUMNS,
  listQuery,
  NOT_READ_COLUMNS,
  NOT_READ_PER_PAGE,
  notReadOf,
  notReadQuery,
  STATUSES,
  type ListQuery,
  type ListRow,
  type WriterView,
} from './writer-queries.ts';
import { ANNOUNCEMENT_FIELDS, announcementIdParam, announcementInput, attachmentKeyInput, BODY_MAX, TARGET_LABELS, TARGET_ROLES, TARGET_USERS_MAX, TITLE_MAX } from './schemas.ts';
import {
  addAttachment,
  ATTACHMENTS_MAX,
  createAnnouncement,
  deleteAnnouncement,
  endNow,
  publishNow,
  removeAttachment,
  updateAnnouncement,
  type Refused,
  type WriterScope,
} from './service.ts';

/**
 * The writers' pages (issue 16), one set of handlers in two places:
 *   /admin/announcements                           admins: any audience, any course
 *   /teach/courses/:courseId/announcements         the course's teacher (or an admin): its students only
 * Under each base:
 *   GET        /                     the list (the admin table: filters by status and audience, pages of 20, ?format=csv)
 *   GET, POST  /new                  write one; the buttons save a draft or publish / schedule it
 *   GET        /:id                  its figures: audience, reads, read %, who has not read it (50 a page; ?format=csv)
 *   GET, POST  /:id/edit             change it (a Published one stays Published, its read marks kept)
 *   POST       /:id/publish          Publish now
 *   POST       /:id/end              End now (Expired)
 *   POST       /:id/delete           Draft or Scheduled; admins any
 *   POST       /:id/attachments      add a file (multipart, CSRF token in the query string)
 *   POST       /:id/attachments/delete   remove one (`key`)
 * Plain forms and redirects: everything works without JavaScript. The course's loader 404s a
 * course the teacher does not manage; an announcement outside the scope is 404 too.
 */

export interface WriterDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'uploadMaxBytes' | 'dataDir'>;
  logger: Logger;
}

interface Place {
  scope: WriterScope;
  base: string;
  course: { id: string; title: string } | null;
  isAdmin: boolean;
}

type PlaceOf = (res: Response) => Place;

const ADMIN_BASE = '/admin/announcements';

function mountWriterRoutes(router: Router, prefix: string, placeOf: PlaceOf, deps: WriterDeps): void {
  const { db, storage, config, logger } = deps;
  const tempDir = uploadTempDir(config);

  const idOf = (req: Request): string => {
    const parsed = announcementIdParam.safeParse(req.params);
    if (!parsed.success) throw notFound();
    return parsed.data.announcementId;
  };

  async function load(req: Request, res: Response): Promise<{ place: Place; a: WriterView }> {
    const place = placeOf(res);
    const a = await findForWriter(db, place.scope, idOf(req));
    if (!a) throw notFound();
    return { place, a };
  }

  /** A refusal from the service as the answer: 404 as "not found", others on the announcement's page. */
  async function refused(req: Request, res: Response, result: Refused): Promise<void> {
    if (result.status === 404) throw notFound();
    const { place, a } = await load(req, res);
    return showPage(req, res, place, a, { message: result.message, values: result.values }, result.status);
  }

  // --- the list (the admin table: filters, sort, pages, ?format=csv) ------------------------
  router.get(`${prefix}`, async (req, res) => {
    const place = placeOf(res);
    await serveAdminTable(req, res, announcementsTable(db, place), (page) =>
      render(res, place.course ? 'teach/announcements' : 'admin/announcements', {
        title: place.course ? translatorOf(res).t('Announcements: {course}', { course: place.course.title }) : translatorOf(res).t('Announcements'),
        course: place.course,
        base: place.base,
        filter: page.filter,
        statuses: STATUSES,
        targetRoles: TARGET_ROLES,
        targetLabels: TARGET_LABELS,
        columns: LIST_COLUMNS,
        rows: page.rows.map((r) => ({ ...r, audienceLabel: audienceLabel(r, translatorOf(res)) })),
        pageInfo: page.pageInfo,
      }),
    );
  });

  // --- the form ----------------------------------------------------------------------------
  async function formPage(
    res: Response,
    place: Place,
    a: WriterView | null,
    form: { values: Record<string, string>; errors: FieldErrors; errorValues?: Record<string, MessageValues | undefined>; fileError?: { message: string; values?: MessageValues } },
    status = 200,
  ): Promise<void> {
    const courses = place.course
      ? []
      : await db.selectFrom('course').select(['id', 'title']).where('status', '!=', 'Archived').orderBy('title').limit(500).execute();
    // A course archived since keeps showing as the current choice.
    if (!place.course && a?.targetCourseId && a.courseTitle && !courses.some((c) => c.id === a.targetCourseId)) {
      courses.push({ id: a.targetCourseId, title: a.courseTitle });
    }
    render(
      res,
      a ? 'announcements/writer/edit' : 'announcements/writer/new',
      {
        title: a ? translatorOf(res).t('Edit: {title}', { title: a.title }) : translatorOf(res).t('New announcement'),
        base: place.base,
        course: place.course,
        announcement: a ? { ...a, attachments: attachmentsOf(a) } : null,
        courses,
        targetRoles: TARGET_ROLES,
        targetLabels: TARGET_LABELS,
        limits: { title: TITLE_MAX, body: BODY_MAX, targetUsers: TARGET_USERS_MAX, attachments: ATTACHMENTS_MAX, fileMb: Math.floor(Math.min(ANNOUNCEMENT_MAX_BYTES, config.uploadMaxBytes) / (1024 * 1024)) },
        values: form.values,
        errors: form.errors,
        errorValues: form.errorValues,
        fileError: form.fileError,
      },
      status,
    );
  }

  /** The form's body, with the course's fixed audience filled in where the teacher's form leaves it out. */
  function bodyOf(req: Request, place: Place): Record<string, unknown> {
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    if (place.course) {
      body.targetRole ??= 'CourseStudents';
      body.targetCourseId ??= place.course.id;
    }
    return body;
  }

  /** The flash after a save (a catalogue message and its values); the publishing time on the writer's clock, in their language. */
  function savedFlash(req: Request, res: Response, result: { status: string; mailed: number }, scheduledAt: Date | null): void {
    if (result.status === 'Draft') return setFlash(req, 'success', msg('Draft saved. Its audience sees nothing until you publish it.'));
    if (result.status === 'Scheduled') {
      if (!scheduledAt) return setFlash(req, 'success', msg('Scheduled: it is published on time.'));
      return setFlash(req, 'success', msg('Scheduled: it is published on {when}.'), { when: translatorOf(res).dateTime(scheduledAt, timeZoneOf(res)) });
    }
    if (result.status === 'Published') {
      return setFlash(
        req,
        'success',
        msg('{mailed, plural, =0 {Published: its audience sees it now.} one {Published: its audience sees it now. # person is being mailed.} other {Published: its audience sees it now. # people are being mailed.}}'),
        { mailed: result.mailed },
      );
    }
    setFlash(req, 'success', msg('Saved.'));
  }

  router.get(`${prefix}/new`, (_req, res) => {
    const place = placeOf(res);
    const values: Record<string, string> = place.course ? { targetRole: 'CourseStudents', targetCourseId: place.course.id } : { targetRole: 'AllUsers' };
    return formPage(res, place, null, { values, errors: {} });
  });

  router.post(`${prefix}/new`, async (req, res) => {
    const place = placeOf(res);
    const body = bodyOf(req, place);
    const values = typedValues(body, ANNOUNCEMENT_FIELDS);
    const parsed = announcementInput(timeZoneOf(res)).safeParse(body);
    if (!parsed.success) return formPage(res, place, null, { values, errors: fieldErrors(parsed.error) }, 422);
    const result = await createAnnouncement(db, auditOf(req, res), place.scope, currentUser(res)!.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return formPage(res, place, null, { values, errors: result.errors ?? { _form: result.message }, errorValues: result.errorValues ?? { _form: result.values } }, result.status);
    }
    savedFlash(req, res, result, parsed.data.scheduledAt);
    res.redirect(303, `${place.base}/${result.id}`);
  });

  router.get(`${prefix}/:announcementId/edit`, async (req, res) => {
    const { place, a } = await load(req, res);
    if (a.status === 'Expired') {
      setFlash(req, 'warning', msg('This announcement has ended; it can no longer be changed.'));
      return res.redirect(303, `${place.base}/${a.id}`);
    }
    await formPage(res, place, a, { values: await valuesOf(db, a, timeZoneOf(res)), errors: {} });
  });

  router.post(`${prefix}/:announcementId/edit`, async (req, res) => {
    const { place, a } = await load(req, res);
    const body = bodyOf(req, place);
    const values = typedValues(body, ANNOUNCEMENT_FIELDS);
    const parsed = announcementInput(timeZoneOf(res)).safeParse(body);
    if (!parsed.success) return formPage(res, place, a, { values, errors: fieldErrors(parsed.error) }, 422);
    const result = await updateAnnouncement(db, auditOf(req, res), place.scope, a.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      if (result.status === 409) return refused(req, res, result);
      return formPage(res, place, a, { values, errors: result.errors ?? { _form: result.message }, errorValues: result.errorValues ?? { _form: result.values } }, result.status);
    }
    if (result.status === a.status && result.mailed === 0) setFlash(req, 'success', msg('Saved.'));
    else savedFlash(req, res, result, parsed.data.scheduledAt);
    res.redirect(303, `${place.base}/${a.id}`);
  });

  // --- status changes ----------------------------------------------------------------------
  router.post(`${prefix}/:announcementId/publish`, async (req, res) => {
    const place = placeOf(res);
    const result = await publishNow(db, auditOf(req, res), place.scope, idOf(req));
    if (!result.ok) return refused(req, res, result);
    savedFlash(req, res, { status: 'Published', mailed: result.mailed }, null);
    res.redirect(303, `${place.base}/${result.row.id}`);
  });

  router.post(`${prefix}/:announcementId/end`, async (req, res) => {
    const place = placeOf(res);
    const result = await endNow(db, auditOf(req, res), place.scope, idOf(req));
    if (!result.ok) return refused(req, res, result);
    setFlash(req, 'success', msg('Ended: it no longer shows to its audience.'));
    res.redirect(303, `${place.base}/${result.row.id}`);
  });

  router.post(`${prefix}/:announcementId/delete`, async (req, res) => {
    const place = placeOf(res);
    const result = await deleteAnnouncement(db, auditOf(req, res), place.scope, idOf(req), place.isAdmin);
    if (!result.ok) return refused(req, res, result);
    await deleteStoredFiles(storage, result.row.attachmentKeys, logger);
    setFlash(req, 'success', msg('Deleted "{title}".'), { title: result.row.title });
    res.redirect(303, place.base);
  });

  // --- attachments -------------------------------------------------------------------------
  router.post(`${prefix}/:announcementId/attachments`, async (req, res) => {
    const { place, a } = await load(req, res);
    const again = async (message: string, status: number, values?: MessageValues) =>
      formPage(res, place, a, { values: await valuesOf(db, a, timeZoneOf(res)), errors: {}, fileError: { message, values } }, status);
    let upload;
    try {
      upload = await receiveUpload(req, res, {
        field: 'file',
        tempDir,
        maxBytes: Math.min(ANNOUNCEMENT_MAX_BYTES, config.uploadMaxBytes),
        accept: ANNOUNCEMENT_UPLOAD_TYPES,
      });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 413 || error.status === 422 || error.status === 400)) return again(error.message, error.status === 400 ? 422 : error.status, error.values);
      throw error;
    }
    if (!upload) return again(msg('Choose a file to attach: PDF, image, text, Word, Excel or PowerPoint.'), 422);
    let stored: { key: string; fileName: string } | undefined;
    try {
      stored = await storeAnnouncementFile(storage, upload);
    } catch (error) {
      if (error instanceof HttpError && error.status === 422) return again(error.message, 422, error.values);
      throw error;
    } finally {
      await discardUpload(upload);
    }
    let result;
    try {
      result = await addAttachment(db, auditOf(req, res), place.scope, a.id, stored);
    } catch (error) {
      await deleteStoredFiles(storage, [stored.key], logger);
      throw error;
    }
    if (!result.ok) {
      await deleteStoredFiles(storage, [stored.key], logger);
      if (result.status === 404) throw notFound();
      if (result.status === 409) return refused(req, res, result);
      return again(result.message, result.status, result.values);
    }
    setFlash(req, 'success', msg('"{name}" attached.'), { name: stored.fileName });
    res.redirect(303, `${place.base}/${a.id}/edit#attachments-title`);
  });

  router.post(`${prefix}/:announcementId/attachments/delete`, async (req, res) => {
    const place = placeOf(res);
    const id = idOf(req);
    const parsed = attachmentKeyInput.safeParse(req.body ?? {});
    if (!parsed.success) throw notFound();
    const result = await removeAttachment(db, auditOf(req, res), place.scope, id, parsed.data.key);
    if (!result.ok) return refused(req, res, result);
    await deleteStoredFiles(storage, [parsed.data.key], logger);
    setFlash(req, 'success', msg('"{name}" removed.'), { name: result.fileName });
    res.redirect(303, `${place.base}/${id}/edit#attachments-title`);
  });

  // --- one announcement: its figures and who has not read it --------------------------------
  async function showPage(req: Request, res: Response, place: Place, a: WriterView, problem?: { message: string; values?: MessageValues }, status = 200): Promise<void> {
    const q = notReadQuery.parse(req.query);
    if (q.format === 'csv' && !problem) {
      // Streamed in batches (one query each): an audience of any size never sits in memory.
      async function* batches() {
        for (let page = 1; ; page++) {
          const rows = await notReadOf(db, a.id, { ...q, page }, CSV_BATCH);
          yield rows.map((r) => [r.name, r.email]);
          if (rows.length < CSV_BATCH) return;
        }
      }
      const tr = translatorOf(res);
      return streamCsv(res, `not-read-${a.id}.csv`, [tr.t(msg('name')), tr.t(msg('email'))], batches());
    }
    const [figures, notRead] = await Promise.all([figuresOf(db, a.id), notReadOf(db, a.id, q, NOT_READ_PER_PAGE)]);
    const path = `${place.base}/${a.id}`;
    const info = pageInfo(path, { page: q.page, sort: q.sort, dir: q.dir }, figures.audience - figures.reads, NOT_READ_PER_PAGE);
    render(
      res,
      'announcements/writer/show',
      {
        title: a.title,
        base: place.base,
        course: place.course,
        isAdmin: place.isAdmin,
        announcement: { ...a, attachments: attachmentsOf(a), audienceLabel: audienceLabel(a, translatorOf(res)) },
        figures,
        notRead,
        columns: NOT_READ_COLUMNS,
        joinedLabel: a.targetRole === 'CourseStudents' ? msg('Enrolled') : msg('Joined'),
        pageInfo: info,
        csvHref: `${path}?format=csv`,
        problem,
      },
      status,
    );
  }

  router.get(`${prefix}/:announcementId`, async (req, res) => {
    const { place, a } = await load(req, res);
    await showPage(req, res, place, a);
  });
}

/** The form's values for a stored announcement; dates on the writer's clock. */
async function valuesOf(db: Database, a: WriterView, zone: string): Promise<Record<string, string>> {
  return {
    title: a.title,
    body: a.bodyMarkdown ?? '',
    targetRole: a.targetRole,
    targetCourseId: a.targetCourseId ?? '',
    targetUserIds: (await emailsOf(db, a.targetUserIds)).join('\n'),
    scheduledAt: a.scheduledAt ? utcToZonedInput(a.scheduledAt, zone) : '',
    expiresAt: a.expiresAt ? utcToZonedInput(a.expiresAt, zone) : '',
    isUrgent: a.isUrgent ? 'on' : '',
  };
}

function attachmentsOf(a: Pick<WriterView, 'attachmentKeys' | 'attachmentNames'>) {
  return a.attachmentKeys.map((key, i) => ({ key, name: a.attachmentNames[i] ?? 'attachment', href: `/media/${key}` }));
}

const english = translatorFor('en');

/** "Everyone", "Students of Python 101", "3 chosen students" ... in the reader's language (English in the CSV). */
function audienceLabel(a: { targetRole: WriterView['targetRole']; courseTitle: string | null; targetUserIds?: string[]; targetCount?: number }, tr: Translator = english): string {
  const named = a.targetCount ?? a.targetUserIds?.length ?? 0;
  switch (a.targetRole) {
    case 'CourseStudents':
      return a.courseTitle ? tr.t('Students of {course}', { course: a.courseTitle }) : tr.t('Students of a deleted course');
    case 'SpecificStudents':
      return tr.t('{count, plural, one {# chosen student} other {# chosen students}}', { count: named });
    case 'SpecificTeachers':
      return tr.t('{count, plural, one {# chosen teacher} other {# chosen teachers}}', { count: named });
    default:
      return tr.t(TARGET_LABELS[a.targetRole]);
  }
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : '');

/** The writer's list as the admin table (src/features/admin/table.ts): its place's path and scope. */
function announcementsTable(db: Database, place: Place) {
  return defineAdminTable<ListQuery, ListRow>({
    path: place.base,
    query: listQuery,
    count: (q) => countAnnouncements(db, place.scope, q),
    rows: (q, _ctx, window) => announcementRows(db, place.scope, q, window),
    csv: {
      filename: 'announcements.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('title'), (r) => r.title],
        [msg('audience'), (r) => audienceLabel(r)],
        [msg('status'), (r) => r.status],
        [msg('urgent'), (r) => (r.isUrgent ? 'yes' : 'no')],
        [msg('scheduled at'), (r) => iso(r.scheduledAt)],
        [msg('published at'), (r) => iso(r.publishedAt)],
        [msg('ends at'), (r) => iso(r.expiresAt)],
        [msg('audience size'), (r) => r.audience],
        [msg('reads'), (r) => r.reads],
      ],
    },
  });
}

/** /admin/announcements (mounted behind requireRole('admin')). */
export function adminAnnouncementRoutes(deps: WriterDeps): Router {
  const router = Router();
  mountWriterRoutes(router, '', () => ({ scope: { kind: 'admin' }, base: ADMIN_BASE, course: null, isAdmin: true }), deps);
  return router;
}

/** /teach/courses/:courseId/announcements (inside /teach, behind requireRole('teacher', 'admin')). */
export function teacherAnnouncementRoutes(deps: WriterDeps): Router {
  const router = Router();
  // The course's loader: 404 for a course the signed-in teacher does not manage.
  router.param('courseId', loadCourse(deps.db));
  mountWriterRoutes(
    router,
    '/courses/:courseId/announcements',
    (res) => {
      const course = res.locals.course as { id: string; title: string };
      return {
        scope: { kind: 'course', courseId: course.id },
        base: `/teach/courses/${course.id}/announcements`,
        course: { id: course.id, title: course.title },
        isAdmin: currentUser(res)?.role === 'admin',
      };
    },
    deps,
  );
  return router;
}
