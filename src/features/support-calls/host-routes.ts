import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { defineAdminTable, serveAdminTable, tableQueryOf, loadTablePage, contextOf } from '../admin/table.ts';
import { isCourseOut } from '../access/course-policy.ts';
import { loadCourse } from '../teaching/load.ts';
import {
  CALL_COLUMNS,
  CALL_STATUSES,
  callListQuery,
  callRows,
  countCalls,
  hostCall,
  liveCallOf,
  QUEUE_COLUMNS,
  QUEUE_PER_PAGE,
  queueCounts,
  queueRows,
  type CallListQuery,
  type CallListRow,
  type HostCall,
} from './queries.ts';
import { CALL_ENDED_REASON, CALL_FIELDS, callIdParam, callInput, DESCRIPTION_MAX, meetingUrlError, REASON_MAX, rejectInput, requestIdParam, TITLE_MAX } from './schemas.ts';
import { actOnRequest, closeCall, startCall, type Refused } from './service.ts';

/**
 * The host's pages (a course's teacher, or an admin), inside /teach:
 *   GET   /courses/:courseId/support-calls                  the course's calls (the admin table: live first; ?format=csv) and "Start a call"
 *   POST  /courses/:courseId/support-calls                  start one (title, description, meetingUrl when no template is configured)
 *   GET   /courses/:courseId/support-calls/:callId          the call: its meeting link and queue (htmx: the queue alone)
 *   POST  /courses/:courseId/support-calls/:callId/end      End call (Ended)
 *   POST  /courses/:courseId/support-calls/:callId/cancel   Cancel call (Cancelled)
 *   POST  /courses/:courseId/support-calls/:callId/requests/:requestId/{accept,reject,done}
 * The queue's buttons swap the queue in place with htmx (places move up, so the whole table comes
 * back) and are plain forms answered with 303 without it. The course's loader 404s a course the
 * teacher does not manage; a call of another course is 404 too.
 */

export interface HostDeps {
  db: Database;
  config: Pick<Config, 'supportCallUrlTemplate'>;
}

interface Course {
  id: string;
  title: string;
  slug: string;
  status: string;
}

const courseOf = (res: Response) => res.locals.course as Course;
const baseOf = (course: Course) => `/teach/courses/${course.id}/support-calls`;

/** A problem shown on the queue: for one row (a reason refused) or the whole table (a conflict). */
interface QueueProblem {
  requestId?: string;
  message: string;
  values?: MessageValues;
  reason?: string;
}

/** The flash after ending or cancelling a call: how many open requests it closed. */
const CLOSED = {
  end: msg('{closed, plural, =0 {Call ended.} one {Call ended. # open request was closed.} other {Call ended. # open requests were closed.}}'),
  cancel: msg('{closed, plural, =0 {Call cancelled.} one {Call cancelled. # open request was closed.} other {Call cancelled. # open requests were closed.}}'),
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : '');

function callsTable(db: Database, course: Course) {
  return defineAdminTable<CallListQuery, CallListRow>({
    path: baseOf(course),
    query: callListQuery,
    count: (q) => countCalls(db, course.id, q),
    rows: (q, _ctx, window) => callRows(db, course.id, q, window),
    csv: {
      filename: 'support-calls.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('title'), (r) => r.title ?? ''],
        [msg('status'), (r) => r.status],
        [msg('host'), (r) => r.hostName],
        [msg('started at'), (r) => iso(r.createdAt)],
        [msg('ended at'), (r) => iso(r.endedAt)],
        [msg('requests'), (r) => r.requests],
        [msg('waiting'), (r) => r.waiting],
      ],
    },
  });
}

