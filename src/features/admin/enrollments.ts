import { Router, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { pageInfo, PER_PAGE, tableQuery } from '../../http/table.ts';
import { formatDate } from '../../lib/dates.ts';
import { containsPattern } from '../../lib/like.ts';
import { formatPrice } from '../../lib/money.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';

/** /admin/enrollments: every enrollment, filtered by status, course, user and date; cancel or reactivate in place. */

const STATUSES = ['Pending', 'Active', 'Cancelled'] as const;
const query = tableQuery(['createdAt', 'lastActivityAt', 'amount'] as const, 'createdAt', {
  status: z.enum(STATUSES).optional().catch(undefined),
  course: textFilter,
  user: textFilter,
  ...dateRange,
});
const idParam = z.object({ id: z.uuid() });
const actionInput = z.object({ status: z.enum(['Active', 'Cancelled']) });

export function enrollmentAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (req: Request, res: Response) => {
    const q = query.parse(req.query);
    const { start, end } = dayBounds(q.from, q.to);
    let base = db.selectFrom('enrollment as e').innerJoin('course as c', 'c.id', 'e.courseId').innerJoin('user as u', 'u.id', 'e.userId');
    if (q.status) base = base.where('e.status', '=', q.status);
    if (q.course) base = base.where('c.title', 'ilike', containsPattern(q.course));
    if (q.user) base = base.where(sql<string>`lower(u.email)`, 'like', containsPattern(q.user.toLowerCase()));
    if (start) base = base.where('e.createdAt', '>=', start);
    if (end) base = base.where('e.createdAt', '<', end);
    const [{ total }, rows] = await Promise.all([
      base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
      base
        .select(['e.id', 'e.status', 'e.amount', 'e.createdAt', 'e.lastActivityAt', 'e.banned', 'c.title', 'c.slug', 'u.email', 'u.firstName', 'u.lastName'])
        .orderBy(sql.ref(`e.${q.sort}`), sql.raw(q.dir === 'asc' ? 'asc nulls first' : 'desc nulls last'))
        .orderBy('e.id')
        .limit(PER_PAGE)
        .offset((q.page - 1) * PER_PAGE)
        .execute(),
    ]);
    render(res, 'admin/enrollments', {
      title: 'Enrollments',
      rows: rows.map((r) => ({ ...r, amountLabel: formatPrice(r.amount), dateLabel: formatDate(r.createdAt), activityLabel: r.lastActivityAt ? formatDate(r.lastActivityAt) : '—' })),
      filter: q,
      statuses: STATUSES,
      pageInfo: pageInfo('/admin/enrollments', q, total),
    });
  });

  router.post('/:id/status', async (req, res) => {
    const params = idParam.safeParse(req.params);
    const input = actionInput.safeParse(req.body);
    if (!params.success || !input.success) throw notFound();
    const updated = await db.updateTable('enrollment').set({ status: input.data.status }).where('id', '=', params.data.id).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound();
    setFlash(req, 'success', input.data.status === 'Active' ? 'Enrollment reactivated.' : 'Enrollment cancelled.');
    res.redirect(303, backTo(req.get('referer'), '/admin/enrollments', '/admin/enrollments'));
  });

  return router;
}
