import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { typedValues } from '../../http/forms.ts';
import { currentUser, timeZoneOf } from '../../http/guards.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { serveAdminTable, type TablePage } from '../admin/table.ts';
import { AGES, HELP_STATUSES, loadRequest, queueTable, STATUS_LABEL, statusCounts, USER_TYPES, type QueueQuery, type QueueRow } from './queries.ts';
import { threadView, type ThreadForm } from './routes.ts';
import { answerInput, requestParam } from './schemas.ts';
import { answerAsAdmin, closeRequest } from './service.ts';

/**
 * /admin/help (admins; mounted in the admin router): the queue on the admin table (status, with a
 * count per status above; user type; age; subject or email; open requests oldest first by default;
 * CSV), and a request's page: the requester, the thread, an answer form ("Answer" keeps it
 * InProgress, "Answer and resolve" resolves it) and Close. An answer posted with htmx answers the
 * thread fragment; without JavaScript, 303 to the new message.
 */

const PATH = '/admin/help';

function idOf(req: Request): string {
  const parsed = requestParam.safeParse(req.params);
  if (!parsed.success) throw notFound();
  return parsed.data.id;
}

export function helpAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = queueTable(db);

  async function renderQueue(res: Response, page: TablePage<QueueQuery, QueueRow>) {
    const q = page.filter;
    const counts = await statusCounts(db, q);
    const timeZone = timeZoneOf(res);
    const tr = translatorOf(res);
    const tabHref = (status: QueueQuery['status']) => pageInfo(PATH, { ...q, status, page: 1 }, 0).href(1);
    render(res, 'admin/help', {
      title: tr.t('Help desk'),
      filter: q,
      tabs: (['open', ...HELP_STATUSES, 'all'] as const).map((s) => ({
        // The template names each tab (open, a status, or all).
        status: s,
        count: counts[s],
        href: tabHref(s),
        current: q.status === s,
      })),
      userTypes: USER_TYPES,
      ages: AGES,
      rows: page.rows.map((r) => ({
        ...r,
        statusLabel: STATUS_LABEL[r.status],
        openedLabel: tr.dateTime(r.createdAt, timeZone),
        activityLabel: tr.dateTime(r.updatedAt, timeZone),
      })),
      pageInfo: page.pageInfo,
    });
  }

  router.get('/', (req, res) => serveAdminTable(req, res, table, (page) => renderQueue(res, page)));

  async function requestPage(req: Request, res: Response, id: string, form?: ThreadForm, status = 200) {
    const request = await loadRequest(db, id);
    if (!request) throw notFound();
    const thread = await threadView(db, request, 'admin', form);
    res.vary('HX-Request');
    if (isHtmx(req)) return render(res, 'help/_thread', thread, status);
    render(res, 'admin/help-request', { title: translatorOf(res).t('Help: {subject}', { subject: request.subject }), ...thread }, status);
  }

  router.get('/:id', (req, res) => requestPage(req, res, idOf(req)));

  router.post('/:id/answer', async (req, res) => {
    const admin = currentUser(res)!;
    const id = idOf(req);
    const typed = typedValues(req.body, ['body']).body ?? '';
    const refuse = (error: string, status: number) => requestPage(req, res, id, { body: typed, error }, isHtmx(req) ? 422 : status);
    const parsed = answerInput.safeParse(req.body ?? {});
    if (!parsed.success) {
      // A missing request stays a 404 even with an empty answer.
      if (!(await db.selectFrom('helpRequest').select('id').where('id', '=', id).executeTakeFirst())) throw notFound();
      return refuse(parsed.error.issues[0]?.message ?? msg('Write your answer first.'), 422);
    }
    const result = await answerAsAdmin(db, auditOf(req, res), { requestId: id, admin, body: parsed.data.body, resolve: parsed.data.resolve });
    if (!result.ok) {
      if (result.problem === 'not_found') throw notFound();
      return refuse(msg('This request is closed: it takes no more answers.'), 409);
    }
    if (isHtmx(req)) return requestPage(req, res, id);
    setFlash(req, 'success', result.status === 'Resolved' ? msg('Answered and resolved; the requester was told.') : msg('Answered; the requester was told.'));
    res.redirect(303, `${PATH}/${id}#m-${result.messageId}`);
  });

  router.post('/:id/close', async (req, res) => {
    const admin = currentUser(res)!;
    const id = idOf(req);
    const result = await closeRequest(db, auditOf(req, res), { requestId: id, by: 'admin', userId: admin.id });
    if (!result.ok) throw notFound();
    setFlash(req, result.changed ? 'success' : 'info', result.changed ? msg('The request is closed.') : msg('This request was closed already.'));
    res.redirect(303, `${PATH}/${id}`);
  });

  return router;
}
