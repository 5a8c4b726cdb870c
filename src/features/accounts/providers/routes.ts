import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { useCsrf } from '../../../http/csrf.ts';
import { HttpError, notFound } from '../../../http/errors.ts';
import { setFlash } from '../../../http/flash.ts';
import { fieldErrors, safeNext } from '../../../http/forms.ts';
import { currentUser, publicRouter } from '../../../http/guards.ts';
import { enforceRateLimit, RATE_LIMITS } from '../../../http/rate-limit.ts';
import { render } from '../../../http/render.ts';
import { msg } from '../../../i18n/catalogue.ts';
import { translatorOf } from '../../../i18n/negotiate.ts';
import type { MessageValues } from '../../../i18n/translator.ts';
import { verifyPassword } from '../password.ts';
import { guessedTimeZone } from '../schemas.ts';
import { findUserByEmail, mailTranslator, passwordResetMailFor, type AccountDeps } from '../service.ts';
import { startDeviceSession } from '../sessions.ts';
import { checkToken, consumeToken, issueToken } from '../tokens.ts';
import { isProviderId, newFlowChecks, PROVIDER_LABELS, type FlowChecks, type Identity, type ProviderClient, type ProviderId } from './clients.ts';
import { providerLinkMail } from './mails.ts';
import { linkAndSignIn, linkIdentity, signInMethods, signInWithIdentity, unlinkProvider } from './service.ts';

declare module 'express-session' {
  interface SessionData {
    /** Between the redirect to a provider and its callback: what the callback must match (single use). */
    providerFlow?: { provider: ProviderId; checks: FlowChecks; intent: 'sign-in' | 'link'; userId?: string; next: string; timeZone: string; startedAt: number };
    /** A provider identity whose email belongs to an existing account, waiting for the person to prove that account. */
    providerLink?: { identity: Identity; userId: string; next: string; expiresAt: number };
  }
}

/** How long the provider's page may take (the person types a password, maybe a second factor). */
const FLOW_MAX_AGE_MS = 15 * 60 * 1000;
const LINK_MAX_AGE_MS = 60 * 60 * 1000;

type Deps = AccountDeps & { clients: Map<ProviderId, ProviderClient> };

const passwordInput = z.object({ password: z.string().min(1, msg('Enter your password.')).max(200) });
const tokenInput = z.object({ token: z.string().min(1).max(200) });

const redirectUri = (baseUrl: string, provider: ProviderId) => `${baseUrl}/auth/providers/${provider}/callback`;

function problem(req: Request, res: Response, message: string, values: MessageValues = {}, status = 400) {
  useCsrf(req, res);
  const tr = translatorOf(res);
  render(res, 'auth/provider-problem', { title: tr.t('Sign-in did not finish'), message, values }, status);
}

/** Sends the browser to the provider, with fresh state, nonce and PKCE verifier kept in its session. */
async function startFlow(deps: Deps, req: Request, res: Response, provider: ProviderClient, intent: 'sign-in' | 'link', next: string) {
  // The browser's zone, filled in by the form's script as on the registration form (UTC without it).
  const timeZone = guessedTimeZone.parse(req.body?.timeZone);
  const checks = newFlowChecks();
  let url: URL;
  try {
    url = await provider.authorizationUrl(redirectUri(deps.baseUrl, provider.id), checks);
  } catch (err) {
    deps.logger.error({ err, provider: provider.id }, 'could not reach the sign-in provider');
    throw new HttpError(503, msg('{provider} cannot be reached right now. Please try again in a few minutes, or sign in with your password.'), { provider: provider.label });
  }
  req.session.providerFlow = { provider: provider.id, checks, intent, userId: currentUser(res)?.id, next, timeZone, startedAt: Date.now() };
  // saveBeforeRedirect (http/session.ts) stores the flow before the browser leaves.
  res.redirect(303, url.href);
}

