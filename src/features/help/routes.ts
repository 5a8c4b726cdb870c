import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { enforceRateLimit, RATE_LIMITS, RateLimitedError, type RateLimitRule } from '../../http/rate-limit.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { loadRequest, loadThread, myRequests, STATUS_LABEL, USER_PER_PAGE } from './queries.ts';
import { BODY_MAX, listPage, newRequestInput, replyInput, requestParam, SUBJECT_MAX } from './schemas.ts';
import { closeRequest, openRequest, replyAsUser } from './service.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * /help (any signed-in person; mounted behind requireUser): my requests, a new one, and each
 * request's thread with a reply form and Close. Someone else's request is the same 404 as a missing
 * one, for every route. A reply posted with htmx answers the thread fragment (the new message in
 * place, the form empty again, the status as it now is); without JavaScript, 303 to the message.
 * Refusals keep what was typed: 422 (empty, too long), 409 (a Closed request) and 429 (too fast;
 * 422 with the same message for htmx, which swaps only 2xx and 422).
 */

export interface HelpDeps {
  db: Database;
}

export interface ThreadForm {
  body: string;
  error: string;
}

/** The thread's data for views/help/_thread.eta, on either side (`side`: whose page it is). */
export async function threadView(db: Database, request: NonNullable<Awaited<ReturnType<typeof loadRequest>>>, side: 'user' | 'admin', form?: ThreadForm) {
  return {
    request: { ...request, statusLabel: STATUS_LABEL[request.status] },
    messages: await loadThread(db, request),
    side,
    form,
    bodyMax: BODY_MAX,
  };
}

/** A rate limit hit as a refusal message (null when allowed), with Retry-After set. */
export async function rateLimited(db: Database, res: Response, rule: RateLimitRule, userId: string, what: 'opening' | 'replying' | 'answering'): Promise<string | null> {
  try {
    await enforceRateLimit(db, rule, userId);
    return null;
  } catch (error) {
    if (!(error instanceof RateLimitedError)) throw error;
    res.set('Retry-After', String(error.retryAfterSeconds));
    // In the reader's language: the message is shown as it is (t() of a finished sentence is itself).
    const seconds = error.retryAfterSeconds;
    const wait = seconds < 60 ? { unit: 'second', n: seconds } : { unit: 'minute', n: Math.ceil(seconds / 60) };
    const tr = translatorOf(res);
    if (what === 'opening') return tr.t('You are opening requests very fast. {unit, select, second {{n, plural, one {Please wait # second} other {Please wait # seconds}}} other {{n, plural, one {Please wait # minute} other {Please wait # minutes}}}} and try again.', wait);
    if (what === 'answering') return tr.t('You are answering very fast. {unit, select, second {{n, plural, one {Please wait # second} other {Please wait # seconds}}} other {{n, plural, one {Please wait # minute} other {Please wait # minutes}}}} and try again.', wait);
    return tr.t('You are replying very fast. {unit, select, second {{n, plural, one {Please wait # second} other {Please wait # seconds}}} other {{n, plural, one {Please wait # minute} other {Please wait # minutes}}}} and try again.', wait);
  }
}

function idOf(req: Request): string {
  const parsed = requestParam.safeParse(req.params);
  if (!parsed.success) throw notFound();
  return parsed.data.id;
}

const firstError = (error: z.ZodError) => error.issues[0]?.message ?? msg('Please check your message.');

