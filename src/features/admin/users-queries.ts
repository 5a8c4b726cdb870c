import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { containsPattern } from '../../lib/like.ts';
import { countOf, defineAdminTable } from './table.ts';
import { usersQuery, type UsersQuery } from './users-schemas.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Reads for /admin/users and /admin/users/:userId. The table is the admin table (filters, sort,
 * pages, CSV); enrollments and "last seen" are correlated subqueries on indexed columns, so a page
 * costs two queries (count and rows) however many users there are.
 *
 * Last seen: the newest of the person's own device activity (session.updated_at, touched at most
 * every 5 minutes while they use the site; sessions an admin opened to "view as" them do not count)
 * and their last successful sign-in (login_history), since a device row is gone once they sign out.
 */

export const USERS_PATH = '/admin/users';

// The same expression as the trigram index user_search_trgm_idx (migration 20261127220000).
const searchText = sql<string>`lower(u.first_name || ' ' || coalesce(u.last_name, '') || ' ' || u.email)`;

const lastSeen = sql<Date | null>`greatest(
  (select max(s.updated_at) from session s where s.user_id = u.id and s.impersonated_by is null),
  (select max(l.created_at) from login_history l where l.user_id = u.id and l.success)
)`;

const enrollmentCount = sql<number>`(select count(*)::int from enrollment e where e.user_id = u.id)`;

function filtered(db: Database, q: UsersQuery) {
  let base = db.selectFrom('user as u');
  if (q.q) base = base.where(searchText, 'like', containsPattern(q.q.toLowerCase()));
  // A missing role reads as student everywhere else (loadCurrentUser), so here too.
  if (q.role) base = base.where(sql<string>`coalesce(u.role, 'student')`, '=', q.role);
  if (q.banned === 'yes') base = base.where(sql<boolean>`u.banned is true`);
  if (q.banned === 'no') base = base.where(sql<boolean>`u.banned is not true`);
  if (q.verified) base = base.where('u.emailVerified', '=', q.verified === 'yes');
  return base;
}

export interface UserRow {
  id: string;
  firstName: string;
  lastName: string | null;
  email: string;
  role: string | null;
  emailVerified: boolean;
  banned: boolean | null;
  banReason: string | null;
  banExpires: Date | null;
  points: number;
  createdAt: Date;
  enrollmentCount: number;
  lastSeenAt: Date | null;
}