/** /auth/providers: sign in or register with Google or GitHub, and prove an existing account to link one. */
export function providerAuthRoutes(deps: Deps): Router {
  const { db, clients } = deps;
  const router = publicRouter(Router());
  const clientOf = (id: unknown): ProviderClient => {
    const client = isProviderId(id) ? clients.get(id) : undefined;
    if (!client) throw notFound();
    return client;
  };
  const clientInfo = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });

  async function signedIn(req: Request, res: Response, userId: string, next: string) {
    await startDeviceSession(db, req, userId);
    res.redirect(303, next || '/');
  }

  router.get('/:provider/callback', async (req, res) => {
    const provider = clientOf(req.params.provider);
    const flow = req.session.providerFlow;
    // Single use: a replayed callback (the same code and state again) finds nothing to match.
    delete req.session.providerFlow;
    const tr = translatorOf(res);
    if (typeof req.query.error === 'string') {
      setFlash(req, 'info', req.query.error === 'access_denied' ? msg('You cancelled signing in with {provider}.') : msg('{provider} did not sign you in. Please try again.'), { provider: provider.label });
      return res.redirect(303, flow?.intent === 'link' ? '/account/sign-in-methods' : '/auth/login');
    }
    if (!flow || flow.provider !== provider.id || Date.now() - flow.startedAt > FLOW_MAX_AGE_MS) {
      return problem(req, res, msg('This sign-in with {provider} has expired or was already used. Please start again.'), { provider: provider.label });
    }
    let identity: Identity;
    try {
      identity = await provider.finish(new URL(req.originalUrl, deps.baseUrl), flow.checks);
    } catch (err) {
      // A state, nonce or PKCE mismatch, a code used twice, a bad ID token: the library says which.
      deps.logger.warn({ err, provider: provider.id }, 'a provider sign-in was refused');
      return problem(req, res, msg('We could not confirm your sign-in with {provider}. Please start again.'), { provider: provider.label });
    }

    if (flow.intent === 'link') {
      const user = currentUser(res);
      if (!user || user.id !== flow.userId) return problem(req, res, msg('Sign in again, then connect {provider} from your account.'), { provider: provider.label });
      const linked = await linkIdentity(db, user.id, identity);
      if (!linked.ok) {
        setFlash(req, 'error', linked.message, linked.values);
      } else {
        setFlash(req, 'success', linked.already ? msg('{provider} was already connected to your account.') : msg('{provider} is connected: you can sign in with it now.'), { provider: provider.label });
      }
      return res.redirect(303, '/account/sign-in-methods');
    }

    const outcome = await signInWithIdentity(deps, clientInfo(req), identity, tr, flow.timeZone);
    if (outcome.kind === 'signed-in') return signedIn(req, res, outcome.userId, flow.next);
    if (outcome.kind === 'refused') return problem(req, res, outcome.message, outcome.values, outcome.status);
    // The email belongs to an account that is not linked: the person proves it first.
    req.session.providerLink = { identity, userId: outcome.userId, next: flow.next, expiresAt: Date.now() + LINK_MAX_AGE_MS };
    useCsrf(req, res);
    render(res, 'auth/provider-link', { title: tr.t('Connect {provider} to your account', { provider: provider.label }), provider: provider.label, email: outcome.email, hasPassword: outcome.hasPassword, errors: {} });
  });

  /** The identity waiting to be linked, or a clear 400 when there is none (expired, or another browser). */
  function pendingLink(req: Request) {
    const link = req.session.providerLink;
    if (!link || link.expiresAt < Date.now()) {
      delete req.session.providerLink;
      return undefined;
    }
    return link;
  }
  const NO_PENDING_LINK = msg('There is no sign-in waiting to be connected in this browser (it expires after an hour). Please start again with the button on the sign-in page, in the browser where you open this link.');

  router.post('/link', async (req, res) => {
    const link = pendingLink(req);
    if (!link) return problem(req, res, NO_PENDING_LINK);
    const tr = translatorOf(res);
    const provider = PROVIDER_LABELS[link.identity.providerId];
    const user = await db.selectFrom('user').select('email').where('id', '=', link.userId).executeTakeFirst();
    if (!user) return problem(req, res, NO_PENDING_LINK);
    await enforceRateLimit(db, RATE_LIMITS.loginIp, req.ip ?? 'unknown');
    await enforceRateLimit(db, RATE_LIMITS.loginAccount, user.email.toLowerCase());
    const parsed = passwordInput.safeParse(req.body);
    const account = await findUserByEmail(db, user.email);
    const wrong = !parsed.success ? fieldErrors(parsed.error) : !account?.password || !(await verifyPassword(account.password, parsed.data.password)) ? { password: msg('That is not the password of this account.') } : undefined;
    if (wrong) {
      useCsrf(req, res);
      return render(res, 'auth/provider-link', { title: tr.t('Connect {provider} to your account', { provider }), provider, email: user.email, hasPassword: Boolean(account?.password), errors: wrong }, 422);
    }
    const outcome = await linkAndSignIn(db, clientInfo(req), link.userId, link.identity, tr);
    if (outcome.kind !== 'signed-in') return problem(req, res, outcome.kind === 'refused' ? outcome.message : NO_PENDING_LINK, outcome.kind === 'refused' ? outcome.values : {}, outcome.kind === 'refused' ? outcome.status : 400);
    setFlash(req, 'success', msg('{provider} is connected: next time, Continue with {provider} signs you in.'), { provider });
    await signedIn(req, res, outcome.userId, link.next);
  });

  router.post('/link/mail', async (req, res) => {
    const link = pendingLink(req);
    if (!link) return problem(req, res, NO_PENDING_LINK);
    const user = await db.selectFrom('user').select(['id', 'email', 'firstName', 'language']).where('id', '=', link.userId).executeTakeFirst();
    if (!user) return problem(req, res, NO_PENDING_LINK);
    await enforceRateLimit(db, RATE_LIMITS.resetEmail, user.email.toLowerCase());
    const token = await issueToken(db, 'provider-link', user.id);
    const provider = PROVIDER_LABELS[link.identity.providerId];
    const tr = translatorOf(res);
    await deps.mailer.send(providerLinkMail(user, provider, `${deps.baseUrl}/auth/providers/link/confirm?token=${encodeURIComponent(token)}`, mailTranslator(user, tr.locale)));
    useCsrf(req, res);
    render(res, 'auth/provider-link-sent', { title: tr.t('Check your email'), email: user.email, provider });
  });

  // The mailed link shows a button: mail scanners follow links, and a GET must not change anything.
  router.get('/link/confirm', async (req, res) => {
    const check = await checkToken(db, 'provider-link', req.query.token);
    if (!check.ok) return problem(req, res, msg('This link has expired or was already used. Please start again with the button on the sign-in page.'));
    const link = pendingLink(req);
    if (!link || link.userId !== check.userId) return problem(req, res, NO_PENDING_LINK);
    useCsrf(req, res);
    const provider = PROVIDER_LABELS[link.identity.providerId];
    render(res, 'auth/provider-link-confirm', { title: translatorOf(res).t('Connect {provider} to your account', { provider }), provider, token: req.query.token });
  });

  router.post('/link/confirm', async (req, res) => {
    const parsed = tokenInput.safeParse(req.body);
    const link = pendingLink(req);
    if (!link) return problem(req, res, NO_PENDING_LINK);
    const tr = translatorOf(res);
    const userId = await db.transaction().execute(async (trx) => {
      const check = parsed.success ? await consumeToken(trx, 'provider-link', parsed.data.token) : undefined;
      if (!check?.ok || check.userId !== link.userId) return undefined;
      // The mailed link proved the address, as a confirmation link would.
      await trx.updateTable('user').set({ emailVerified: true }).where('id', '=', check.userId).execute();
      return check.userId;
    });
    if (!userId) return problem(req, res, msg('This link has expired or was already used. Please start again with the button on the sign-in page.'));
    const outcome = await linkAndSignIn(db, clientInfo(req), userId, link.identity, tr);
    if (outcome.kind !== 'signed-in') return problem(req, res, outcome.kind === 'refused' ? outcome.message : NO_PENDING_LINK, outcome.kind === 'refused' ? outcome.values : {}, outcome.kind === 'refused' ? outcome.status : 400);
    const provider = PROVIDER_LABELS[link.identity.providerId];
    setFlash(req, 'success', msg('{provider} is connected: next time, Continue with {provider} signs you in.'), { provider });
    await signedIn(req, res, outcome.userId, link.next);
  });

  // After /link: "link" is not a provider.
  router.post('/:provider', async (req, res) => {
    const provider = clientOf(req.params.provider);
    await enforceRateLimit(db, RATE_LIMITS.loginIp, req.ip ?? 'unknown');
    await startFlow(deps, req, res, provider, 'sign-in', safeNext(req.body?.next, ''));
  });

  return router;
}

