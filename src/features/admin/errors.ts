import { Router } from 'express';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { render } from '../../http/render.ts';
import { tableQuery } from '../../http/table.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { distinctValues, fullName, truncate } from './logs.ts';
import { countOf, defineAdminTable, serveAdminTable } from './table.ts';

/**
 * /admin/errors: the server errors (error_log), one line per error: rows of the same type and
 * message are added up (src/http/error-log.ts already folds repeats within a minute into one row
 * with `occurrences`; an error that comes back later has a row per burst, and here they are one
 * line again), latest first, with the count, the last status code and endpoint. Filters: type (a
 * select of the types present), status code, whole days on the admin's clock (a row counts when
 * its span, first to last seen, touches the days). /admin/errors/:id shows one row whole: stack,
 * metadata, endpoint, method, user, and the other rows of the same error. Admin-only like every
 * /admin page (the guard answers 404 to anyone else): a stack trace tells an attacker a lot.
 */

const PATH = '/admin/errors';
/** Characters of the message on the list (the detail page and the CSV have all of it). */
const MESSAGE_LENGTH = 160;

const query = tableQuery(['lastSeenAt', 'firstSeenAt', 'occurrences'] as const, 'lastSeenAt', {
  type: textFilter,
  status: z.coerce.number().int().min(100).max(599).optional().catch(undefined),
  ...dateRange,
});
type Query = z.infer<typeof query>;
const idParam = z.object({ id: z.uuid() });

/** One line per (type, message): sums and bounds of its rows, and the newest row to show and link. */
function groups(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  let base = db.selectFrom('errorLog as e');
  if (q.type) base = base.where('e.errorType', '=', q.type);
  if (q.status) base = base.where('e.statusCode', '=', q.status);
  if (start) base = base.where('e.lastSeenAt', '>=', start);
  if (end) base = base.where('e.createdAt', '<', end);
  return base
    .select([
      'e.errorType',
      sql<number>`sum(e.occurrences)::int`.as('occurrences'),
      sql<number>`count(*)::int`.as('rowCount'),
      sql<Date>`max(e.last_seen_at)`.as('lastSeenAt'),
      sql<Date>`min(e.created_at)`.as('firstSeenAt'),
      sql<string>`(array_agg(e.id order by e.last_seen_at desc, e.id))[1]`.as('latestId'),
    ])
    // md5 as the error_log_repeat_idx does: the message itself can be 2000 characters.
    .groupBy(['e.errorType', sql`md5(e.message)`]);
}

const SORT_COLUMN = { lastSeenAt: 'g.last_seen_at', firstSeenAt: 'g.first_seen_at', occurrences: 'g.occurrences' } as const;

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  return db
    .selectFrom(groups(db, q, timeZone).as('g'))
    .innerJoin('errorLog as l', 'l.id', 'g.latestId')
    .leftJoin('user as u', 'u.id', 'l.userId')
    .select(['g.errorType', 'g.occurrences', 'g.rowCount', 'g.lastSeenAt', 'g.firstSeenAt', 'g.latestId', 'l.message', 'l.statusCode', 'l.endpoint', 'l.method', 'u.email'])
    .orderBy(sql.ref(SORT_COLUMN[q.sort]), (ob) => (q.dir === 'asc' ? ob.asc() : ob.desc()))
    .orderBy('g.latestId')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
type Row = Awaited<ReturnType<typeof selectRows>>[number];

function errorsTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(db.selectFrom(groups(db, q, ctx.timeZone).as('g'))),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'errors.csv',
      columns: [
        [msg('type'), (r) => r.errorType],
        [msg('message'), (r) => r.message],
        [msg('occurrences'), (r) => r.occurrences],
        [msg('rows'), (r) => r.rowCount],
        [msg('first seen'), (r) => new Date(r.firstSeenAt).toISOString()],
        [msg('last seen'), (r) => new Date(r.lastSeenAt).toISOString()],
        [msg('last status'), (r) => r.statusCode],
        [msg('last endpoint'), (r) => (r.endpoint ? `${r.method ?? ''} ${r.endpoint}`.trim() : '')],
        [msg('latest id'), (r) => r.latestId],
      ],
    },
  });
}

/** One row of error_log whole, who met it, and the error's other rows (newest 20) with its totals. */
async function errorDetail(db: Database, id: string) {
  const error = await db
    .selectFrom('errorLog as e')
    .leftJoin('user as u', 'u.id', 'e.userId')
    .selectAll('e')
    .select(['u.email', 'u.firstName', 'u.lastName'])
    .where('e.id', '=', id)
    .executeTakeFirst();
  if (!error) return undefined;
  // The same error: error_log_repeat_idx (error_type, md5(message), created_at) finds its rows.
  const same = db
    .selectFrom('errorLog')
    .where('errorType', '=', error.errorType)
    .where(sql<string>`md5(message)`, '=', sql<string>`md5(${error.message})`)
    .where('message', '=', error.message);
  const [totals, others] = await Promise.all([
    same.select([sql<number>`sum(occurrences)::int`.as('occurrences'), sql<number>`count(*)::int`.as('rowCount')]).executeTakeFirstOrThrow(),
    same
      .select(['id', 'createdAt', 'lastSeenAt', 'occurrences', 'statusCode', 'endpoint', 'method'])
      .where('id', '<>', id)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .limit(20)
      .execute(),
  ]);
  return { error, totals, others };
}

export function errorAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = errorsTable(db);

  router.get('/', (req, res) =>
    serveAdminTable(req, res, table, async (page) => {
      const types = await distinctValues(db, 'error_log', 'error_type');
      render(res, 'admin/errors', {
        title: translatorOf(res).t('Errors'),
        rows: page.rows.map((r) => ({ ...r, message: truncate(r.message, MESSAGE_LENGTH) })),
        filter: page.filter,
        types,
        pageInfo: page.pageInfo,
      });
    }),
  );

  router.get('/:id', async (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound(msg('We could not find that error.'));
    const detail = await errorDetail(db, params.data.id);
    if (!detail) throw notFound(msg('We could not find that error.'));
    const { error } = detail;
    render(res, 'admin/error', {
      title: translatorOf(res).t('Error: {type}', { type: truncate(error.errorType, 60) }),
      error: {
        ...error,
        userName: fullName(error.firstName, error.lastName),
        metadataText: error.metadata === null ? '' : JSON.stringify(error.metadata, null, 2),
      },
      totals: detail.totals,
      others: detail.others,
      listHref: `${PATH}?type=${encodeURIComponent(error.errorType)}`,
    });
  });

  return router;
}
