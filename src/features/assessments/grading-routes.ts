import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, safeNext, typedValues, type FieldErrors } from '../../http/forms.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo, type ColumnSpec } from '../../http/table.ts';
import { loadCourse } from '../teaching/load.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { assessmentLabel, cellText, fullName, GRADEBOOK_PER_PAGE, gradebookPage } from './gradebook.ts';
import { writeGradebookCsv } from './gradebook-csv.ts';
import { listQueue, queueQuery, queueRow, SUBMISSION_STATUSES, type QueueQuery, type QueueRow } from './grading-queries.ts';
import { loadSubmission, submissionOf } from './grading-load.ts';
import { gradeSubmission } from './submissions.ts';

/**
 * Grading (the course's teacher, or an admin), mounted inside /teach:
 * - the grading queue `/courses/:courseId/submissions`, each row gradable in place (htmx swaps the
 *   row) or on the submission's own page without JavaScript;
 * - `POST /submissions/:submissionId/grade`: the state machine's gradeSubmission (one transaction,
 *   audit, notification and the student's mail, queued by notify() and sent after the commit);
 * - the gradebook `/courses/:courseId/gradebook` and its CSV.
 */

export interface GradingDeps {
  db: Database;
}

type Course = { id: string; title: string; slug: string };

export const QUEUE_COLUMNS: Record<string, ColumnSpec> = {
  student: { label: msg('Student'), sort: 'name' },
  assignment: { label: msg('Assignment') },
  submitted: { label: msg('Submitted'), sort: 'submitted', kind: 'date' },
  count: { label: msg('Hand-ins'), kind: 'num' },
  status: { label: msg('Status') },
  grade: { label: msg('Grade'), kind: 'num' },
  act: { label: msg('Grade it') },
};

/** The queue's columns with their names in the reader's language. */
const queueColumns = (tr: Translator): Record<string, ColumnSpec> =>
  Object.fromEntries(Object.entries(QUEUE_COLUMNS).map(([key, c]) => [key, { ...c, label: tr.t(c.label) }]));

/** A submission's status shown to people (the value stays English in links and forms). */
export const SUBMISSION_STATUS_LABELS: Record<(typeof SUBMISSION_STATUSES)[number] | 'any', string> = {
  Pending: msg('Pending'),
  Graded: msg('Graded'),
  Returned: msg('Returned'),
  any: msg('All'),
};

const gradeInput = z.object({
  grade: z
    .string({ error: msg('Enter a grade.') })
    .trim()
    .min(1, msg('Enter a grade.'))
    .regex(/^\d{1,5}$/, msg('Enter a whole number of points, 0 or more.'))
    .transform(Number),
  feedback: z
    .string({ error: msg('Feedback is text.') })
    .max(5000, msg('Keep the feedback to 5,000 characters.'))
    .optional()
    .transform((v) => v?.trim() || null),
});

/** `back` may only lead to this course's queue (with its filters and page). */
function queueBack(value: unknown, courseId: string): string | undefined {
  const path = safeNext(value, '');
  const queue = `/teach/courses/${courseId}/submissions`;
  return path === queue || path.startsWith(`${queue}?`) ? path : undefined;
}

interface Problem {
  errors: FieldErrors;
  values: Record<string, string>;
}

const rowView = (r: QueueRow) => ({ ...r, name: fullName(r) });

