import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Helprequeststatus as HelpStatus, Helprequestusertype as HelpUserType } from '../../db/types.ts';
import { tableQuery } from '../../http/table.ts';
import { containsPattern } from '../../lib/like.ts';
import { countOf, defineAdminTable } from '../admin/table.ts';
import { textFilter } from '../admin/filters.ts';
import { linkify } from '../blog/linkify.ts';
import { msg } from '../../i18n/catalogue.ts';

/** What the help desk's pages read: a person's list, a thread, and the admin queue (the admin table). */

export const HELP_STATUSES = ['Pending', 'InProgress', 'Resolved', 'Closed'] as const satisfies readonly HelpStatus[];
export const USER_TYPES = ['Student', 'Teacher', 'Admin'] as const satisfies readonly HelpUserType[];
/** Open: waiting for the team or in conversation (what the admin home counts and the queue shows first). */
export const OPEN_STATUSES: readonly HelpStatus[] = ['Pending', 'InProgress'];
/** English catalogue messages: shown through t(). */
export const STATUS_LABEL: Record<HelpStatus, string> = { Pending: msg('Pending'), InProgress: msg('In progress'), Resolved: msg('Resolved'), Closed: msg('Closed') };

export const USER_PER_PAGE = 20;

/** A person's requests, latest activity first, one page: the total and the rows (two queries). */
export async function myRequests(db: Database, userId: string, page: number) {
  const mine = db.selectFrom('helpRequest').where('userId', '=', userId);
  const [count, rows] = await Promise.all([
    mine.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    mine
      .select(['id', 'subject', 'status', 'createdAt', 'updatedAt'])
      .orderBy('updatedAt', 'desc')
      .orderBy('id')
      .limit(USER_PER_PAGE)
      .offset((page - 1) * USER_PER_PAGE)
      .execute(),
  ]);
  return { total: count.total, rows };
}

export interface ThreadMessage {
  id: string;
  authorRole: 'user' | 'admin';
  authorName: string | null;
  createdAt: Date;
  /** The body as safe HTML: escaped, paragraphs, links clickable (blog/linkify.ts). */
  html: string;
}

export interface HelpRequestView {
  id: string;
  subject: string;
  status: HelpStatus;
  userType: HelpUserType;
  createdAt: Date;
  updatedAt: Date;
  respondedAt: Date | null;
  userRepliedAt: Date | null;
  userId: string;
  requesterName: string;
  requesterEmail: string;
  requesterRole: string | null;
  assignedAdminId: string | null;
  assignedAdminName: string | null;
}

/** One request with its requester and assigned admin (one query); for a user, only their own. */
export async function loadRequest(db: Database, requestId: string, ownerId?: string): Promise<(HelpRequestView & { message: string; response: string | null; userReply: string | null }) | undefined> {
  let query = db
    .selectFrom('helpRequest as h')
    .innerJoin('user as u', 'u.id', 'h.userId')
    .leftJoin('user as a', 'a.id', 'h.assignedAdminId')
    .select([
      'h.id', 'h.subject', 'h.status', 'h.userType', 'h.createdAt', 'h.updatedAt', 'h.respondedAt', 'h.userRepliedAt', 'h.userId',
      'h.message', 'h.response', 'h.userReply', 'h.assignedAdminId', 'u.email as requesterEmail', 'u.role as requesterRole',
      sql<string>`concat_ws(' ', u.first_name, u.last_name)`.as('requesterName'),
      sql<string | null>`case when a.id is not null then concat_ws(' ', a.first_name, a.last_name) end`.as('assignedAdminName'),
    ])
    .where('h.id', '=', requestId);
  if (ownerId) query = query.where('h.userId', '=', ownerId);
  return query.executeTakeFirst();
}

/**
 * Every message of a request in the order written (one query). A request written before the thread
 * existed (no rows: imported or seeded by hand) shows the spec's columns as its thread instead.
 */
