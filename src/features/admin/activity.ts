import { Router } from 'express';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { ACTION_LABEL, ENTITY_LABEL } from './activity-labels.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { render } from '../../http/render.ts';
import { tableQuery } from '../../http/table.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { codeFilter, distinctValues, fullName, spaced, truncate, userIdsMatching, uuidOf } from './logs.ts';
import { countOf, defineAdminTable, serveAdminTable } from './table.ts';

/**
 * /admin/activity: the audit trail (activity_log), newest first. Who (the actor, and the admin
 * behind them when the row was written while impersonating: metadata.impersonatedBy), what (the
 * action), on what (the entity, linked to its page where it has one), a summary of the metadata,
 * from where, when. Filters: one actor (`actor=` id, as the user page links it) or actors whose
 * name or email contains `user=`, the action and entity type (selects of the values present), an entity id,
 * and whole days on the admin's clock.
 */

const PATH = '/admin/activity';
/** Characters of the metadata summary on the page (the CSV has all of it). */
const SUMMARY_LENGTH = 160;

const query = tableQuery(['createdAt', 'action', 'entityType'] as const, 'createdAt', {
  actor: z.uuid().optional().catch(undefined),
  user: textFilter,
  action: codeFilter,
  entity: codeFilter,
  entityId: textFilter,
  ...dateRange,
});
type Query = z.infer<typeof query>;

function filtered(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  let base = db.selectFrom('activityLog as a');
  if (q.actor) base = base.where('a.userId', '=', q.actor);
  // A subquery rather than a join: the count of a large log then reads activity_log alone.
  if (q.user) {
    const text = q.user;
    base = base.where('a.userId', 'in', (eb) => userIdsMatching(eb, text));
  }
  if (q.action) base = base.where('a.action', '=', q.action);
  if (q.entity) base = base.where('a.entityType', '=', q.entity);
  if (q.entityId) base = base.where('a.entityId', '=', q.entityId);
  if (start) base = base.where('a.createdAt', '>=', start);
  if (end) base = base.where('a.createdAt', '<', end);
  return base;
}

/** Sort keys: the chosen column, then the newest first, then the id (pages never overlap). */
const SORT_COLUMN = { createdAt: 'created_at', action: 'action', entityType: 'entity_type' } as const;

/** Types whose id is a uuid the page joins to a name (entityLink). */
const NAMED_TYPES = ['course', 'blog', 'announcement', 'user'];

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  const order = (ref: (column: string) => ReturnType<typeof sql.ref>) => sql`${ref(SORT_COLUMN[q.sort])} ${sql.raw(q.dir)}, ${ref('created_at')} desc, ${ref('id')}`;
  // The window of log rows first (filters, order, limit, offset on activity_log and its indexes),
  // then the names of their actors and entities: the joins touch the 20 rows of a page (or the
  // 1000 of a CSV batch), never the rows an offset skips. The uuid casts are made once per row.
  const page = filtered(db, q, timeZone)
    .selectAll('a')
    .select([
      sql<string | null>`case when a.entity_type in (${sql.join(NAMED_TYPES)}) then ${uuidOf(sql.ref('a.entity_id'))} end`.as('entityUuid'),
      sql<string | null>`case when a.metadata ? 'impersonatedBy' then ${uuidOf(sql`a.metadata ->> 'impersonatedBy'`)} end`.as('impersonatorUuid'),
    ])
    .orderBy(order((c) => sql.ref(`a.${c}`)))
    .limit(window.limit)
    .offset(window.offset);
  return (
    db
      .selectFrom(page.as('a'))
      .innerJoin('user as u', 'u.id', 'a.userId')
      .leftJoin('course as ec', (j) => j.on(sql<boolean>`a.entity_type = 'course' and ec.id = a.entity_uuid`))
      .leftJoin('blog as eb', (j) => j.on(sql<boolean>`a.entity_type = 'blog' and eb.id = a.entity_uuid`))
      .leftJoin('announcement as ea', (j) => j.on(sql<boolean>`a.entity_type = 'announcement' and ea.id = a.entity_uuid`))
      .leftJoin('user as eu', (j) => j.on(sql<boolean>`a.entity_type = 'user' and eu.id = a.entity_uuid`))
      .leftJoin('user as imp', 'imp.id', 'a.impersonatorUuid')
      .select([
        'a.id',
        'a.action',
        'a.entityType',
        'a.entityId',
        'a.metadata',
        'a.ipAddress',
        'a.userAgent',
        'a.createdAt',
        'a.userId',
        'u.email',
        'u.firstName',
        'u.lastName',
        'ec.title as courseTitle',
        'eb.title as blogTitle',
        'eb.slug as blogSlug',
        'ea.title as announcementTitle',
        'eu.email as userEmail',
        'imp.id as impersonatorId',
        'imp.email as impersonatorEmail',
      ])
      // "key: value, ..." in key order, without the impersonator (shown beside the actor), cut in SQL
      // so a large metadata object never travels to the page.
      .select(
        sql<string | null>`(select left(string_agg(k || ': ' || v, ', ' order by k), ${SUMMARY_LENGTH + 1})
          from jsonb_each_text(case when jsonb_typeof(a.metadata) = 'object' then a.metadata - 'impersonatedBy' end) as m(k, v))`.as('summary'),
      )
      .select(sql<string | null>`a.metadata ->> 'impersonatedBy'`.as('impersonatedBy'))
      .orderBy(order((c) => sql.ref(`a.${c}`)))
      .execute()
  );
}
type Row = Awaited<ReturnType<typeof selectRows>>[number];

