import { Router, type Request, type Response } from 'express';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo, fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { tableQuery } from '../../http/table.ts';
import { countOf, contextOf, defineAdminTable, loadTablePage, serveAdminTable, type TablePage } from './table.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { containsPattern } from '../../lib/like.ts';
import { changeStatus, paidOrFree } from '../enrollments/service.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';

/**
 * /admin/enrollments: every enrollment, filtered by status, course, user and date; cancel or
 * activate in place. The change itself is the enrollments service's (rules, lock, audit row); this
 * route parses, calls and renders. Activating an enrollment that is neither paid nor free needs a
 * reason: without one, 422 and the table again (as it was: the Referer's filters, sort and page),
 * with what was typed and the message beside the row.
 */

const PATH = '/admin/enrollments';
const STATUSES = ['Pending', 'Active', 'Cancelled'] as const;
const query = tableQuery(['createdAt', 'lastActivityAt', 'amount'] as const, 'createdAt', {
  status: z.enum(STATUSES).optional().catch(undefined),
  course: textFilter,
  user: textFilter,
  ...dateRange,
});
type Query = z.infer<typeof query>;
const idParam = z.object({ id: z.uuid() });
const actionInput = z.object({ status: z.enum(['Active', 'Cancelled']) });
const reasonInput = z.object({
  reason: z.string({ error: msg('Type the reason as text.') }).trim().max(500, msg('Keep the reason to 500 characters.')).optional(),
});

interface Problem {
  id: string;
  errors: FieldErrors;
  values: Record<string, string>;
}

type Row = Awaited<ReturnType<typeof selectRows>>[number];

function filtered(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  let base = db.selectFrom('enrollment as e').innerJoin('course as c', 'c.id', 'e.courseId').innerJoin('user as u', 'u.id', 'e.userId');
  if (q.status) base = base.where('e.status', '=', q.status);
  if (q.course) base = base.where('c.title', 'ilike', containsPattern(q.course));
  if (q.user) base = base.where(sql<string>`lower(u.email)`, 'like', containsPattern(q.user.toLowerCase()));
  if (start) base = base.where('e.createdAt', '>=', start);
  if (end) base = base.where('e.createdAt', '<', end);
  return base;
}

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  return (
    filtered(db, q, timeZone)
      .select(['e.id', 'e.status', 'e.amount', 'e.createdAt', 'e.lastActivityAt', 'e.banned', 'c.title', 'c.slug', 'u.email', 'u.firstName', 'u.lastName'])
      // The service's own rule, so the page says beforehand which activations need a reason.
      .select(paidOrFree('e').as('paidOrFree'))
      .orderBy(sql.ref(`e.${q.sort}`), (ob) => (q.dir === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast()))
      .orderBy('e.id')
      .limit(window.limit)
      .offset(window.offset)
      .execute()
  );
}

/** The table (filters, sort, pages, CSV): src/features/admin/table.ts. */
function enrollmentsTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone)),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'enrollments.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('student'), (r) => `${r.firstName} ${r.lastName ?? ''}`.trim()],
        [msg('email'), (r) => r.email],
        [msg('course'), (r) => r.title],
        [msg('amount'), (r) => (r.amount / 100).toFixed(2)],
        [msg('status'), (r) => r.status],
        [msg('banned'), (r) => (r.banned ? 'yes' : 'no')],
        [msg('enrolled at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('last active at'), (r) => (r.lastActivityAt ? new Date(r.lastActivityAt).toISOString() : '')],
      ],
    },
  });
}

export function enrollmentAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = enrollmentsTable(db);

  async function tablePage(res: Response, q: Query, problem?: Problem, status = 200) {
    const page = await loadTablePage(table, q, contextOf(res));
    renderTable(res, page, problem, status);
  }

  function renderTable(res: Response, page: TablePage<Query, Row>, problem?: Problem, status = 200) {
    const timeZone = timeZoneOf(res);
    const tr = translatorOf(res);
    render(
      res,
      'admin/enrollments',
      {
        title: tr.t('Enrollments'),
        rows: page.rows.map((r) => ({
          ...r,
          amountLabel: tr.money(r.amount),
          dateLabel: tr.date(r.createdAt, timeZone),
          activityLabel: r.lastActivityAt ? tr.date(r.lastActivityAt, timeZone) : '—',
          needsReason: r.status !== 'Active' && !r.paidOrFree,
        })),
        filter: page.filter,
        statuses: STATUSES,
        problem,
        pageInfo: page.pageInfo,
      },
      status,
    );
  }

  router.get('/', (req, res) => serveAdminTable(req, res, table, (page) => renderTable(res, page)));


  /** Where the form was posted from: this table with its filters, sort and page. */
  const back = (req: Request) => backTo(req.get('referer'), PATH, PATH);

  /** Invalid input: the table the form came from again, with the message beside the row. */
  function refuse(req: Request, res: Response, problem: Problem) {
    const url = new URL(back(req), 'http://edupeak.invalid');
    return tablePage(res, query.parse(url.pathname === PATH ? Object.fromEntries(url.searchParams) : {}), problem, 422);
  }

  router.post('/:id/status', async (req, res) => {
    const params = idParam.safeParse(req.params);
    const action = actionInput.safeParse(req.body);
    // Only the table's two buttons send a status: anything else is not an action we offer.
    if (!params.success || !action.success) throw notFound();
    const id = params.data.id;
    const values = typedValues(req.body, ['reason']);
    const input = reasonInput.safeParse(req.body);
    if (!input.success) return refuse(req, res, { id, errors: fieldErrors(input.error), values });

    const result = await changeStatus(db, auditOf(req, res), { enrollmentId: id, status: action.data.status, reason: input.data.reason });
    if (!result.ok) {
      if (result.problem === 'not_found') throw notFound();
      return refuse(req, res, { id, errors: result.errors, values });
    }
    const message = !result.changed
      ? result.to === 'Active'
        ? msg('This enrollment was active already.')
        : msg('This enrollment was cancelled already.')
      : result.to === 'Active'
        ? msg('Enrollment activated.')
        : msg('Enrollment cancelled.');
    setFlash(req, result.changed ? 'success' : 'info', message);
    res.redirect(303, back(req));
  });

  return router;
}
