import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { PLACE } from './award.ts';
import { currentPeriod, lastCompletedPeriod, periodLabel, PERIODS } from './periods.ts';
import { PAGE_SIZE, pastWinners, standings } from './standings.ts';

/**
 * GET /leaderboard (public): this week's top 20 students by points earned (`?period=month`: this
 * month's), as short names only ("Maria G."), without those who opted out on their profile; a
 * signed-in student sees their own place (or that they opted out); and the last completed period's
 * winners, as the award job placed them. Two queries, whatever the numbers.
 */

const leaderboardQuery = z.object({ period: z.enum(PERIODS).catch('week') });

export function leaderboardRoutes({ db }: { db: Database }): Router {
  const router = publicRouter(Router());

  router.get('/leaderboard', async (req, res) => {
    const { period } = leaderboardQuery.parse(req.query);
    const user = currentUser(res);
    const now = new Date();
    const current = currentPeriod(period, now);
    const last = lastCompletedPeriod(period, now);
    const [board, winners] = await Promise.all([standings(db, { start: current.start, end: current.end }, user?.id ?? null), pastWinners(db, period, last.startDay)]);
    const tr = translatorOf(res);
    const place = (rank: number) => tr.t(PLACE, { rank });
    render(res, 'leaderboard/index', {
      title: period === 'week' ? tr.t('Leaderboard: this week') : tr.t('Leaderboard: this month'),
      description: tr.t('The students who earned the most points this week on Edupeak.'),
      period,
      pageSize: PAGE_SIZE,
      currentLabel: periodLabel(current, tr),
      lastLabel: periodLabel(last, tr),
      top: board.top,
      viewer: board.viewer ? { ...board.viewer, place: board.viewer.rank ? place(board.viewer.rank) : null } : undefined,
      winners: winners.map((w) => ({ ...w, place: place(w.rank) })),
    });
  });

  return router;
}
