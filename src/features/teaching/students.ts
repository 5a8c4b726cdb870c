import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { auditOf } from '../../http/audit-context.ts';
import { backTo, fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { nextDay, utcToZonedDate, zonedToUtc } from '../../lib/dates.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { reissueCertificate, revokeCertificate, type CertificateDeps } from '../certificates/service.ts';
import { banStudent, tagStudent, unbanStudent } from '../enrollments/service.ts';
import { percentOf } from '../learning/progress.ts';
import { loadCourse } from './load.ts';
import { ENROLLMENT_STATUSES, listStudents, STUDENT_TAGS, studentsQuery, type StudentRow, type StudentsQuery } from './students-query.ts';

/**
 * /teach/courses/:courseId/students (the course's teacher, or an admin): the course's enrollments
 * with progress, tags, bans and certificates, and small forms to act on each row. Success answers
 * 303 back to the table as it was (filters, sort, page); invalid input 422 with the table again and
 * the message beside the row. Tags and bans are the enrollments service's, certificates the
 * certificates service's: each writes its audit row in its own transaction; this file parses,
 * calls and renders.
 */

type Course = { id: string; title: string };
type Enrollment = { id: string; courseId: string; userId: string; firstName: string; lastName: string | null; email: string };
interface Problem {
  enrollmentId: string;
  form: 'tags' | 'ban' | 'certificate';
  errors: FieldErrors;
  values: Record<string, string>;
}

export const TAG_LABELS: Record<(typeof STUDENT_TAGS)[number], string> = {
  TopPerformer: msg('Top performer'),
  NeedsHelp: msg('Needs help'),
  SlowLearner: msg('Slow learner'),
  ActiveCommunicator: msg('Active communicator'),
};

const uuid = z.uuid();
const tagList = z.enum(STUDENT_TAGS);
const tagsInput = z.object({
  // No box ticked: no field at all. One box: a string. Several: an array.
  tags: z
    .union([tagList, z.array(tagList).max(STUDENT_TAGS.length * 2)], { error: msg('Choose tags from the list.') })
    .optional()
    // Stored once each, in the enum's order.
    .transform((v) => STUDENT_TAGS.filter((tag) => (v === undefined ? [] : [v].flat()).includes(tag))),
});

/** "2026-12-03" -> the end of that day in the teacher's zone; undefined when it is not a real date. */
function endOfDay(value: string | undefined, timeZone: string): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !zonedToUtc(value, timeZone)) return undefined;
  const nextMidnight = zonedToUtc(nextDay(value), timeZone);
  return nextMidnight && new Date(nextMidnight.getTime() - 1);
}

/** The ban form; its "until" day is read in the teacher's zone. */
const banInput = (timeZone: string) => z
  .object({
    banType: z.enum(['Temporary', 'Permanent'], { error: msg('Choose a temporary or a permanent ban.') }),
    banUntil: z.string().trim().optional(),
    reason: z
      .string({ error: msg('Give a reason.') })
      .trim()
      .min(3, msg('Give a reason of at least 3 characters.'))
      .max(500, msg('Keep the reason to 500 characters.')),
  })
  .transform((v, ctx) => {
    if (v.banType === 'Permanent') return { banType: v.banType, banUntil: null, banReason: v.reason };
    const until = endOfDay(v.banUntil, timeZone);
    if (!until || until.getTime() <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['banUntil'], message: until ? msg('A temporary ban must end in the future.') : msg('Enter the last day of a temporary ban (YYYY-MM-DD).') });
      return z.NEVER;
    }
    return { banType: v.banType, banUntil: until, banReason: v.reason };
  });

const fullName = (r: { firstName: string; lastName: string | null }) => [r.firstName, r.lastName].filter(Boolean).join(' ');

function banLabel(tr: Translator, r: StudentRow, now: number, timeZone: string): string {
  if (!r.banned) return '';
  if (r.banType === 'Permanent') return tr.t('Banned permanently');
  if (r.banUntil) {
    const date = tr.date(r.banUntil, timeZone);
    return r.banUntil.getTime() > now ? tr.t('Banned until {date}', { date }) : tr.t('Ban ended {date}', { date });
  }
  return tr.t('Banned');
}

