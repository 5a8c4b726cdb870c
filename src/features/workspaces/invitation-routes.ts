import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { useCsrf } from '../../http/csrf.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { PASSWORD_MIN } from '../accounts/schemas.ts';
import {
  acceptInvitation,
  closedProblem,
  findInvitation,
  invitationsFor,
  isFor,
  PROBLEM_MESSAGE,
  PROBLEM_STATUS,
  type InvitationProblem,
  type InvitationRef,
} from './invitations.ts';

/**
 * The invited person's side (spec workflow 7):
 * - GET /invitations/:token (public): the invitation (workspace, role, who invited). Signed out:
 *   sign in, or create an account with the invited address (the form prefilled, coming back here).
 *   Signed in as the invited address (any case): an Accept button. Signed in as someone else: who
 *   it is for and a way to switch accounts.
 * - POST /invitations/:token and POST /invitations/:id/accept (signed in): accept.
 * - GET /invitations (signed in): your open invitations (where the SuperAdminInvitation notice links).
 *
 * Refusals: an unknown token 404; accepted, revoked or expired 410 (Gone: it existed and will never
 * work again); another person's 403. Each is a page that says which, and changes nothing.
 */

const tokenParam = z.object({ token: z.string().min(1).max(200) });
const idParam = z.object({ id: z.uuid() });

function refuse(res: Response, problem: InvitationProblem) {
  const tr = translatorOf(res);
  render(
    res,
    'invitations/problem',
    { title: tr.t(problem === 'unknown' ? msg('Invitation not found') : msg('Invitation not valid')), message: PROBLEM_MESSAGE[problem], problem },
    PROBLEM_STATUS[problem],
  );
}

const byName = (i: { byFirstName: string; byLastName: string | null }) => `${i.byFirstName} ${i.byLastName ?? ''}`.trim();

/** GET /invitations/:token, for anyone holding the link. */
export function invitationPageRoutes({ db }: { db: Database }): Router {
  const router = publicRouter(Router());
  router.get('/:token', async (req, res) => {
    const params = tokenParam.safeParse(req.params);
    const invitation = params.success ? await findInvitation(db, { token: params.data.token }) : undefined;
    if (!invitation) return refuse(res, 'unknown');
    const closed = closedProblem(invitation);
    if (closed) return refuse(res, closed);
    const user = currentUser(res);
    // The forms on this page (register, sign out) need the session's CSRF token, signed in or not.
    useCsrf(req, res);
    const here = req.originalUrl.split('?')[0]!;
    render(res, 'invitations/show', {
      title: translatorOf(res).t('Invitation to {workspace}', { workspace: invitation.workspaceName }),
      invitation: { ...invitation, by: byName(invitation) },
      action: here,
      next: here,
      mine: user ? isFor(invitation, user) : false,
      // The registration form, prefilled with the invited address.
      values: { email: invitation.email },
      errors: {},
      passwordMin: PASSWORD_MIN,
    });
  });
  return router;
}

/** The signed-in routes (mounted behind requireUser). */
export function invitationRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const user = currentUser(res)!;
    const rows = await invitationsFor(db, user.email);
    render(res, 'invitations/list', {
      title: translatorOf(res).t('Your invitations'),
      invitations: rows.map((i) => ({ ...i, by: byName(i) })),
      verified: user.emailVerified,
    });
  });

  async function accept(req: Request, res: Response, ref: InvitationRef) {
    const user = currentUser(res)!;
    const result = await acceptInvitation(db, auditOf(req, res), user, ref);
    if (!result.ok) return refuse(res, result.problem);
    const values = { workspace: result.workspaceName, role: result.membershipRole };
    if (result.membershipRole !== result.role) setFlash(req, 'success', msg('Welcome to {workspace}: you are {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}} (you were {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}} already).'), values);
    else setFlash(req, 'success', msg('Welcome to {workspace}: you are {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}.'), values);
    // A staff role opens the admin area; the new role takes effect (with a new session id) on the next request.
    res.redirect(303, result.membershipRole === 'Member' ? '/dashboard' : '/admin');
  }

  router.post('/:token', async (req, res) => {
    const params = tokenParam.safeParse(req.params);
    if (!params.success) return refuse(res, 'unknown');
    await accept(req, res, { token: params.data.token });
  });

  router.post('/:id/accept', async (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) return refuse(res, 'unknown');
    await accept(req, res, { id: params.data.id });
  });

  return router;
}
