import { Router, type Request, type Response } from 'express';
import { useCsrf } from '../../http/csrf.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, safeNext, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { enforceRateLimit, RATE_LIMITS } from '../../http/rate-limit.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { forgotInput, loginInput, PASSWORD_MIN, registerInput, resetInput, tokenInput } from './schemas.ts';
import {
  authenticate,
  register,
  requestPasswordReset,
  resetPassword,
  verifyEmail,
  type AccountDeps,
} from './service.ts';
import { issueDeviceCookie, trustedDeviceFor, type DeviceCookieConfig } from './device-cookie.ts';
import { endDeviceSession, startDeviceSession } from './sessions.ts';
import { checkToken, type TokenCheck } from './tokens.ts';

/** /auth: registration, email verification, sign-in and sign-out, password reset. */

function form(req: Request, res: Response, view: string, data: { values?: Record<string, string>; errors?: FieldErrors; [k: string]: unknown }, status = 200) {
  useCsrf(req, res);
  // The title is an English catalogue message (msg), shown in the reader's language.
  const title = typeof data.title === 'string' ? translatorOf(res).t(data.title) : undefined;
  render(res, view, { values: {}, errors: {}, passwordMin: PASSWORD_MIN, ...data, title }, status);
}

/**
 * Why a page sent the visitor here, said on the sign-in form (a bare sign-in page loses people):
 * each one whole sentence, with the link to the registration form as <a>…</a>.
 */
const SIGN_IN_REASONS: Array<[prefix: string, reason: string]> = [
  ['/teach/apply', msg('Sign in to apply to teach on Edupeak. New here? <a>Create a free account</a>.')],
  ['/teach', msg('Sign in to build and manage your courses. New here? <a>Create a free account</a>.')],
  ['/courses/', msg('Sign in to enroll in this course. New here? <a>Create a free account</a>.')],
  ['/learn/', msg('Sign in to continue this course. New here? <a>Create a free account</a>.')],
  ['/dashboard', msg('Sign in to see your courses and certificates. New here? <a>Create a free account</a>.')],
  ['/account', msg('Sign in to manage your account. New here? <a>Create a free account</a>.')],
  ['/admin', msg('Sign in to use the administration pages. New here? <a>Create a free account</a>.')],
];
const signInReason = (next: string): string | undefined =>
  next ? (SIGN_IN_REASONS.find(([prefix]) => next.startsWith(prefix))?.[1] ?? msg('Sign in to see that page. New here? <a>Create a free account</a>.')) : undefined;

/** Why a mailed link failed, for the confirmation or the password reset link (whole sentences each). */
const TOKEN_PROBLEMS = {
  confirmation: {
    expired: msg('This confirmation link has expired.'),
    invalid: msg('This confirmation link is not valid: it may have been used already, or replaced by a newer one.'),
  },
  reset: {
    expired: msg('This password reset link has expired.'),
    invalid: msg('This password reset link is not valid: it may have been used already, or replaced by a newer one.'),
  },
};
const tokenProblem = (check: Exclude<TokenCheck, { ok: true }>, what: keyof typeof TOKEN_PROBLEMS) =>
  check.reason === 'expired' ? TOKEN_PROBLEMS[what].expired : TOKEN_PROBLEMS[what].invalid;