export function gradingRoutes(deps: GradingDeps): Router {
  const { db } = deps;
  const router = Router();
  router.param('courseId', loadCourse(db));
  router.param('submissionId', loadSubmission(db));

  // The grading queue.
  router.get('/courses/:courseId/submissions', async (req, res) => {
    res.vary('HX-Request');
    const course = res.locals.course as Course;
    const q = queueQuery.parse(req.query);
    const path = `/teach/courses/${course.id}/submissions`;
    const { assignments, counts, total, rows } = await listQueue(db, course.id, q);
    const info = pageInfo(path, q, total);
    const statusHref = (status: QueueQuery['status']) => pageInfo(path, { ...q, status, page: 1 }, 0).href(1);
    const tr = translatorOf(res);
    render(res, 'teach/submissions', {
      title: tr.t('Submissions · {course}', { course: course.title }),
      course,
      path,
      filter: q,
      statuses: SUBMISSION_STATUSES,
      tabs: [...SUBMISSION_STATUSES, 'any' as const].map((s) => ({ status: s, label: tr.t(SUBMISSION_STATUS_LABELS[s]), count: counts[s], href: statusHref(s), current: q.status === s })),
      assignments,
      rows: rows.map(rowView),
      statusLabels: SUBMISSION_STATUS_LABELS,
      columns: queueColumns(tr),
      back: info.href(info.page),
      pageInfo: info,
    });
  });

  /** The row of one submission, alone (htmx): its new state, or the form again with its message. */
  async function renderRow(res: Response, id: string, back: string | undefined, problem?: Problem, status = 200) {
    const row = await queueRow(db, id);
    if (!row) throw notFound();
    render(res, 'teach/_submission_row', { r: rowView(row), columns: queueColumns(translatorOf(res)), statusLabels: SUBMISSION_STATUS_LABELS, back, problem }, status);
  }

  function renderSubmission(res: Response, back: string | undefined, problem?: Problem, status = 200) {
    const s = submissionOf(res);
    render(
      res,
      'teach/submission',
      {
        title: `${s.assignmentTitle} · ${fullName(s)}`,
        s: { ...s, name: fullName(s) },
        statusLabels: SUBMISSION_STATUS_LABELS,
        back,
        errors: problem?.errors ?? {},
        values: problem?.values ?? { grade: s.grade === null ? '' : String(s.grade), feedback: s.feedback ?? '' },
      },
      status,
    );
  }

  router.get('/submissions/:submissionId', (req, res) => {
    renderSubmission(res, queueBack(req.query.back, submissionOf(res).courseId));
  });

  router.post('/submissions/:submissionId/grade', async (req, res) => {
    res.vary('HX-Request');
    const submission = submissionOf(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = queueBack(body.back, submission.courseId);
    const parsed = gradeInput.safeParse(body);
    const outcome = parsed.success
      ? await gradeSubmission(db, auditOf(req, res), { submissionId: submission.id, grade: parsed.data.grade, feedback: parsed.data.feedback })
      : { ok: false as const, status: 422 as const, errors: fieldErrors(parsed.error) };
    if (!outcome.ok) {
      if (outcome.status === 404) throw notFound();
      // The state machine's one refusal shown here (a grade above the points), in the teacher's language.
      const errors = 'errors' in outcome
        ? outcome.errors
        : { [outcome.field ?? 'grade']: outcome.field === 'grade' ? translatorOf(res).t('Enter a grade from 0 to {points}.', { points: submission.points }) : outcome.message };
      const problem = { errors, values: typedValues(body, ['grade', 'feedback']) };
      if (isHtmx(req)) return renderRow(res, submission.id, back, problem, 422);
      return renderSubmission(res, back, problem, 422);
    }
    const graded = outcome.submission;
    if (isHtmx(req)) return renderRow(res, submission.id, back);
    setFlash(req, 'success', msg('Graded: {grade} of {points} for {name} ({assignment}).'), { grade: graded.grade ?? 0, points: graded.points, name: fullName(submission), assignment: graded.assignmentTitle });
    res.redirect(303, back ?? `/teach/submissions/${submission.id}`);
  });

  // The gradebook and its CSV.
  const gradebookQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

  router.get('/courses/:courseId/gradebook', async (req, res) => {
    const course = res.locals.course as Course;
    const q = gradebookQuery.parse(req.query);
    const path = `/teach/courses/${course.id}/gradebook`;
    const { assessments, total, rows } = await gradebookPage(db, course.id, q.page);
    const tr = translatorOf(res);
    const columns: Record<string, ColumnSpec> = {
      student: { label: tr.t('Student') },
      ...Object.fromEntries(assessments.map((a, i) => [`x${i}`, { label: assessmentLabel(a, tr), kind: 'num' as const }])),
      progress: { label: tr.t('Progress'), kind: 'num' },
      total: { label: tr.t('Total'), kind: 'num' },
    };
    render(res, 'teach/gradebook', {
      title: tr.t('Gradebook · {course}', { course: course.title }),
      course,
      assessments,
      columns,
      rows: rows.map((r) => ({ ...r, texts: r.cells.map((c) => cellText(c, tr)) })),
      pageInfo: pageInfo(path, q, total, GRADEBOOK_PER_PAGE),
    });
  });

  router.get('/courses/:courseId/gradebook.csv', async (_req, res) => {
    await writeGradebookCsv(db, res.locals.course as Course, res, translatorOf(res));
  });

  return router;
}
