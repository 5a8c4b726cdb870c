import { Router } from 'express';
import { translatorOf } from '../../i18n/negotiate.ts';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { render } from '../../http/render.ts';

/**
 * GET /admin: what needs an admin's attention, counted in one query (each count on an indexed
 * column), each linking to the table that deals with it.
 */

export interface Attention {
  pendingApplications: number;
  pendingPosts: number;
  errorsLastDay: number;
  bannedUsers: number;
  openHelpRequests: number;
}

export async function attentionCounts(db: Database): Promise<Attention> {
  const { rows } = await sql<Attention>`
    select
      (select count(*)::int from teacher_application where status = 'Pending') as "pendingApplications",
      (select count(*)::int from blog where status = 'Pending' and not is_draft) as "pendingPosts",
      (select coalesce(sum(occurrences), 0)::int from error_log where last_seen_at > now() - interval '24 hours') as "errorsLastDay",
      (select count(*)::int from "user" where banned is true) as "bannedUsers",
      (select count(*)::int from help_request where status in ('Pending', 'InProgress')) as "openHelpRequests"`.execute(db);
  return rows[0]!;
}

export function adminHomeRoutes({ db }: { db: Database }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    render(res, 'admin/home', { title: translatorOf(res).t('Admin'), attention: await attentionCounts(db) });
  });
  return router;
}