export function helpRoutes({ db }: HelpDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const user = currentUser(res)!;
    const { page } = listPage.parse(req.query);
    const { total, rows } = await myRequests(db, user.id, page);
    render(res, 'help/index', {
      title: translatorOf(res).t('Help'),
      rows: rows.map((r) => ({ ...r, statusLabel: STATUS_LABEL[r.status] })),
      pageInfo: pageInfo('/help', { page }, total, USER_PER_PAGE),
    });
  });

  function newForm(res: Response, form: { values?: Record<string, string>; errors?: FieldErrors } = {}, status = 200) {
    render(res, 'help/new', { title: translatorOf(res).t('Ask for help'), values: form.values ?? {}, errors: form.errors ?? {}, subjectMax: SUBJECT_MAX, bodyMax: BODY_MAX }, status);
  }

  router.get('/new', (_req, res) => newForm(res));

  router.post('/new', async (req, res) => {
    const user = currentUser(res)!;
    // Only these two fields are read: a posted userType (or anything else) is ignored.
    const values = typedValues(req.body, ['subject', 'message']);
    const parsed = newRequestInput.safeParse(req.body ?? {});
    if (!parsed.success) return newForm(res, { values, errors: fieldErrors(parsed.error) }, 422);
    const limited = await rateLimited(db, res, RATE_LIMITS.helpRequest, user.id, 'opening');
    if (limited) return newForm(res, { values, errors: { _form: limited } }, 429);
    const opened = await openRequest(db, auditOf(req, res), { user, subject: parsed.data.subject, message: parsed.data.message });
    setFlash(req, 'success', msg('Your request is sent. We will answer here, and tell you when we do.'));
    res.redirect(303, `/help/${opened.id}`);
  });

  /** The request page (or, for htmx, the thread fragment), optionally with a refused reply kept. */
  async function requestPage(req: Request, res: Response, id: string, form?: ThreadForm, status = 200) {
    const user = currentUser(res)!;
    const request = await loadRequest(db, id, user.id);
    if (!request) throw notFound();
    const thread = await threadView(db, request, 'user', form);
    res.vary('HX-Request');
    if (isHtmx(req)) return render(res, 'help/_thread', thread, status);
    render(res, 'help/show', { title: request.subject, ...thread }, status);
  }

  router.get('/:id', (req, res) => requestPage(req, res, idOf(req)));

  router.post('/:id/reply', async (req, res) => {
    const user = currentUser(res)!;
    const id = idOf(req);
    const typed = typedValues(req.body, ['body']).body ?? '';
    // Someone else's request (or none): 404 before anything else, so nothing tells it exists.
    const owned = await db.selectFrom('helpRequest').select('status').where('id', '=', id).where('userId', '=', user.id).executeTakeFirst();
    if (!owned) throw notFound();
    const refuse = (error: string, status: number) => requestPage(req, res, id, { body: typed, error }, isHtmx(req) && status !== 422 ? 422 : status);
    const parsed = replyInput.safeParse(req.body ?? {});
    if (!parsed.success) return refuse(firstError(parsed.error), 422);
    if (owned.status === 'Closed') return refuse(CLOSED_MESSAGE, 409);
    const limited = await rateLimited(db, res, RATE_LIMITS.helpReply, user.id, 'replying');
    if (limited) return refuse(limited, 429);
    const result = await replyAsUser(db, auditOf(req, res), { requestId: id, user, body: parsed.data.body });
    if (!result.ok) {
      if (result.problem === 'not_found') throw notFound();
      return refuse(CLOSED_MESSAGE, 409);
    }
    if (isHtmx(req)) return requestPage(req, res, id);
    setFlash(req, 'success', result.status === 'InProgress' && owned.status === 'Resolved' ? msg('Your reply is sent; the request is open again.') : msg('Your reply is sent.'));
    res.redirect(303, `/help/${id}#m-${result.messageId}`);
  });

  router.post('/:id/close', async (req, res) => {
    const user = currentUser(res)!;
    const id = idOf(req);
    const result = await closeRequest(db, auditOf(req, res), { requestId: id, by: 'user', userId: user.id });
    if (!result.ok) throw notFound();
    setFlash(req, result.changed ? 'success' : 'info', result.changed ? msg('The request is closed. Open a new one whenever you need help.') : msg('This request was closed already.'));
    res.redirect(303, `/help/${id}`);
  });

  return router;
}

export const CLOSED_MESSAGE = msg('This request is closed: it takes no more messages. Open a new request if you still need help.');
