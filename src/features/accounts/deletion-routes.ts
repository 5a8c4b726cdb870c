import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { auditOf } from '../../http/audit-context.ts';
import { useCsrf } from '../../http/csrf.ts';
import { setFlash } from '../../http/flash.ts';
import { currentUser } from '../../http/guards.ts';
import { enforceRateLimit, type RateLimitRule } from '../../http/rate-limit.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import {
  confirmDeletionWithPassword,
  confirmDeletionWithToken,
  deletionState,
  isBlocked,
  sendDeletionLink,
  type DeletionScheduled,
} from './deletion.ts';
import type { AccountDeps } from './service.ts';
import { endDeviceSession } from './sessions.ts';
import { checkToken, type TokenCheck } from './tokens.ts';

/**
 * /account/delete (mounted under /account behind requireUser): the page that says what deleting
 * the account does, and its confirmation, by the current password or, for someone with no
 * password, by a mailed link whose page shows a button (mail scanners follow links: its GET
 * changes nothing). The rules are features/accounts/deletion.ts's.
 */

const passwordInput = z.object({ password: z.string().min(1, msg('Type your password to confirm.')).max(200, msg('Type your password to confirm.')) });
const tokenInput = z.object({ token: z.string().min(1).max(200) });

// Guessing a password through a stolen session, or flooding someone's mailbox with links: a few an hour.
const PASSWORD_TRIES: RateLimitRule = { name: 'account-deletion-password', limit: 5, windowSeconds: 15 * 60 };
const LINK_MAILS: RateLimitRule = { name: 'account-deletion-link', limit: 3, windowSeconds: 60 * 60 };

const LINK_PROBLEM = {
  expired: msg('This confirmation link has expired.'),
  invalid: msg('This confirmation link is not valid: it may have been used already, or replaced by a newer one.'),
};
const linkProblem = (check: Exclude<TokenCheck, { ok: true }>) => (check.reason === 'expired' ? LINK_PROBLEM.expired : LINK_PROBLEM.invalid);

export function deletionRoutes(deps: AccountDeps): Router {
  const { db } = deps;
  const router = Router();

  /** The page: what happens, what keeps them from leaving, and the form that fits them. */
  async function page(req: Request, res: Response, extra: { error?: string; status?: number } = {}) {
    const user = currentUser(res)!;
    const state = await deletionState(db, user.id);
    useCsrf(req, res);
    render(
      res,
      'account/delete',
      { title: translatorOf(res).t('Delete your account'), state, blocked: isBlocked(state), errors: extra.error ? { password: extra.error } : {}, values: {} },
      extra.status ?? 200,
    );
  }

  /** The mailed link's page: what happens, and the button (or, refused, what blocks it: 409). */
  async function confirmPage(req: Request, res: Response, token: string, status = 200) {
    const user = currentUser(res)!;
    const state = await deletionState(db, user.id);
    useCsrf(req, res);
    render(res, 'account/delete-confirm', { title: translatorOf(res).t('Delete your account'), token, state, blocked: isBlocked(state) }, status);
  }

  /** Confirmed: this browser is signed out too, and told when the account goes. */
  async function scheduled(req: Request, res: Response, result: DeletionScheduled) {
    const tr = translatorOf(res);
    const zone = currentUser(res)!.timeZone;
    await endDeviceSession(db, req);
    setFlash(req, 'success', msg('Your account will be deleted on {date} ({zone}). You are signed out everywhere; sign in before then to keep your account.'), {
      date: tr.dateTime(result.deleteAfter, zone),
      zone,
    });
    res.redirect(303, '/');
  }

  router.get('/delete', (req, res) => page(req, res));

  router.post('/delete', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = passwordInput.safeParse(req.body);
    if (!parsed.success) return page(req, res, { error: msg('Type your password to confirm.'), status: 422 });
    await enforceRateLimit(db, PASSWORD_TRIES, user.id);
    const result = await confirmDeletionWithPassword(deps, auditOf(req, res), user.id, parsed.data.password, translatorOf(res).locale);
    if (result.ok) return scheduled(req, res, result);
    // Refused (a course with students, the last admin): the page says why, listing what blocks it.
    if (result.status === 409) return page(req, res, { status: 409 });
    return page(req, res, { error: result.message, status: 422 });
  });

  // Someone with no password: a link by mail, to their address.
  router.post('/delete/link', async (req, res) => {
    const user = currentUser(res)!;
    const state = await deletionState(db, user.id);
    if (isBlocked(state)) return page(req, res, { status: 409 });
    if (state.hasPassword) return page(req, res, { error: msg('Your account has a password: type it to confirm.'), status: 422 });
    await enforceRateLimit(db, LINK_MAILS, user.id);
    await sendDeletionLink(deps, user, translatorOf(res).locale);
    setFlash(req, 'success', msg('We sent a confirmation link to {email}. It works for 1 hour.'), { email: user.email });
    res.redirect(303, '/account/delete');
  });

  // The mailed link: a page with a button; nothing changes until it is pressed.
  router.get('/delete/confirm', async (req, res) => {
    const user = currentUser(res)!;
    const check = await checkToken(db, 'account-deletion', req.query.token);
    const problem = !check.ok ? check : check.userId !== user.id ? ({ ok: false, reason: 'invalid' } as const) : undefined;
    useCsrf(req, res);
    if (problem) return render(res, 'auth/token-problem', { title: translatorOf(res).t('Link not valid'), message: linkProblem(problem) }, 400);
    return confirmPage(req, res, String(req.query.token));
  });

  router.post('/delete/confirm', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = tokenInput.safeParse(req.body);
    const result = parsed.success
      ? await confirmDeletionWithToken(deps, auditOf(req, res), user.id, parsed.data.token, translatorOf(res).locale)
      : ({ ok: false, status: 400, check: { ok: false, reason: 'invalid' } } as const);
    if (result.ok) return scheduled(req, res, result);
    if (result.status === 409) return confirmPage(req, res, parsed.data!.token, 409);
    useCsrf(req, res);
    render(res, 'auth/token-problem', { title: translatorOf(res).t('Link not valid'), message: linkProblem(result.check) }, 400);
  });

  return router;
}