function certificateLabel(tr: Translator, r: StudentRow, timeZone: string): string {
  if (r.certificateRevoked) return r.certificateRevokedAt ? tr.t('Revoked on {date}', { date: tr.date(r.certificateRevokedAt, timeZone) }) : tr.t('Revoked');
  if (r.certificateEarned) return r.certificateIssuedAt ? tr.t('Issued on {date}', { date: tr.date(r.certificateIssuedAt, timeZone) }) : tr.t('Issued');
  return tr.t('None');
}

export function studentRoutes(deps: { db: Database; certificates?: CertificateDeps }): Router {
  const { db } = deps;
  const router = Router();
  router.param('courseId', loadCourse(db));
  // After courseId (Express takes a path's parameters in order): the enrollment must be this course's.
  router.param('enrollmentId', async (_req: Request, res: Response, next: NextFunction, id: string) => {
    if (!uuid.safeParse(id).success) return next(notFound());
    const course = res.locals.course as Course;
    const enrollment = await db
      .selectFrom('enrollment as e')
      .innerJoin('user as u', 'u.id', 'e.userId')
      .select(['e.id', 'e.courseId', 'e.userId', 'u.firstName', 'u.lastName', 'u.email'])
      .where('e.id', '=', id)
      .where('e.courseId', '=', course.id)
      .executeTakeFirst();
    if (!enrollment) return next(notFound());
    res.locals.enrollment = enrollment;
    next();
  });

  const tablePath = (res: Response) => `/teach/courses/${(res.locals.course as Course).id}/students`;

  async function renderTable(res: Response, q: StudentsQuery, problem?: Problem, status = 200) {
    const course = res.locals.course as Course;
    const path = tablePath(res);
    const { total, rows, lessons, completedBy, openedBy } = await listStudents(db, course.id, q);
    const now = Date.now();
    const zone = timeZoneOf(res);
    const tr = translatorOf(res);
    render(
      res,
      'teach/students',
      {
        title: tr.t('Students · {course}', { course: course.title }),
        course,
        path,
        rows: rows.map((r) => {
          const done = completedBy.get(r.userId) ?? 0;
          // Lessons opened and not finished (a progress row, completed false): started, visibly.
          const opened = openedBy.get(r.userId) ?? 0;
          const percent = tr.number(percentOf(done, lessons) / 100, { style: 'percent' });
          return {
            ...r,
            name: fullName(r),
            tags: STUDENT_TAGS.filter((tag) => r.tags.includes(tag)),
            enrolledLabel: tr.date(r.createdAt, zone),
            activityLabel: r.lastActivityAt ? tr.date(r.lastActivityAt, zone) : tr.t('never'),
            progressLabel: tr.t('{done} / {lessons} ({percent})', { done, lessons, percent }),
            // Under the figures, on a line of its own that may wrap: the column's numbers do not.
            openedLabel: opened ? tr.t('{opened, plural, one {# opened, not finished} other {# opened, not finished}}', { opened }) : undefined,
            banLabel: banLabel(tr, r, now, zone),
            certificateLabel: certificateLabel(tr, r, zone),
            mayRevoke: r.certificateEarned && !r.certificateRevoked,
            mayReissue: r.certificateEarned && r.certificateRevoked,
          };
        }),
        filter: q,
        statuses: ENROLLMENT_STATUSES,
        tags: STUDENT_TAGS,
        tagLabels: TAG_LABELS,
        problem,
        today: utcToZonedDate(new Date(now), zone),
        pageInfo: pageInfo(path, q, total),
      },
      status,
    );
  }

  /** Where the form was posted from: this table with its filters, sort and page. */
  function back(req: Request, res: Response): string {
    return backTo(req.get('referer'), tablePath(res), tablePath(res));
  }

  /** Invalid input: the table the form came from again, with the message beside the row. */
  function refuse(req: Request, res: Response, problem: Omit<Problem, 'enrollmentId'>) {
    const url = new URL(back(req, res), 'http://edupeak.invalid');
    const q = studentsQuery.parse(url.pathname === tablePath(res) ? Object.fromEntries(url.searchParams) : {});
    return renderTable(res, q, { ...problem, enrollmentId: (res.locals.enrollment as Enrollment).id }, 422);
  }

  function done(req: Request, res: Response, message: string, values?: Record<string, string | number>) {
    setFlash(req, 'success', message, values);
    res.redirect(303, back(req, res));
  }

  router.get('/courses/:courseId/students', (req, res) => renderTable(res, studentsQuery.parse(req.query)));

  router.post('/courses/:courseId/students/:enrollmentId/tags', async (req, res) => {
    const enrollment = res.locals.enrollment as Enrollment;
    const parsed = tagsInput.safeParse(req.body);
    if (!parsed.success) return refuse(req, res, { form: 'tags', errors: { tags: msg('Choose tags from the list.') }, values: {} });
    const tags = parsed.data.tags;
    await tagStudent(db, auditOf(req, res), { enrollmentId: enrollment.id, tags });
    done(req, res, tags.length ? msg('Tags saved for {name}.') : msg('Tags cleared for {name}.'), { name: fullName(enrollment) });
  });

  router.post('/courses/:courseId/students/:enrollmentId/ban', async (req, res) => {
    const enrollment = res.locals.enrollment as Enrollment;
    const parsed = banInput(timeZoneOf(res)).safeParse(req.body);
    if (!parsed.success) {
      return refuse(req, res, { form: 'ban', errors: fieldErrors(parsed.error), values: typedValues(req.body, ['banType', 'banUntil', 'reason']) });
    }
    const ban = parsed.data;
    await banStudent(db, auditOf(req, res), { enrollmentId: enrollment.id, banType: ban.banType, banUntil: ban.banUntil, reason: ban.banReason });
    const name = fullName(enrollment);
    if (ban.banUntil) done(req, res, msg('{name} is banned from this course until {date}.'), { name, date: translatorOf(res).date(ban.banUntil, timeZoneOf(res)) });
    else done(req, res, msg('{name} is banned from this course permanently.'), { name });
  });

  router.post('/courses/:courseId/students/:enrollmentId/unban', async (req, res) => {
    const enrollment = res.locals.enrollment as Enrollment;
    // No ban in place (a second click): nothing to lift, and the same answer.
    await unbanStudent(db, auditOf(req, res), { enrollmentId: enrollment.id });
    done(req, res, msg('{name} may take this course again.'), { name: fullName(enrollment) });
  });

  router.post('/courses/:courseId/students/:enrollmentId/certificate/revoke', async (req, res) => {
    const enrollment = res.locals.enrollment as Enrollment;
    // Only an issued certificate that is not revoked yet: two clicks revoke (and log) once.
    const revoked = await revokeCertificate(db, auditOf(req, res), enrollment.id);
    if (revoked !== 'revoked') return refuse(req, res, { form: 'certificate', errors: { certificate: msg('This student has no certificate to revoke.') }, values: {} });
    done(req, res, msg('Certificate of {name} revoked.'), { name: fullName(enrollment) });
  });

  // A revoked certificate issued again: a new PDF, valid from now (certificates/service.ts).
  router.post('/courses/:courseId/students/:enrollmentId/certificate/issue', async (req, res) => {
    const enrollment = res.locals.enrollment as Enrollment;
    const reissued = deps.certificates ? await reissueCertificate(deps.certificates, auditOf(req, res), enrollment.id) : { ok: false };
    if (!reissued.ok) return refuse(req, res, { form: 'certificate', errors: { certificate: msg('Only a revoked certificate can be issued again.') }, values: {} });
    done(req, res, msg('Certificate of {name} issued again.'), { name: fullName(enrollment) });
  });

  return router;
}
