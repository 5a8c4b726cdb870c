import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { tableQuery } from '../../http/table.ts';
import { containsPattern } from '../../lib/like.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import { textFilter } from './filters.ts';
import { deviceLabel } from './logins.ts';
import { countOf, defineAdminTable, serveAdminTable } from './table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * /admin/online: who was active lately, one row per signed-in device (online_session, refreshed at
 * most once a minute by features/accounts/presence.ts), most recent first. By default the last 5
 * minutes; `within=` widens it (15, 60 minutes, a day: rows older than a day are pruned). Filters
 * by role and by name or email. The window's range runs on online_session's last_activity_at index.
 */

const PATH = '/admin/online';
export const ONLINE_WINDOWS = [5, 15, 60, 1440] as const;
const ROLES = ['student', 'teacher', 'admin'] as const;

const query = tableQuery(['lastActivityAt', 'createdAt'] as const, 'lastActivityAt', {
  within: z.coerce
    .number()
    .refine((n) => (ONLINE_WINDOWS as readonly number[]).includes(n))
    .catch(5),
  role: z.enum(ROLES).optional().catch(undefined),
  user: textFilter,
});
type Query = z.infer<typeof query>;

function filtered(db: Database, q: Query) {
  let base = db
    .selectFrom('onlineSession as o')
    .innerJoin('user as u', 'u.id', 'o.userId')
    .where('o.lastActivityAt', '>', sql<Date>`now() - make_interval(mins => ${q.within})`);
  if (q.role) base = base.where('u.role', '=', q.role);
  if (q.user) {
    const pattern = containsPattern(q.user.toLowerCase());
    base = base.where((eb) =>
      eb.or([eb(sql<string>`lower(u.email)`, 'like', pattern), eb(sql<string>`lower(u.first_name || ' ' || coalesce(u.last_name, ''))`, 'like', pattern)]),
    );
  }
  return base;
}

function selectRows(db: Database, q: Query, window: { limit: number; offset: number }) {
  return filtered(db, q)
    .select(['o.id', 'o.lastActivityAt', 'o.createdAt', 'o.ipAddress', 'o.userAgent', 'u.id as userId', 'u.email', 'u.firstName', 'u.lastName', 'u.role'])
    .orderBy(sql.ref(q.sort === 'createdAt' ? 'o.created_at' : 'o.last_activity_at'), (ob) => (q.dir === 'asc' ? ob.asc() : ob.desc()))
    .orderBy('o.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
type Row = Awaited<ReturnType<typeof selectRows>>[number];

const nameOf = (r: Pick<Row, 'firstName' | 'lastName'>) => `${r.firstName} ${r.lastName ?? ''}`.trim();

function onlineTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q) => countOf(filtered(db, q)),
    rows: (q, _ctx, window) => selectRows(db, q, window),
    csv: {
      filename: 'online.csv',
      columns: [
        [msg('user id'), (r) => r.userId],
        [msg('name'), (r) => nameOf(r)],
        [msg('email'), (r) => r.email],
        [msg('role'), (r) => r.role],
        [msg('last activity at'), (r) => new Date(r.lastActivityAt).toISOString()],
        [msg('online since'), (r) => new Date(r.createdAt).toISOString()],
        [msg('ip'), (r) => r.ipAddress],
        [msg('browser'), (r) => describeUserAgent(r.userAgent).browser],
        [msg('system'), (r) => describeUserAgent(r.userAgent).os],
        [msg('device'), (r) => describeUserAgent(r.userAgent).device],
        [msg('user agent'), (r) => r.userAgent],
      ],
    },
  });
}

export function onlineAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = onlineTable(db);

  router.get('/', (req, res) =>
    serveAdminTable(req, res, table, (page) => {
      const now = Date.now();
      const tr = translatorOf(res);
      render(res, 'admin/online', {
        title: tr.t('Who is online'),
        rows: page.rows.map((r) => {
          const minutes = Math.max(0, Math.floor((now - new Date(r.lastActivityAt).getTime()) / 60_000));
          return {
            id: r.id,
            userId: r.userId,
            name: nameOf(r),
            email: r.email,
            role: r.role ?? 'student',
            lastActivityAt: r.lastActivityAt,
            ago: minutes === 0 ? tr.t('under a minute ago') : tr.t('{minutes, plural, one {# minute ago} other {# minutes ago}}', { minutes }),
            createdAt: r.createdAt,
            ipAddress: r.ipAddress,
            device: deviceLabel(r.userAgent, tr),
            userAgent: r.userAgent && r.userAgent.length > 200 ? `${r.userAgent.slice(0, 200)}…` : r.userAgent,
          };
        }),
        filter: page.filter,
        windows: ONLINE_WINDOWS.map((m) => ({ value: m, label: m === 1440 ? tr.t('the last day') : tr.t('{minutes, plural, one {the last minute} other {the last # minutes}}', { minutes: m }) })),
        roles: ROLES,
        pageInfo: page.pageInfo,
      });
    }),
  );

  return router;
}
