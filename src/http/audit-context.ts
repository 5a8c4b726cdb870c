import type { Request, Response } from 'express';
import type { AuditContext } from '../features/audit/activity.ts';
import { currentUser } from './guards.ts';

/** The audit context of a request by a signed-in user: what routes hand to services. */
export function auditOf(req: Request, res: Response): AuditContext {
  const user = currentUser(res);
  if (!user) throw new Error('auditOf: no signed-in user (mount the route behind a guard)');
  // While an admin views as this user (features/admin/impersonation*.ts), every row names them too.
  const impersonator = res.locals.impersonator as { id: string } | undefined;
  return { actorId: user.id, ipAddress: req.ip ?? null, userAgent: req.get('user-agent') ?? null, ...(impersonator ? { impersonatorId: impersonator.id } : {}) };
}
