import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Supportcallstatus, Supportrequeststatus } from '../../db/types.ts';
import { tableQuery, type ColumnSpec } from '../../http/table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * What the support-call pages read. Each page costs a fixed number of queries: the host's list
 * (count + rows, the admin table), the host's call page (the call, then the queue's count and a
 * page of it in parallel), the student's page and its poll fragment (one query: the call and the
 * student's own request, with the number waiting).
 */

export const CALL_STATUSES = ['Active', 'Ended', 'Cancelled'] as const satisfies readonly Supportcallstatus[];

// --- the host's list of a course's calls (the admin table) -------------------------------------

export const callListQuery = tableQuery(['created', 'title', 'requests'] as const, 'created', {
  status: z.enum([...CALL_STATUSES, 'any']).catch('any'),
});
export type CallListQuery = z.infer<typeof callListQuery>;

/** Column labels are catalogue messages: the views translate them. */
export const CALL_COLUMNS: Record<string, ColumnSpec> = {
  title: { label: msg('Title'), sort: 'title' },
  status: { label: msg('Status') },
  host: { label: msg('Host') },
  created: { label: msg('Started'), sort: 'created', kind: 'date' },
  ended: { label: msg('Ended'), kind: 'date' },
  requests: { label: msg('Requests'), sort: 'requests', kind: 'num' },
};

export interface CallListRow {
  id: string;
  title: string | null;
  status: Supportcallstatus;
  hostName: string;
  createdAt: Date;
  endedAt: Date | null;
  requests: number;
  waiting: number;
}

const LIST_ORDER = { created: sql`c.created_at`, title: sql`lower(c.title)`, requests: sql`requests` } as const;

const listWhere = (courseId: string, q: CallListQuery) => sql`c.course_id = ${courseId} ${q.status === 'any' ? sql`` : sql`and c.status = ${q.status}`}`;

export async function countCalls(db: Database, courseId: string, q: CallListQuery): Promise<number> {
  const { rows } = await sql<{ total: number }>`select count(*)::int as total from support_call c where ${listWhere(courseId, q)}`.execute(db.withoutPlugins());
  return rows[0]?.total ?? 0;
}

/** A window of a course's calls, the live one first, each with its requests counted in SQL. */
export async function callRows(db: Database, courseId: string, q: CallListQuery, window: { limit: number; offset: number }): Promise<CallListRow[]> {
  const dir = sql.raw(q.dir === 'asc' ? 'asc' : 'desc');
  const { rows } = await sql<CallListRow>`
    select c.id, c.title, c.status, concat_ws(' ', u.first_name, u.last_name) as "hostName", c.created_at as "createdAt", c.ended_at as "endedAt",
           coalesce(r.requests, 0)::int as requests, coalesce(r.waiting, 0)::int as waiting
    from support_call c
    join "user" u on u.id = c.created_by
    left join lateral (
      select count(*) as requests, count(*) filter (where status = 'Pending') as waiting
      from support_call_request where support_call_id = c.id
    ) r on true
    where ${listWhere(courseId, q)}
    order by (c.status = 'Active') desc, ${LIST_ORDER[q.sort]} ${dir}, c.id
    limit ${window.limit} offset ${window.offset}`.execute(db.withoutPlugins());
  return rows;
}

// --- one call, for its host ---------------------------------------------------------------------

export interface HostCall {
  id: string;
  courseId: string;
  title: string | null;
  description: string | null;
  status: Supportcallstatus;
  meetingUrl: string | null;
  streamCallId: string | null;
  createdAt: Date;
  endedAt: Date | null;
  hostName: string;
}

export async function hostCall(db: Database, courseId: string, callId: string): Promise<HostCall | undefined> {
  return db
    .selectFrom('supportCall as c')
    .innerJoin('user as u', 'u.id', 'c.createdBy')
    .select(['c.id', 'c.courseId', 'c.title', 'c.description', 'c.status', 'c.meetingUrl', 'c.streamCallId', 'c.createdAt', 'c.endedAt'])
    .select(sql<string>`concat_ws(' ', u.first_name, u.last_name)`.as('hostName'))
    .where('c.id', '=', callId)
    .where('c.courseId', '=', courseId)
    .executeTakeFirst();
}

export const QUEUE_PER_PAGE = 50;

export const QUEUE_COLUMNS: Record<string, ColumnSpec> = {
  position: { label: msg('Place'), kind: 'num' },
  student: { label: msg('Student') },
  type: { label: msg('Needs') },
  status: { label: msg('Status') },
  since: { label: msg('Waiting since'), kind: 'date' },
  act: { label: msg('Actions'), hideLabel: true },
};