/** Where an entity of the log is seen by an admin, and its name, when the log can tell. */
export function entityLink(r: Pick<Row, 'entityType' | 'entityId' | 'courseTitle' | 'blogTitle' | 'blogSlug' | 'announcementTitle' | 'userEmail'>): { href?: string; label?: string } {
  const id = r.entityId ? encodeURIComponent(r.entityId) : '';
  switch (r.entityType) {
    case 'course':
      return r.courseTitle ? { href: `/teach/courses/${id}`, label: r.courseTitle } : {};
    case 'blog':
      return r.blogSlug ? { href: `/blog/${encodeURIComponent(r.blogSlug)}`, label: r.blogTitle ?? undefined } : {};
    case 'announcement':
      return r.announcementTitle ? { href: `/admin/announcements/${id}`, label: r.announcementTitle } : {};
    case 'user':
      return r.userEmail ? { href: `/admin/users/${id}`, label: r.userEmail } : {};
    case 'blog_category':
      return { href: `/admin/blog/categories/${id}` };
    case 'teacher_application':
      return { href: '/admin/teacher-applications?status=all' };
    case 'payment_transaction':
      return { href: '/admin/payments' };
    case 'enrollment':
      return { href: '/admin/enrollments' };
    case 'system_config':
      return { href: '/admin/settings' };
    default:
      return {};
  }
}

function activityTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone)),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'activity.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('actor id'), (r) => r.userId],
        [msg('actor email'), (r) => r.email],
        [msg('impersonated by'), (r) => r.impersonatorEmail ?? r.impersonatedBy ?? ''],
        [msg('action'), (r) => r.action],
        [msg('entity type'), (r) => r.entityType],
        [msg('entity id'), (r) => r.entityId],
        [msg('metadata'), (r) => (r.metadata === null ? '' : JSON.stringify(r.metadata))],
        [msg('ip'), (r) => r.ipAddress],
        [msg('user agent'), (r) => r.userAgent],
      ],
    },
  });
}

export function activityAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const table = activityTable(db);

  router.get('/', (req, res) =>
    serveAdminTable(req, res, table, async (page) => {
      const [actions, entityTypes] = await Promise.all([distinctValues(db, 'activity_log', 'action'), distinctValues(db, 'activity_log', 'entity_type')]);
      const { actor: _actor, page: _page, ...others } = page.filter;
      const tr = translatorOf(res);
      const actionLabel = (code: string) => (ACTION_LABEL[code] ? tr.t(ACTION_LABEL[code]) : spaced(code));
      const entityTypeLabel = (code: string) => (ENTITY_LABEL[code] ? tr.t(ENTITY_LABEL[code]) : spaced(code));
      render(res, 'admin/activity', {
        title: tr.t('Activity'),
        rows: page.rows.map((r) => {
          const entity = entityLink(r);
          return {
            id: r.id,
            createdAt: r.createdAt,
            actorId: r.userId,
            actorName: fullName(r.firstName, r.lastName),
            actorEmail: r.email,
            impersonator: r.impersonatedBy ? { id: r.impersonatorId, email: r.impersonatorEmail ?? r.impersonatedBy } : undefined,
            action: actionLabel(r.action),
            entityType: entityTypeLabel(r.entityType),
            entityId: r.entityId,
            entityHref: entity.href,
            entityLabel: entity.label ? truncate(entity.label, 60) : undefined,
            summary: truncate(r.summary, SUMMARY_LENGTH),
            ipAddress: r.ipAddress,
          };
        }),
        filter: page.filter,
        actions,
        entityTypes,
        // "Everyone" again: the same filters without the one actor.
        everyoneHref: page.filter.actor ? pageHref(others) : undefined,
        actorEmail: page.filter.actor ? page.rows[0]?.email : undefined,
        actionLabel,
        entityTypeLabel,
        pageInfo: page.pageInfo,
      });
    }),
  );

  return router;
}

function pageHref(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const s = search.toString();
  return s ? `${PATH}?${s}` : PATH;
}
