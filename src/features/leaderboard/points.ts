import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { safeNext } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';

/**
 * A student's points history (point_ledger, newest first): the dashboard's last ten and the whole
 * history, 30 a page, at /dashboard/points. Only one's own rows: every query filters on user_id.
 * Rows written in one statement share created_at, so the id breaks ties and no row shows twice.
 */

export const POINTS_PER_PAGE = 30;

export interface PointsRow {
  id: string;
  points: number;
  description: string;
  /** A path on this site, or undefined (a stored link that is not one is dropped). */
  link?: string;
  dateLabel: string;
  /** "+10" or "−5". */
  pointsLabel: string;
}

const pointsLabel = (points: number) => (points > 0 ? `+${points}` : `−${Math.abs(points)}`);

async function ledgerRows(db: Database, tr: Translator, userId: string, timeZone: string, limit: number, offset = 0): Promise<PointsRow[]> {
  const rows = await db
    .selectFrom('pointLedger')
    .select(['id', 'points', 'description', 'link', 'createdAt'])
    .where('userId', '=', userId)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    points: r.points,
    description: r.description,
    link: (r.link && safeNext(r.link, '')) || undefined,
    dateLabel: tr.date(r.createdAt, timeZone),
    pointsLabel: pointsLabel(r.points),
  }));
}

/** The dashboard's last ten: one query (dates in the reader's language: tr). */
export const recentPoints = (db: Database, tr: Translator, userId: string, timeZone: string): Promise<PointsRow[]> => ledgerRows(db, tr, userId, timeZone, 10);

const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

/** GET /dashboard/points: the balance and one page of the history; three queries whatever the page. */
export function pointsHistoryPage(db: Database): RequestHandler {
  return async (req, res) => {
    const user = currentUser(res)!;
    const { page } = pageQuery.parse(req.query);
    const tr = translatorOf(res);
    const [rows, count, me] = await Promise.all([
      ledgerRows(db, tr, user.id, user.timeZone, POINTS_PER_PAGE, (page - 1) * POINTS_PER_PAGE),
      db.selectFrom('pointLedger').select((eb) => eb.fn.countAll<string>().as('n')).where('userId', '=', user.id).executeTakeFirstOrThrow(),
      db.selectFrom('user').select('points').where('id', '=', user.id).executeTakeFirstOrThrow(),
    ]);
    const total = Number(count.n);
    render(res, 'learn/points', { title: tr.t('Your points'), rows, balance: me.points, pageInfo: pageInfo('/dashboard/points', { page }, total, POINTS_PER_PAGE) });
  };
}
