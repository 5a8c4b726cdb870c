import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, safeNext } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { isHtmx, isPrefetch, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { INBOX_PER_PAGE, inboxCounts, inboxPage, markAllRead, markRead } from './inbox.ts';
import { preferencesOf, savePreferences } from './preferences.ts';
import { unreadState } from '../announcements/unread.ts';
import { inboxPage as pageInput, notificationParam, preferencesInput } from './schemas.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';

/**
 * /notifications (signed in; mounted behind requireUser): the person's inbox, 30 a page, newest
 * first; opening a notification through /notifications/:id/open marks it read and follows its link
 * (same-site paths only); "Mark as read" and "Mark all as read" are plain forms (303 back to the
 * page) that htmx posts in place (the item or the whole inbox comes back, the unread count
 * out of band).
 *
 * /account/notifications (mounted under /account behind requireUser): the person's mail choices.
 */

const INBOX = '/notifications';
const inboxHref = (page: number) => (page > 1 ? `${INBOX}?page=${page}` : INBOX);

export function notificationRoutes({ db }: { db: Database }): Router {
  const router = Router();

  async function inboxData(userId: string, page: number) {
    const { items, total, unread } = await inboxPage(db, userId, page);
    return { items, total, unread, page, pageInfo: pageInfo(INBOX, { page }, total, INBOX_PER_PAGE) };
  }

  router.get('/', async (req, res) => {
    const user = currentUser(res)!;
    const { page } = pageInput.parse(req.query);
    // The inbox's count goes in as inboxUnread: `unread` on a page is the layout's (the nav's bell).
    const { unread, ...inbox } = await inboxData(user.id, page);
    render(res, 'notifications/index', { title: translatorOf(res).t('Notifications'), ...inbox, inboxUnread: unread });
  });

  /** The notification, marked read, or 404 (a bad id, someone else's, gone). */
  async function readOne(req: Request, res: Response) {
    const params = notificationParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const item = await markRead(db, currentUser(res)!.id, params.data.id);
    if (!item) throw notFound();
    return item;
  }

  // Opening marks read, then follows the link, but only to a path on this site: a notification's
  // link is written by the app, and even so a stored `//evil.example` must never become a redirect.
  // A link the browser fetches ahead of a click (prefetch) is not an opening: it only looks.
  router.get('/:id/open', async (req, res) => {
    if (isPrefetch(req)) return res.status(204).end();
    const item = await readOne(req, res);
    res.redirect(303, safeNext(item.link, '') || INBOX);
  });

  router.post('/read-all', async (req, res) => {
    const user = currentUser(res)!;
    const { page } = pageInput.parse(req.body ?? {});
    await markAllRead(db, user.id);
    if (isHtmx(req)) return render(res, 'notifications/_inbox', { ...(await inboxData(user.id, page)), oob: true, nav: (await unreadState(db, user)).unread });
    setFlash(req, 'success', msg('All your notifications are marked as read.'));
    res.redirect(303, inboxHref(page));
  });

  router.post('/:id/read', async (req, res) => {
    const { page } = pageInput.parse(req.body ?? {});
    const item = await readOne(req, res);
    if (isHtmx(req)) {
      const user = currentUser(res)!;
      const { unread } = await inboxCounts(db, user.id);
      // The nav's bell counts too (notifications and announcements): swapped out of band with the item.
      return render(res, 'notifications/_item', { n: item, page, unread, oob: true, nav: (await unreadState(db, user)).unread });
    }
    res.redirect(303, inboxHref(page));
  });

  return router;
}

/** The topics' labels and descriptions in the reader's language. */
const inLanguage = <T extends { label: string; description: string }>(topics: T[], tr: Translator): T[] =>
  topics.map((topic) => ({ ...topic, label: tr.t(topic.label), description: tr.t(topic.description) }));

export function notificationPreferenceRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const PATH = '/account/notifications';

  router.get('/notifications', async (_req, res) => {
    const tr = translatorOf(res);
    const topics = inLanguage(await preferencesOf(db, currentUser(res)!.id), tr);
    render(res, 'account/notifications', { title: tr.t('Notification mail'), topics, errors: {} });
  });

  router.post('/notifications', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = preferencesInput.safeParse(req.body ?? {});
    if (!parsed.success) {
      // The boxes as they were ticked, so nothing the person chose is lost with the message.
      const ticked = new Set([(req.body as Record<string, unknown> | undefined)?.email].flat().filter((v) => typeof v === 'string'));
      const tr = translatorOf(res);
      const topics = inLanguage(await preferencesOf(db, user.id), tr).map((t) => ({ ...t, email: ticked.has(t.topic) }));
      return render(res, 'account/notifications', { title: tr.t('Notification mail'), topics, errors: fieldErrors(parsed.error) }, 422);
    }
    await savePreferences(db, user.id, parsed.data);
    setFlash(req, 'success', msg('Saved. Mail follows your choices from now on.'));
    res.redirect(303, PATH);
  });

  return router;
}
