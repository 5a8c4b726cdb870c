import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { tableQuery } from '../../http/table.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { fullName, spaced, truncate, userIdsMatching } from './logs.ts';
import { countOf, defineAdminTable, serveAdminTable } from './table.ts';

/**
 * /admin/logins: every sign-in attempt on a known account (login_history: accounts/service.ts writes
 * it, good or bad), newest first: who, whether it worked and why not, from which address and
 * browser, when. Filters: worked or failed, one account (`userId=`, as the user page links it) or
 * people whose name or email contains `user=`, an address prefix (`ip=10.0.`), whole days on the admin's clock.
 */

const PATH = '/admin/logins';

const query = tableQuery(['createdAt', 'ipAddress'] as const, 'createdAt', {
  success: z.enum(['yes', 'no']).optional().catch(undefined),
  userId: z.uuid().optional().catch(undefined),
  user: textFilter,
  ip: z.string().trim().max(64).optional().catch(undefined),
  ...dateRange,
});
type Query = z.infer<typeof query>;

/** `text` and anything after it, its own % and _ taken literally. */
const prefixPattern = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  let base = db.selectFrom('loginHistory as l');
  if (q.success) base = base.where('l.success', '=', q.success === 'yes');
  if (q.userId) base = base.where('l.userId', '=', q.userId);
  // A subquery rather than a join: the count of a large log then reads login_history alone.
  if (q.user) {
    const text = q.user;
    base = base.where('l.userId', 'in', (eb) => userIdsMatching(eb, text));
  }
  if (q.ip) base = base.where('l.ipAddress', 'like', prefixPattern(q.ip));
  if (start) base = base.where('l.createdAt', '>=', start);
  if (end) base = base.where('l.createdAt', '<', end);
  return base;
}

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  return filtered(db, q, timeZone)
    .innerJoin('user as u', 'u.id', 'l.userId')
    .select(['l.id', 'l.createdAt', 'l.success', 'l.failureReason', 'l.ipAddress', 'l.userAgent', 'l.country', 'l.city', 'l.userId', 'u.email', 'u.firstName', 'u.lastName'])
    .orderBy(sql.ref(q.sort === 'ipAddress' ? 'l.ip_address' : 'l.created_at'), (ob) => (q.dir === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast()))
    .orderBy('l.createdAt', 'desc')
    .orderBy('l.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
type Row = Awaited<ReturnType<typeof selectRows>>[number];

/** "Firefox on Linux (desktop)": the browser as people say it (in the reader's language); the raw header is in the CSV. */
export function deviceLabel(userAgent: string | null, tr: Translator = translatorFor('en')): string {
  if (!userAgent) return tr.t('Unknown');
  const d = describeUserAgent(userAgent);
  return tr.t('{browser} on {os} ({device, select, mobile {mobile} tablet {tablet} other {desktop}})', { browser: d.browser, os: d.os, device: d.device });
}

/** Why a sign-in was refused (accounts/service.ts's codes), as people say it. */
export const LOGIN_FAILURES: Record<string, string> = {
  wrong_password: msg('wrong password'),
  no_password: msg('no password'),
  banned: msg('banned'),
  rate_limited: msg('rate limited'),
  unknown: msg('unknown'),
};

/** A refused sign-in's reason in the reader's language; an unknown code spaced out. */
export const failureLabel = (code: string | null, tr: Translator): string => (code ? (LOGIN_FAILURES[code] ? tr.t(LOGIN_FAILURES[code]) : spaced(code)) : '');

function loginsTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone)),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'sign-ins.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('user id'), (r) => r.userId],
        [msg('email'), (r) => r.email],
        [msg('success'), (r) => (r.success ? 'yes' : 'no')],
        [msg('failure reason'), (r) => r.failureReason],
        [msg('ip'), (r) => r.ipAddress],
        [msg('device'), (r) => deviceLabel(r.userAgent)],
        [msg('user agent'), (r) => r.userAgent],
        [msg('country'), (r) => r.country],
        [msg('city'), (r) => r.city],
      ],
    },
  });
}

export function loginAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = loginsTable(db);

  router.get('/', (req, res) =>
    serveAdminTable(req, res, table, (page) => {
      const tr = translatorOf(res);
      render(res, 'admin/logins', {
        title: tr.t('Sign-ins'),
        rows: page.rows.map((r) => ({
          id: r.id,
          createdAt: r.createdAt,
          userId: r.userId,
          name: fullName(r.firstName, r.lastName),
          email: r.email,
          success: r.success,
          reason: failureLabel(r.failureReason, tr),
          ipAddress: r.ipAddress,
          place: [r.city, r.country].filter(Boolean).join(tr.t(', ')),
          device: deviceLabel(r.userAgent, tr),
          // The whole header on hover, cut: a forged one can be long.
          userAgent: truncate(r.userAgent, 200),
        })),
        filter: page.filter,
        pageInfo: page.pageInfo,
      });
    }),
  );

  return router;
}
