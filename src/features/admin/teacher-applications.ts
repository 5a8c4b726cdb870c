import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo, fieldErrors } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { pageInfo, PER_PAGE, tableQuery } from '../../http/table.ts';
import { recordActivity } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { rejectionInput } from '../teaching/schemas.ts';
import { auditOf } from '../../http/audit-context.ts';

/**
 * /admin/teacher-applications: the applications in a table (filter by status, newest first, pages),
 * with approve and reject (a reason required) in place. The applicant gets a notification row.
 */

const STATUSES = ['Pending', 'Approved', 'Rejected'] as const;
const query = tableQuery(['createdAt', 'reviewedAt'] as const, 'createdAt', {
  status: z.enum([...STATUSES, 'all']).catch('Pending'),
});
const idParam = z.object({ id: z.uuid() });

export function teacherApplicationRoutes({ db }: { db: Database }): Router {
  const router = Router();

  async function tablePage(req: Request, res: Response, extras: { rejectErrors?: Record<string, Record<string, string>> } = {}, status = 200) {
    const q = query.parse(req.query);
    let base = db.selectFrom('teacherApplication as a').innerJoin('user as u', 'u.id', 'a.userId');
    if (q.status !== 'all') base = base.where('a.status', '=', q.status);
    const [{ total }, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      base
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
        ])
        .orderBy(`a.${q.sort}`, q.dir)
        .orderBy('a.id')
        .limit(PER_PAGE)
        .offset((q.page - 1) * PER_PAGE)
        .execute(),
    ]);
    render(
      res,
      'admin/teacher-applications',
      {
        title: 'Teacher applications',
        rows: rows.map((r) => ({ ...r, data: r.applicationData as Record<string, string> })),
        filter: q,
        statuses: STATUSES,
        pageInfo: pageInfo('/admin/teacher-applications', q, Number(total)),
        rejectErrors: extras.rejectErrors ?? {},
      },
      status,
    );
  }

  router.get('/', (req, res) => tablePage(req, res));

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
        title: decision === 'Approved' ? 'You can teach on Edupeak now' : 'Your teacher application was not accepted',
        message: decision === 'Approved' ? 'Your application was approved. Create your first course from "Teach".' : `Reason: ${reason}`,
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
    setFlash(req, outcome ? 'success' : 'warning', outcome ? `Application ${decision.toLowerCase()}.` : 'That application was already decided.');
    res.redirect(303, backTo(req.get('referer'), '/admin/teacher-applications', '/admin/teacher-applications'));
  }

  router.post('/:id/approve', (req, res) => decide(req, res, 'Approved', null));

  router.post('/:id/reject', async (req, res) => {
    const parsed = rejectionInput.safeParse(req.body);
    if (!parsed.success) {
      return tablePage(req, res, { rejectErrors: { [String(req.params.id)]: fieldErrors(parsed.error) } }, 422);
    }
    return decide(req, res, 'Rejected', parsed.data.reason);
  });

  return router;
}