export async function loadThread(db: Database, request: { id: string; message: string; createdAt: Date; response: string | null; respondedAt: Date | null; userReply: string | null; userRepliedAt: Date | null }): Promise<ThreadMessage[]> {
  const rows = await db
    .selectFrom('helpRequestMessage as m')
    .leftJoin('user as a', 'a.id', 'm.authorId')
    .select(['m.id', 'm.authorRole', 'm.body', 'm.createdAt', sql<string | null>`case when a.id is not null then concat_ws(' ', a.first_name, a.last_name) end`.as('authorName')])
    .where('m.helpRequestId', '=', request.id)
    .orderBy('m.createdAt')
    .orderBy('m.id')
    .execute();
  if (rows.length > 0) {
    return rows.map((r) => ({ id: r.id, authorRole: r.authorRole === 'admin' ? 'admin' : 'user', authorName: r.authorName, createdAt: new Date(r.createdAt), html: linkify(r.body) }));
  }
  const legacy: ThreadMessage[] = [{ id: `${request.id}-message`, authorRole: 'user', authorName: null, createdAt: new Date(request.createdAt), html: linkify(request.message) }];
  if (request.response && request.respondedAt) legacy.push({ id: `${request.id}-response`, authorRole: 'admin', authorName: null, createdAt: new Date(request.respondedAt), html: linkify(request.response) });
  if (request.userReply && request.userRepliedAt) legacy.push({ id: `${request.id}-reply`, authorRole: 'user', authorName: null, createdAt: new Date(request.userRepliedAt), html: linkify(request.userReply) });
  return legacy.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

// The admin queue -------------------------------------------------------------------------------

export const AGES = ['1', '3', '7'] as const;

export const queueQuery = tableQuery(['queue', 'created', 'updated'] as const, 'queue', {
  // Open (Pending and InProgress) by default: what the team still has to deal with.
  status: z.enum([...HELP_STATUSES, 'open', 'all']).catch('open'),
  type: z.enum(USER_TYPES).optional().catch(undefined),
  older: z.enum(AGES).optional().catch(undefined),
  q: textFilter,
}).extend({
  // A queue: the oldest waiting request first, unless asked otherwise.
  dir: z.enum(['asc', 'desc']).catch('asc'),
});
export type QueueQuery = z.infer<typeof queueQuery>;

export interface QueueRow {
  id: string;
  subject: string;
  status: HelpStatus;
  userType: HelpUserType;
  createdAt: Date;
  updatedAt: Date;
  respondedAt: Date | null;
  userId: string;
  firstName: string;
  lastName: string | null;
  email: string;
  assignedEmail: string | null;
}

/** Type, age and text narrow the counts and the rows; the status picks among the counts. */
function narrowed(db: Database, q: QueueQuery) {
  let base = db.selectFrom('helpRequest as h').innerJoin('user as u', 'u.id', 'h.userId');
  if (q.type) base = base.where('h.userType', '=', q.type);
  if (q.older) base = base.where('h.createdAt', '<', sql<Date>`now() - make_interval(days => ${Number(q.older)})`);
  if (q.q) {
    const pattern = containsPattern(q.q.toLowerCase());
    base = base.where((eb) => eb.or([eb(sql<string>`lower(h.subject)`, 'like', pattern), eb(sql<string>`lower(u.email)`, 'like', pattern)]));
  }
  return base;
}

function selected(db: Database, q: QueueQuery) {
  const base = narrowed(db, q);
  if (q.status === 'all') return base;
  if (q.status === 'open') return base.where('h.status', 'in', OPEN_STATUSES);
  return base.where('h.status', '=', q.status);
}

export function queueTable(db: Database) {
  return defineAdminTable<QueueQuery, QueueRow>({
    path: '/admin/help',
    query: queueQuery,
    count: (q) => countOf(selected(db, q)),
    rows: async (q, _ctx, window) => {
      const direction = q.dir === 'asc' ? sql`asc` : sql`desc`;
      // The queue: status in the enum's order (Pending, InProgress, Resolved, Closed), then age;
      // the (status, created_at, id) index gives these rows in this order.
      const order =
        q.sort === 'queue'
          ? sql`h.status ${direction}, h.created_at ${direction}, h.id ${direction}`
          : q.sort === 'created'
            ? sql`h.created_at ${direction}, h.id ${direction}`
            : sql`h.updated_at ${direction}, h.id ${direction}`;
      return (await selected(db, q)
        .leftJoin('user as a', 'a.id', 'h.assignedAdminId')
        .select(['h.id', 'h.subject', 'h.status', 'h.userType', 'h.createdAt', 'h.updatedAt', 'h.respondedAt', 'h.userId', 'u.firstName', 'u.lastName', 'u.email', 'a.email as assignedEmail'])
        .orderBy(order)
        .limit(window.limit)
        .offset(window.offset)
        .execute()) as QueueRow[];
    },
    csv: {
      filename: 'help-requests.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('subject'), (r) => r.subject],
        [msg('requester'), (r) => `${r.firstName} ${r.lastName ?? ''}`.trim()],
        [msg('email'), (r) => r.email],
        [msg('user type'), (r) => r.userType],
        [msg('status'), (r) => r.status],
        [msg('assigned to'), (r) => r.assignedEmail ?? ''],
        [msg('opened at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('last activity at'), (r) => new Date(r.updatedAt).toISOString()],
        [msg('answered at'), (r) => (r.respondedAt ? new Date(r.respondedAt).toISOString() : '')],
      ],
    },
  });
}

/** The count per status under the type, age and text filters (the tabs above the queue): one query. */
export async function statusCounts(db: Database, q: QueueQuery): Promise<Record<HelpStatus | 'open' | 'all', number>> {
  const rows = await narrowed(db, q).select(['h.status', sql<number>`count(*)::int`.as('n')]).groupBy('h.status').execute();
  const counts: Record<HelpStatus | 'open' | 'all', number> = { Pending: 0, InProgress: 0, Resolved: 0, Closed: 0, open: 0, all: 0 };
  for (const r of rows) {
    counts[r.status] = r.n;
    counts.all += r.n;
    if (OPEN_STATUSES.includes(r.status)) counts.open += r.n;
  }
  return counts;
}
