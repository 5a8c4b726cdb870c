import { Router, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo, fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { pageInfo, tableQuery } from '../../http/table.ts';
import { containsPattern } from '../../lib/like.ts';
import { recordActivity } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { rejectionInput } from '../teaching/schemas.ts';
import { auditOf } from '../../http/audit-context.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { countOf, contextOf, defineAdminTable, loadTablePage, serveAdminTable, type TablePage } from './table.ts';

/**
 * /admin/teacher-applications: the applications in the admin table (filter by status, applicant
 * and date sent; newest first; pages; CSV), with approve and reject (a reason required) in place.
 * A refused rejection (no reason) answers 422 with the table the form came from (the Referer's
 * filters, sort and page), the message and what was typed beside the row. The applicant gets a
 * notification row.
 */

const PATH = '/admin/teacher-applications';
const STATUSES = ['Pending', 'Approved', 'Rejected'] as const;
const query = tableQuery(['createdAt', 'reviewedAt'] as const, 'createdAt', {
  status: z.enum([...STATUSES, 'all']).catch('Pending'),
  user: textFilter,
  ...dateRange,
});
type Query = z.infer<typeof query>;
type Row = Awaited<ReturnType<typeof selectRows>>[number];
const idParam = z.object({ id: z.uuid() });

interface Problem {
  id: string;
  errors: FieldErrors;
  values: Record<string, string>;
}

function filtered(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  let base = db.selectFrom('teacherApplication as a').innerJoin('user as u', 'u.id', 'a.userId');
  if (q.status !== 'all') base = base.where('a.status', '=', q.status);
  // The users table's search text (its trigram index): any part of the name or the address.
  if (q.user) base = base.where(sql<string>`lower(u.first_name || ' ' || coalesce(u.last_name, '') || ' ' || u.email)`, 'like', containsPattern(q.user.toLowerCase()));
  if (start) base = base.where('a.createdAt', '>=', start);
  if (end) base = base.where('a.createdAt', '<', end);
  return base;
}

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  return filtered(db, q, timeZone)
    .leftJoin('user as r', 'r.id', 'a.reviewedBy')
    .select([
      'a.id',
      'a.status',
      'a.applicationData',
      'a.rejectionReason',
      'a.createdAt',
      'a.reviewedAt',
      'u.firstName',
      'u.lastName',
      'u.email',
      'u.role',
      'r.firstName as reviewerName',
      'r.email as reviewerEmail',
    ])
    // Never-reviewed applications last either way; createdAt is never null (so the index's order serves it).
    .orderBy(sql.ref(`a.${q.sort}`), (ob) => (q.sort === 'reviewedAt' ? (q.dir === 'asc' ? ob.asc() : ob.desc()).nullsLast() : q.dir === 'asc' ? ob.asc() : ob.desc()))
    .orderBy('a.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}

const field = (r: Row, key: string): string => {
  const value = (r.applicationData as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : '';
};

/** The table (filters, sort, pages, CSV): src/features/admin/table.ts. */
function applicationsTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone)),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'teacher-applications.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('applicant'), (r) => `${r.firstName} ${r.lastName ?? ''}`.trim()],
        [msg('email'), (r) => r.email],
        [msg('role'), (r) => r.role],
        [msg('subjects'), (r) => field(r, 'subjects')],
        [msg('experience'), (r) => field(r, 'experience')],
        [msg('motivation'), (r) => field(r, 'motivation')],
        [msg('sample link'), (r) => field(r, 'sampleLink')],
        [msg('status'), (r) => r.status],
        [msg('sent at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('reviewed at'), (r) => (r.reviewedAt ? new Date(r.reviewedAt).toISOString() : '')],
        [msg('reviewed by'), (r) => r.reviewerEmail ?? ''],
        [msg('rejection reason'), (r) => r.rejectionReason ?? ''],
      ],
    },
  });
}

export function teacherApplicationRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = applicationsTable(db);

  function renderTable(res: Response, page: TablePage<Query, Row>, problem?: Problem, status = 200) {
    const q = page.filter;
    const statusHref = (s: Query['status']) => pageInfo(PATH, { ...q, status: s, page: 1 }, 0).href(1);
    render(
      res,
      'admin/teacher-applications',
      {
        title: translatorOf(res).t('Teacher applications'),
        rows: page.rows.map((r) => ({ ...r, data: r.applicationData as Record<string, string> })),
        filter: q,
        tabs: [...STATUSES, 'all' as const].map((s) => ({ status: s, href: statusHref(s), current: q.status === s })),
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
  async function refuse(req: Request, res: Response, problem: Problem) {
    const url = new URL(back(req), 'http://edupeak.invalid');
    const q = query.parse(url.pathname === PATH ? Object.fromEntries(url.searchParams) : {});
    renderTable(res, await loadTablePage(table, q, contextOf(res)), problem, 422);
  }

    /** Decides a pending application once: a second admin clicking at the same time finds it decided. */
  async function decide(req: Request, res: Response, decision: 'Approved' | 'Rejected', reason: string | null) {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const admin = currentUser(res)!;
    const audit = auditOf(req, res);
    const outcome = await db.transaction().execute(async (trx) => {
      const application = await trx
        .updateTable('teacherApplication')
        .set({ status: decision, rejectionReason: reason, reviewedBy: admin.id, reviewedAt: new Date() })
        .where('id', '=', params.data.id)
        .where('status', '=', 'Pending')
        .returning(['id', 'userId'])
        .executeTakeFirst();
      if (!application) return undefined;
      if (decision === 'Approved') {
        // Admins stay admins; everyone else becomes a teacher (their next request gets a new session id).
        await trx.updateTable('user').set({ role: 'teacher' }).where('id', '=', application.userId).where('role', '=', 'student').execute();
      }
      await notify(trx, {
        userId: application.userId,
        type: 'AdminReply',
        // Written in the applicant's language by notify().
        title: decision === 'Approved' ? msg('You can teach on Edupeak now') : msg('Your teacher application was not accepted'),
        message: decision === 'Approved' ? msg('Your application was approved. Create your first course from "Teach".') : msg('Reason: {reason}'),
        values: { reason: reason ?? '' },
        link: decision === 'Approved' ? '/teach' : '/teach/apply',
      });
      await recordActivity(trx, audit, {
        action: decision === 'Approved' ? 'teacher_application_approved' : 'teacher_application_rejected',
        entityType: 'teacher_application',
        entityId: application.id,
        ...(reason ? { metadata: { reason } } : {}),
      });
      return application;
    });
    setFlash(req, outcome ? 'success' : 'warning', outcome ? (decision === 'Approved' ? msg('Application approved.') : msg('Application rejected.')) : msg('That application was already decided.'));
    res.redirect(303, back(req));
  }

  router.post('/:id/approve', (req, res) => decide(req, res, 'Approved', null));

  router.post('/:id/reject', async (req, res) => {
    const parsed = rejectionInput.safeParse(req.body);
    if (!parsed.success) {
      const params = idParam.safeParse(req.params);
      if (!params.success) throw notFound();
      return refuse(req, res, { id: params.data.id, errors: fieldErrors(parsed.error), values: typedValues(req.body, ['reason']) });
    }
    return decide(req, res, 'Rejected', parsed.data.reason);
  });

  return router;
}