export function authRoutes(deps: AccountDeps & { config: DeviceCookieConfig; signInProviders?: Array<{ id: string; label: string }> }): Router {
  const { db } = deps;
  const router = publicRouter(Router());
  // "Continue with Google / GitHub" on the sign-in and registration forms: only the configured ones.
  router.use((_req, res, next) => {
    res.locals.signInProviders = deps.signInProviders ?? [];
    next();
  });

  router.get('/register', (req, res) => {
    if (currentUser(res)) return res.redirect(303, '/');
    form(req, res, 'auth/register', { title: msg('Create your account'), next: safeNext(req.query.next, '') });
  });

  router.post('/register', async (req, res) => {
    const fields = ['firstName', 'lastName', 'email'] as const;
    const next = safeNext(req.body?.next, '');
    await enforceRateLimit(db, RATE_LIMITS.registerIp, req.ip ?? 'unknown');
    const parsed = registerInput.safeParse(req.body);
    if (!parsed.success) {
      return form(req, res, 'auth/register', { title: msg('Create your account'), next, values: typedValues(req.body, fields), errors: fieldErrors(parsed.error) }, 422);
    }
    const sendMail = await register(deps, parsed.data, translatorOf(res).locale);
    // Not awaited: a new address and a known one must answer alike, and as fast.
    sendMail().catch((err: unknown) => deps.logger.error({ err }, 'could not send the registration mail'));
    form(req, res, 'auth/register-sent', { title: msg('Check your email'), email: parsed.data.email, next });
  });

  router.get('/login', (req, res) => {
    if (currentUser(res)) return res.redirect(303, safeNext(req.query.next));
    const next = safeNext(req.query.next, '');
    form(req, res, 'auth/login', { title: msg('Sign in'), next, reason: signInReason(next) });
  });

  router.post('/login', async (req, res) => {
    const next = safeNext(req.body?.next, '');
    const values = typedValues(req.body, ['email']);
    const parsed = loginInput.safeParse(req.body);
    if (!parsed.success) {
      return form(req, res, 'auth/login', { title: msg('Sign in'), next, values, errors: fieldErrors(parsed.error) }, 422);
    }
    const client = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
    const result = await authenticate(deps, client, parsed.data, trustedDeviceFor(req, deps.config, parsed.data.email), translatorOf(res));
    if (!result.ok) {
      return form(req, res, 'auth/login', { title: msg('Sign in'), next, values, errors: { _form: result.message }, errorValues: { _form: result.values } }, result.status);
    }
    await startDeviceSession(db, req, result.userId);
    issueDeviceCookie(res, deps.config, parsed.data.email);
    res.redirect(303, next || '/');
  });

  router.post('/logout', async (req, res) => {
    await endDeviceSession(db, req, msg('You are signed out.'));
    res.redirect(303, '/');
  });

  // The mailed link shows a button instead of confirming at once: mail scanners follow links,
  // and a GET must not change anything.
  router.get('/verify', async (req, res) => {
    const check = await checkToken(db, 'email-verification', req.query.token);
    if (!check.ok) {
      return form(req, res, 'auth/token-problem', { title: msg('Link not valid'), message: tokenProblem(check, 'confirmation'), resend: true }, 400);
    }
    form(req, res, 'auth/verify', { title: msg('Confirm your email'), token: req.query.token });
  });

  router.post('/verify', async (req, res) => {
    const parsed = tokenInput.safeParse(req.body);
    const check = parsed.success ? await verifyEmail(db, parsed.data.token) : ({ ok: false, reason: 'invalid' } as const);
    if (!check.ok) {
      return form(req, res, 'auth/token-problem', { title: msg('Link not valid'), message: tokenProblem(check, 'confirmation'), resend: true }, 400);
    }
    setFlash(req, 'success', msg('Your email address is confirmed. Thank you!'));
    res.redirect(303, currentUser(res) ? '/' : '/auth/login');
  });

  router.get('/forgot', (req, res) => {
    form(req, res, 'auth/forgot', { title: msg('Reset your password') });
  });

  router.post('/forgot', async (req, res) => {
    const parsed = forgotInput.safeParse(req.body);
    if (!parsed.success) {
      return form(req, res, 'auth/forgot', { title: msg('Reset your password'), values: typedValues(req.body, ['email']), errors: fieldErrors(parsed.error) }, 422);
    }
    await enforceRateLimit(db, RATE_LIMITS.resetIp, req.ip ?? 'unknown');
    await enforceRateLimit(db, RATE_LIMITS.resetEmail, parsed.data.email);
    // Not awaited: a known email (a token and a mail) must not answer slower than an unknown one.
    requestPasswordReset(deps, parsed.data.email, translatorOf(res).locale).catch((err: unknown) => deps.logger.error({ err }, 'password reset mail failed'));
    form(req, res, 'auth/forgot-sent', { title: msg('Check your email'), email: parsed.data.email });
  });

  router.get('/reset', async (req, res) => {
    const check = await checkToken(db, 'password-reset', req.query.token);
    if (!check.ok) {
      return form(req, res, 'auth/token-problem', { title: msg('Link not valid'), message: tokenProblem(check, 'reset'), forgot: true }, 400);
    }
    form(req, res, 'auth/reset', { title: msg('Choose a new password'), token: req.query.token });
  });

  router.post('/reset', async (req, res) => {
    const parsed = resetInput.safeParse(req.body);
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    if (!parsed.success) {
      return form(req, res, 'auth/reset', { title: msg('Choose a new password'), token, errors: fieldErrors(parsed.error) }, 422);
    }
    const check = await resetPassword(db, parsed.data.token, parsed.data.password);
    if (!check.ok) {
      return form(req, res, 'auth/token-problem', { title: msg('Link not valid'), message: tokenProblem(check, 'reset'), forgot: true }, 400);
    }
    // Every device was signed out, this browser included.
    await endDeviceSession(db, req);
    setFlash(req, 'success', msg('Your password is changed, and every device was signed out. Sign in with the new password.'));
    res.redirect(303, '/auth/login');
  });

  return router;
}