/** /account/sign-in-methods (signed in): the password and the connected providers; connect, disconnect. */
export function signInMethodRoutes(deps: Deps): Router {
  const { db, clients } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const user = currentUser(res)!;
    const tr = translatorOf(res);
    const methods = await signInMethods(db, user.id);
    const linked = new Map(methods.linked.map((l) => [l.providerId, l]));
    const ids = [...new Set([...clients.keys(), ...linked.keys()])];
    const providers = ids.map((id) => ({
      id,
      label: PROVIDER_LABELS[id as ProviderId] ?? id,
      configured: clients.has(id as ProviderId),
      linkedLabel: linked.has(id) ? tr.date(linked.get(id)!.createdAt, user.timeZone) : undefined,
    }));
    const waysIn = (methods.hasPassword ? 1 : 0) + methods.linked.length;
    useCsrf(req, res);
    render(res, 'account/sign-in-methods', { title: tr.t('Sign-in methods'), hasPassword: methods.hasPassword, providers, lastWayIn: waysIn <= 1 });
  });

  router.post('/:provider/link', async (req, res) => {
    const provider = isProviderId(req.params.provider) ? clients.get(req.params.provider) : undefined;
    if (!provider) throw notFound();
    await startFlow(deps, req, res, provider, 'link', '/account/sign-in-methods');
  });

  router.post('/:provider/unlink', async (req, res) => {
    const user = currentUser(res)!;
    const id = req.params.provider;
    if (!isProviderId(id)) throw notFound();
    const result = await unlinkProvider(db, user.id, id);
    if (result === 'not-linked') throw notFound();
    if (result === 'last-way-in') {
      throw new HttpError(409, msg('{provider} is your only way to sign in. Set a password first (we email you a link), then disconnect it.'), { provider: PROVIDER_LABELS[id] });
    }
    setFlash(req, 'success', msg('{provider} is disconnected from your account.'), { provider: PROVIDER_LABELS[id] });
    res.redirect(303, '/account/sign-in-methods');
  });

  // A person who signed up with a provider has no password; the reset link sets one (service.setPassword).
  router.post('/password', async (req, res) => {
    const user = currentUser(res)!;
    await enforceRateLimit(db, RATE_LIMITS.resetEmail, user.email.toLowerCase());
    const full = await db.selectFrom('user').select(['id', 'email', 'firstName', 'language']).where('id', '=', user.id).executeTakeFirstOrThrow();
    await deps.mailer.send(await passwordResetMailFor(db, deps.baseUrl, full, translatorOf(res).locale));
    setFlash(req, 'success', msg('We sent a link to {email} to set your password. It works for 1 hour.'), { email: full.email });
    res.redirect(303, '/account/sign-in-methods');
  });

  return router;
}
