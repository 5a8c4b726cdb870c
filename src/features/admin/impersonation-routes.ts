import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { currentUser } from '../../http/guards.ts';
import { endDeviceSession } from '../accounts/sessions.ts';
import { startImpersonation } from './impersonation.ts';
import { enterImpersonation, leaveImpersonation } from './impersonation-session.ts';
import { requireSuperAdmin } from './staff.ts';

/**
 * POST /admin/users/:userId/impersonate (workspace SuperAdmin): view Edupeak as a non-admin user,
 * for up to an hour. POST /impersonation/stop (signed in: the browser is the target then): back to
 * the admin's own sign-in, on the person's admin page.
 */

const userIdParam = z.object({ userId: z.uuid() });

export function impersonationAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.post('/users/:userId/impersonate', requireSuperAdmin, async (req, res) => {
    const params = userIdParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const admin = currentUser(res)!;
    const adminDeviceToken = req.session.deviceToken;
    // An admin page is never reached while impersonating (the target is no admin), but be sure.
    if (!adminDeviceToken || res.locals.impersonator) throw new HttpError(403, msg('Not while viewing as someone else.'));
    const result = await startImpersonation(db, auditOf(req, res), {
      userId: params.data.userId,
      ipAddress: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
    });
    if (!result.ok) throw new HttpError(result.status, result.message, result.values);
    await enterImpersonation(req, result.token, { adminDeviceToken, adminId: admin.id, userId: result.user.id }, result.user.role);
    res.redirect(303, '/dashboard');
  });

  return router;
}

/** Stop viewing as: shared by the banner's button and the nav's Sign out while impersonating. */
export async function stopViewingAs(db: Database, req: Request, res: Response): Promise<void> {
  const ended = await leaveImpersonation(db, req, 'stopped');
  if (!ended) {
    if (res.locals.impersonator) {
      // An impersonation row without the way back in this browser: nothing to return to.
      await endDeviceSession(db, req, msg('You stopped viewing as someone else. Please sign in again.'));
      return res.redirect(303, '/auth/login');
    }
    setFlash(req, 'info', msg('You are not viewing Edupeak as anyone.'));
    return res.redirect(303, '/');
  }
  if (!ended.restored) {
    setFlash(req, 'info', msg('You stopped viewing as someone else. Your own sign-in had ended: please sign in again.'));
    return res.redirect(303, '/auth/login');
  }
  setFlash(req, 'success', msg('You stopped viewing as them: you are back as yourself.'));
  res.redirect(303, `/admin/users/${ended.userId}`);
}

export function impersonationStopRoutes({ db }: { db: Database }): Router {
  const router = Router();
  router.post('/stop', (req, res) => stopViewingAs(db, req, res));
  return router;
}