function selectRows(db: Database, q: UsersQuery, window: { limit: number; offset: number }): Promise<UserRow[]> {
  const asc = q.dir === 'asc';
  let query = filtered(db, q).select([
    'u.id', 'u.firstName', 'u.lastName', 'u.email', 'u.role', 'u.emailVerified', 'u.banned', 'u.banReason', 'u.banExpires', 'u.points', 'u.createdAt',
    enrollmentCount.as('enrollmentCount'),
    lastSeen.as('lastSeenAt'),
  ]);
  // Then the id, in the same direction, so the (created_at, id) and name indexes serve the order
  // and no two pages (or CSV batches) share or skip a row.
  if (q.sort === 'createdAt') query = query.orderBy('u.createdAt', asc ? 'asc' : 'desc');
  else if (q.sort === 'name') query = query.orderBy(sql`lower(u.first_name)`, asc ? 'asc' : 'desc').orderBy(sql`lower(coalesce(u.last_name, ''))`, asc ? 'asc' : 'desc');
  // Never seen: last when the newest come first, first when the oldest do.
  else query = query.orderBy(sql`${lastSeen}`, (ob) => (asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
  return query.orderBy('u.id', asc ? 'asc' : 'desc').limit(window.limit).offset(window.offset).execute() as Promise<UserRow[]>;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : '');

export function usersTable(db: Database) {
  return defineAdminTable<UsersQuery, UserRow>({
    path: USERS_PATH,
    query: usersQuery,
    count: (q) => countOf(filtered(db, q)),
    rows: (q, _ctx, window) => selectRows(db, q, window),
    csv: {
      filename: 'users.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('first name'), (r) => r.firstName],
        [msg('last name'), (r) => r.lastName ?? ''],
        [msg('email'), (r) => r.email],
        [msg('role'), (r) => r.role ?? 'student'],
        [msg('verified'), (r) => (r.emailVerified ? 'yes' : 'no')],
        [msg('banned'), (r) => (r.banned ? 'yes' : 'no')],
        [msg('ban reason'), (r) => (r.banned ? (r.banReason ?? '') : '')],
        [msg('ban expires'), (r) => (r.banned ? iso(r.banExpires) : '')],
        [msg('points'), (r) => r.points],
        [msg('enrollments'), (r) => r.enrollmentCount],
        [msg('created at'), (r) => iso(r.createdAt)],
        [msg('last seen at'), (r) => iso(r.lastSeenAt)],
      ],
    },
  });
}

/** How many rows each of the user page's small tables shows (each links to the full table). */
export const RECENT = 20;

/**
 * Everything the user page shows, in six queries run side by side (the same six for any user):
 * the person (with counts, last seen and workspace roles), their devices, enrollments, payments,
 * sign-ins and their own actions in the audit trail.
 */
export async function loadUserPage(db: Database, userId: string) {
  const [user, sessions, enrollments, payments, logins, activity, courses] = await Promise.all([
    db
      .selectFrom('user as u')
      .select([
        'u.id', 'u.firstName', 'u.lastName', 'u.email', 'u.username', 'u.role', 'u.emailVerified', 'u.banned', 'u.banReason', 'u.banExpires',
        'u.points', 'u.createdAt', 'u.updatedAt', 'u.timeZone', 'u.designation', 'u.phoneNumber', 'u.stripeCustomerId',
        enrollmentCount.as('enrollmentCount'),
        lastSeen.as('lastSeenAt'),
        sql<number>`(select count(*)::int from session s where s.user_id = u.id)`.as('sessionCount'),
        sql<Array<{ workspace: string; role: string }>>`coalesce((
          select json_agg(json_build_object('workspace', w.name, 'role', m.role) order by w.name)
          from membership m join workspace w on w.id = m.workspace_id where m.user_id = u.id), '[]')`.as('memberships'),
      ])
      .where('u.id', '=', userId)
      .executeTakeFirst(),
    db
      .selectFrom('session as s')
      .leftJoin('user as by', 'by.id', 's.impersonatedBy')
      .select(['s.id', 's.createdAt', 's.updatedAt', 's.expiresAt', 's.ipAddress', 's.userAgent', 'by.email as impersonatorEmail'])
      .where('s.userId', '=', userId)
      .orderBy('s.updatedAt', 'desc')
      .orderBy('s.id')
      .limit(RECENT)
      .execute(),
    db
      .selectFrom('enrollment as e')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['e.id', 'e.status', 'e.amount', 'e.createdAt', 'e.lastActivityAt', 'e.banned', 'c.title', 'c.slug'])
      .where('e.userId', '=', userId)
      .orderBy('e.createdAt', 'desc')
      .orderBy('e.id')
      .limit(RECENT)
      .execute(),
    db
      .selectFrom('paymentTransaction as p')
      .innerJoin('enrollment as e', 'e.id', 'p.enrollmentId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['p.id', 'p.amount', 'p.currency', 'p.status', 'p.refunded', 'p.refundAmount', 'p.createdAt', 'c.title'])
      .where('e.userId', '=', userId)
      .orderBy('p.createdAt', 'desc')
      .orderBy('p.id')
      .limit(RECENT)
      .execute(),
    db
      .selectFrom('loginHistory')
      .select(['id', 'success', 'failureReason', 'ipAddress', 'userAgent', 'createdAt'])
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .limit(RECENT)
      .execute(),
    db
      .selectFrom('activityLog')
      .select(['id', 'action', 'entityType', 'entityId', 'ipAddress', 'createdAt'])
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .limit(RECENT)
      .execute(),
    // The courses they teach, each with its students (Active enrollments): what a hand-over moves.
    db
      .selectFrom('course as c')
      .select(['c.id', 'c.title', 'c.slug', 'c.status', sql<number>`(select count(*)::int from enrollment e where e.course_id = c.id and e.status = 'Active')`.as('students')])
      .where('c.userId', '=', userId)
      .orderBy('c.title')
      .orderBy('c.id')
      .execute(),
  ]);
  if (!user) return undefined;
  return { user, sessions, enrollments, payments, logins, activity, courses };
}

export type UserPage = NonNullable<Awaited<ReturnType<typeof loadUserPage>>>;