export function hostSupportCallRoutes(deps: HostDeps): Router {
  const { db, config } = deps;
  const template = config.supportCallUrlTemplate;
  const router = Router();
  router.param('courseId', loadCourse(db));
  const prefix = '/courses/:courseId/support-calls';

  async function listPage(req: Request, res: Response, form: { values: Record<string, string>; errors: FieldErrors; problem?: { message: string; values?: MessageValues } }, status = 200): Promise<void> {
    const course = courseOf(res);
    const table = callsTable(db, course);
    const page = await loadTablePage(table, tableQueryOf(table, req.method === 'GET' ? req.query : {}), contextOf(res));
    await renderList(res, course, page, form, status);
  }

  async function renderList(
    res: Response,
    course: Course,
    page: Awaited<ReturnType<typeof loadTablePage<CallListQuery, CallListRow>>>,
    form: { values: Record<string, string>; errors: FieldErrors; problem?: { message: string; values?: MessageValues } },
    status = 200,
  ): Promise<void> {
    // The live call wherever the filters and pages put it: the start form shows only when there is none.
    const live = await liveCallOf(db, course.id);
    render(
      res,
      'support-calls/host-list',
      {
        title: translatorOf(res).t('Live help: {course}', { course: course.title }),
        course,
        base: baseOf(course),
        filter: page.filter,
        statuses: CALL_STATUSES,
        columns: CALL_COLUMNS,
        rows: page.rows,
        pageInfo: page.pageInfo,
        live,
        template: !!template,
        limits: { title: TITLE_MAX, description: DESCRIPTION_MAX },
        values: form.values,
        errors: form.errors,
        problem: form.problem,
      },
      status,
    );
  }

  router.get(prefix, async (req, res) => {
    const course = courseOf(res);
    await serveAdminTable(req, res, callsTable(db, course), (page) => renderList(res, course, page, { values: {}, errors: {} }));
  });

  router.post(prefix, async (req, res) => {
    const course = courseOf(res);
    const values = typedValues(req.body, CALL_FIELDS);
    const parsed = callInput.safeParse(req.body ?? {});
    const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
    if (!template && parsed.success) {
      const problem = meetingUrlError(parsed.data.meetingUrl);
      if (problem) errors.meetingUrl = problem;
    }
    if (!parsed.success || Object.keys(errors).length > 0) return listPage(req, res, { values, errors }, 422);
    // A draft has no students who could see the call: say so rather than open an empty room.
    if (!isCourseOut(course.status)) return listPage(req, res, { values, errors: {}, problem: { message: msg('Publish the course first: its students see a call only once it is out.') } }, 422);
    const result = await startCall(db, auditOf(req, res), course.id, parsed.data, template);
    if (!result.ok) return listPage(req, res, { values, errors: {}, problem: { message: result.message, values: result.values } }, result.status);
    setFlash(req, 'success', msg('The call is live: students of the course see it on their lesson pages and can ask to join.'));
    res.redirect(303, `${baseOf(course)}/${result.id}`);
  });

  // --- one call ------------------------------------------------------------------------------
  async function loadCall(req: Request, res: Response): Promise<HostCall> {
    const parsed = callIdParam.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const call = await hostCall(db, courseOf(res).id, parsed.data.callId);
    if (!call) throw notFound();
    return call;
  }

  const pageOf = (req: Request) => {
    const n = Number(req.query.page);
    return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
  };

  /** The call's page, or only its queue (htmx): the call, then the queue's counts and page in parallel. */
  async function callPage(req: Request, res: Response, call: HostCall, options: { problem?: QueueProblem; fragment?: boolean; page?: number } = {}, status = 200): Promise<void> {
    const course = courseOf(res);
    const page = options.page ?? pageOf(req);
    const [counts, rows] = await Promise.all([queueCounts(db, call.id), queueRows(db, call.id, page)]);
    const base = `${baseOf(course)}/${call.id}`;
    const data = {
      title: translatorOf(res).t('{call}: {course}', { call: call.title ?? translatorOf(res).t('Live call'), course: course.title }),
      course,
      call,
      base,
      counts,
      rows,
      columns: QUEUE_COLUMNS,
      pageInfo: pageInfo(base, { page }, counts.total, QUEUE_PER_PAGE),
      problem: options.problem,
      reasonMax: REASON_MAX,
      callEndedReason: CALL_ENDED_REASON,
    };
    res.vary('HX-Request');
    render(res, options.fragment ? 'support-calls/_queue' : 'support-calls/host-call', data, status);
  }

  router.get(`${prefix}/:callId`, async (req, res) => {
    const call = await loadCall(req, res);
    await callPage(req, res, call, { fragment: isHtmx(req) });
  });

  for (const outcome of ['end', 'cancel'] as const) {
    router.post(`${prefix}/:callId/${outcome}`, async (req, res) => {
      const call = await loadCall(req, res);
      const result = await closeCall(db, auditOf(req, res), call.courseId, call.id, outcome === 'end' ? 'Ended' : 'Cancelled');
      if (!result.ok) return refusedOnPage(req, res, result);
      const closed = result.completed + result.rejected;
      setFlash(req, 'success', outcome === 'end' ? CLOSED.end : CLOSED.cancel, { closed });
      res.redirect(303, `${baseOf(courseOf(res))}/${call.id}`);
    });
  }

  /** A refusal: 404 as "not found"; a conflict (the call ended, someone else acted) on the fresh page or queue. */
  async function refusedOnPage(req: Request, res: Response, result: Refused, requestId?: string): Promise<void> {
    if (result.status === 404) throw notFound();
    const call = await loadCall(req, res);
    // htmx swaps a 422 (the layout's htmx-config), not a 409: the fresh queue with the message.
    const htmx = isHtmx(req);
    return callPage(req, res, call, { problem: { message: result.message, values: result.values, ...(requestId ? { requestId } : {}) }, fragment: htmx }, htmx ? 422 : result.status);
  }

  const LABEL = { accept: msg('Accepted.'), reject: msg('Turned down.'), done: msg('Marked done.') } as const;

  for (const action of ['accept', 'reject', 'done'] as const) {
    router.post(`${prefix}/:callId/requests/:requestId/${action}`, async (req, res) => {
      const params = requestIdParam.safeParse(req.params);
      if (!params.success) throw notFound();
      const course = courseOf(res);
      let reason: string | undefined;
      if (action === 'reject') {
        const parsed = rejectInput.safeParse(req.body ?? {});
        if (!parsed.success) {
          const call = await loadCall(req, res);
          const typed = typeof req.body?.reason === 'string' ? String(req.body.reason).slice(0, REASON_MAX * 2) : '';
          return callPage(req, res, call, { problem: { requestId: params.data.requestId, message: fieldErrors(parsed.error).reason ?? msg('Say why.'), reason: typed }, fragment: isHtmx(req) }, 422);
        }
        reason = parsed.data.reason;
      }
      const result = await actOnRequest(db, auditOf(req, res), { courseId: course.id, courseSlug: course.slug, callId: params.data.callId, requestId: params.data.requestId }, action, reason);
      if (!result.ok) return refusedOnPage(req, res, result, params.data.requestId);
      if (isHtmx(req)) return callPage(req, res, await loadCall(req, res), { fragment: true });
      setFlash(req, 'success', LABEL[action]);
      res.redirect(303, `${baseOf(course)}/${params.data.callId}#queue`);
    });
  }

  return router;
}
