import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import { isHtmx, render } from '../../http/render.ts';
import type { Learner } from '../learning/context.ts';
import { studentView, type StudentView } from './queries.ts';
import { CALL_ENDED_REASON, callIdParam, requestInput, SUPPORT_TYPES } from './schemas.ts';
import { requestToJoin } from './service.ts';

/**
 * The student's side of a live call, inside /learn/:slug (learning/routes.ts mounts this after
 * its loader): only an Active, unbanned student of the course gets here (canLearn); a banned or
 * cancelled one, a pending enrollment, another course's student or a visitor has had 404 already.
 *   GET   /support-calls/:callId            the call: "Ask to join", then the place in the queue
 *   GET   /support-calls/:callId/status     the status fragment the page polls every 10 s (htmx)
 *   POST  /support-calls/:callId/requests   ask to join (supportType); again: no error, the place
 * Those who manage the course (a preview) are sent to the host's page: they are not in the queue.
 */

const learnerOf = (res: Response) => res.locals.learner as Learner;

export function studentSupportCallRoutes(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  const callIdOf = (req: Request): string => {
    const parsed = callIdParam.safeParse(req.params);
    if (!parsed.success) throw notFound();
    return parsed.data.callId;
  };

  async function load(req: Request, res: Response): Promise<{ learner: Learner; view: StudentView }> {
    const learner = learnerOf(res);
    const view = await studentView(db, learner.course.id, callIdOf(req), learner.user.id);
    if (!view) throw notFound();
    return { learner, view };
  }

  const hrefOf = (learner: Learner, callId: string) => `/learn/${learner.course.slug}/support-calls/${callId}`;

  function data(res: Response, learner: Learner, view: StudentView, extras: { error?: string; supportType?: string; message?: { message: string; values?: MessageValues } } = {}) {
    const href = hrefOf(learner, view.id);
    const tr = translatorOf(res);
    return {
      title: tr.t('{call} · {course}', { call: view.title ?? tr.t('Live help'), course: learner.course.title }),
      learner,
      call: view,
      href,
      statusHref: `${href}/status`,
      supportTypes: SUPPORT_TYPES,
      callEndedReason: CALL_ENDED_REASON,
      ahead: view.request?.status === 'Pending' ? view.request.position - 1 : 0,
      ...extras,
    };
  }

  router.get('/support-calls/:callId', async (req, res) => {
    const learner = learnerOf(res);
    if (learner.preview) {
      callIdOf(req);
      return res.redirect(303, `/teach/courses/${learner.course.id}/support-calls/${String(req.params.callId)}`);
    }
    const { view } = await load(req, res);
    res.vary('HX-Request');
    render(res, 'support-calls/call', data(res, learner, view));
  });

  router.get('/support-calls/:callId/status', async (req, res) => {
    const learner = learnerOf(res);
    if (learner.preview) throw notFound();
    const { view } = await load(req, res);
    // Never kept by a cache: the place changes, and the link must not outlive an acceptance's end.
    res.set('Cache-Control', 'no-store');
    render(res, 'support-calls/_status', data(res, learner, view));
  });

  router.post('/support-calls/:callId/requests', async (req, res) => {
    const learner = learnerOf(res);
    if (learner.preview) throw notFound();
    const callId = callIdOf(req);
    const parsed = requestInput.safeParse(req.body ?? {});
    const fragment = isHtmx(req);
    res.vary('HX-Request');
    if (!parsed.success) {
      const { view } = await load(req, res);
      const typed = typeof req.body?.supportType === 'string' ? String(req.body.supportType).slice(0, 100) : '';
      return render(res, fragment ? 'support-calls/_status' : 'support-calls/call', data(res, learner, view, { error: fieldErrors(parsed.error).supportType, supportType: typed }), 422);
    }
    const result = await requestToJoin(db, learner.course.id, callId, learner.user.id, parsed.data.supportType);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      const { view } = await load(req, res);
      // The call ended meanwhile: the page says so (a 422 so htmx swaps it in).
      return render(res, fragment ? 'support-calls/_status' : 'support-calls/call', data(res, learner, view, { message: { message: result.message, values: result.values } }), fragment ? 422 : result.status);
    }
    if (fragment) {
      const { view } = await load(req, res);
      return render(res, 'support-calls/_status', data(res, learner, view));
    }
    if (result.created) setFlash(req, 'success', msg('You are in the queue: number {position}.'), { position: result.position });
    res.redirect(303, hrefOf(learner, callId));
  });

  return router;
}
