import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { safeNext } from '../../http/forms.ts';
import { currentUser, type CurrentUser } from '../../http/guards.ts';
import { isHtmx, isPrefetch, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { markAnnouncementRead } from './read.ts';
import { ANNOUNCEMENTS_PER_PAGE, announcementFor, announcementsFor } from './reader-queries.ts';
import { unreadState, type UnreadCounts, type UrgentAnnouncement } from './unread.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * Reading announcements (issue 16), mounted at /announcements behind requireUser:
 * GET / (the reader's list), GET /:id (one announcement; opening it marks it read),
 * POST /:id/dismiss (the urgent banner's Dismiss: marks it read; htmx swaps the banner in place,
 * without JS 303 back to the page it was on).
 */

const listQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1) });
const idParam = z.string().uuid();
const dismissForm = z.object({ back: z.string().max(2000).optional().catch(undefined) });

const isoOf = (d: Date | string | null) => (d ? new Date(d).toISOString() : '');


function signedIn(res: Response): CurrentUser {
  const user = currentUser(res);
  // requireUser is mounted in front of this router.
  if (!user) throw notFound();
  return user;
}

export function readerRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const user = signedIn(res);
    const { page } = listQuery.parse(req.query);
    const { rows, total } = await announcementsFor(db, user, page);
    render(res, 'announcements/index', {
      title: translatorOf(res).t('Announcements'),
      announcements: rows.map((a) => ({ ...a, isoDate: isoOf(a.publishedAt) })),
      total,
      pageInfo: pageInfo('/announcements', { page }, total, ANNOUNCEMENTS_PER_PAGE),
    });
  });

  router.get('/:id', async (req, res) => {
    const user = signedIn(res);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound(msg('We could not find that announcement.'));
    const announcement = await announcementFor(db, user, id.data);
    if (!announcement) throw notFound(msg('We could not find that announcement.'));

    if (!announcement.read && !isPrefetch(req)) {
      const { marked } = await markAnnouncementRead(db, announcement.id, user.id);
      // The nav and the banner were worked out before this read: take this one out of them.
      const unread = res.locals.unread as UnreadCounts | undefined;
      if (marked && unread && unread.announcements > 0) res.locals.unread = { ...unread, announcements: unread.announcements - 1, total: unread.total - 1 };
      const urgent = res.locals.urgentAnnouncement as UrgentAnnouncement | undefined;
      if (urgent?.id === announcement.id) res.locals.urgentAnnouncement = undefined;
    }

    render(res, 'announcements/show', {
      title: announcement.title,
      announcement: { ...announcement, isoDate: isoOf(announcement.publishedAt) },
    });
  });

  router.post('/:id/dismiss', async (req, res) => {
    const user = signedIn(res);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound(msg('We could not find that announcement.'));
    const { back } = dismissForm.parse(req.body ?? {});
    const { addressed } = await markAnnouncementRead(db, id.data, user.id);
    // Already read (a second tab, a double click) is fine; not theirs at all is the same as missing.
    if (!addressed) throw notFound(msg('We could not find that announcement.'));
    const returnTo = safeNext(back, '/announcements');
    if (!isHtmx(req)) return res.redirect(303, returnTo);
    // In place: the next urgent one (if any) takes the banner's place, and the nav's count follows.
    const state = await unreadState(db, user);
    render(res, 'announcements/_dismissed', { ...state, currentPath: returnTo });
  });

  return router;
}