export interface QueueRow {
  id: string;
  position: number;
  name: string;
  email: string;
  supportType: string;
  status: Supportrequeststatus;
  rejectionReason: string | null;
  createdAt: Date;
  joinedAt: Date | null;
}

export interface QueueCounts {
  total: number;
  waiting: number;
  accepted: number;
}

/**
 * The call's requests as the host works them: those in the meeting (Accepted) first, then the
 * waiting line by place, then the closed ones, latest first. A page of QUEUE_PER_PAGE and the
 * counts: two queries, run in parallel by the route.
 */
export async function queueCounts(db: Database, callId: string): Promise<QueueCounts> {
  const { rows } = await sql<QueueCounts>`
    select count(*)::int as total, count(*) filter (where status = 'Pending')::int as waiting, count(*) filter (where status = 'Accepted')::int as accepted
    from support_call_request where support_call_id = ${callId}`.execute(db.withoutPlugins());
  return rows[0] ?? { total: 0, waiting: 0, accepted: 0 };
}

export async function queueRows(db: Database, callId: string, page: number): Promise<QueueRow[]> {
  const { rows } = await sql<QueueRow>`
    select r.id, r.position, concat_ws(' ', u.first_name, u.last_name) as name, u.email, r.support_type as "supportType", r.status,
           r.rejection_reason as "rejectionReason", r.created_at as "createdAt", r.joined_at as "joinedAt"
    from support_call_request r
    join "user" u on u.id = r.user_id
    where r.support_call_id = ${callId}
    order by case r.status when 'Accepted' then 0 when 'Pending' then 1 else 2 end,
             case when r.status = 'Pending' then r.position end,
             r.updated_at desc, r.id
    limit ${QUEUE_PER_PAGE} offset ${(page - 1) * QUEUE_PER_PAGE}`.execute(db.withoutPlugins());
  return rows;
}

// --- the student's view ---------------------------------------------------------------------------

export interface StudentView {
  id: string;
  title: string | null;
  description: string | null;
  status: Supportcallstatus;
  hostName: string;
  /** Set only when this student's request is Accepted and the call is live: nobody else gets it. */
  meetingUrl: string | null;
  request: null | {
    status: Supportrequeststatus;
    position: number;
    supportType: string;
    rejectionReason: string | null;
  };
  /** Requests waiting in the line (the student's own included when Pending). */
  waiting: number;
}

/**
 * A call of this course as one student sees it: one query. The meeting link is selected only when
 * their request is Accepted and the call Active, so it cannot reach anyone else's HTML by mistake.
 */
export async function studentView(db: Database, courseId: string, callId: string, userId: string): Promise<StudentView | undefined> {
  const { rows } = await sql<{
    id: string;
    title: string | null;
    description: string | null;
    status: Supportcallstatus;
    hostName: string;
    meetingUrl: string | null;
    requestStatus: Supportrequeststatus | null;
    position: number | null;
    supportType: string | null;
    rejectionReason: string | null;
    waiting: number;
  }>`
    select c.id, c.title, c.description, c.status, concat_ws(' ', u.first_name, u.last_name) as "hostName",
           case when c.status = 'Active' and r.status = 'Accepted' then c.meeting_url end as "meetingUrl",
           r.status as "requestStatus", r.position, r.support_type as "supportType", r.rejection_reason as "rejectionReason",
           (select count(*)::int from support_call_request w where w.support_call_id = c.id and w.status = 'Pending') as waiting
    from support_call c
    join "user" u on u.id = c.created_by
    left join support_call_request r on r.support_call_id = c.id and r.user_id = ${userId}
    where c.id = ${callId} and c.course_id = ${courseId}`.execute(db.withoutPlugins());
  const row = rows[0];
  if (!row) return undefined;
  const { requestStatus, position, supportType, rejectionReason, ...call } = row;
  return {
    ...call,
    request: requestStatus ? { status: requestStatus, position: position!, supportType: supportType!, rejectionReason } : null,
  };
}

/**
 * "A call is live in this course": the expression the learn pages fold into a query they already
 * run (the live call's id and title as two scalar subqueries, on the one-Active-per-course index).
 */
export const liveCallIdSql = (courseId: string) =>
  sql<string | null>`(select sc.id from support_call sc where sc.course_id = ${courseId} and sc.status = 'Active' limit 1)`;
export const liveCallTitleSql = (courseId: string) =>
  sql<string | null>`(select sc.title from support_call sc where sc.course_id = ${courseId} and sc.status = 'Active' limit 1)`;

/** The live call of a course on its own (the player page with no open lesson): one query. */
export async function liveCallOf(db: Database, courseId: string): Promise<{ id: string; title: string | null } | undefined> {
  return db.selectFrom('supportCall').select(['id', 'title']).where('courseId', '=', courseId).where('status', '=', 'Active').executeTakeFirst();
}
