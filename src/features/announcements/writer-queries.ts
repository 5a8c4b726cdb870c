import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Announcementstatus as Status, Announcementtargetrole as TargetRole } from '../../db/types.ts';
import { tableQuery, type ColumnSpec } from '../../http/table.ts';
import { msg } from '../../i18n/catalogue.ts';
import { audienceOfSql, inAudienceSql } from './audience.ts';
import { TARGET_ROLES } from './schemas.ts';
import type { WriterScope } from './service.ts';

/**
 * What writers read: the list of announcements (admins: all; a course's teacher: that course's),
 * one announcement with its figures, and who has not read it. Counted in SQL with the one audience
 * rule (audience.ts): "reads" are read marks of people still in the audience, so the read % is of
 * the audience as it is now (a student who left the course counts neither way).
 */

export const STATUSES = ['Draft', 'Scheduled', 'Published', 'Expired'] as const satisfies readonly Status[];

export const listQuery = tableQuery(['created', 'when', 'title'] as const, 'created', {
  status: z.enum([...STATUSES, 'any']).catch('any'),
  target: z.enum([...TARGET_ROLES, 'any']).catch('any'),
});
export type ListQuery = z.infer<typeof listQuery>;

/** Column labels are catalogue messages: the views translate them. */
export const LIST_COLUMNS: Record<string, ColumnSpec> = {
  title: { label: msg('Title'), sort: 'title' },
  audience: { label: msg('Audience') },
  status: { label: msg('Status') },
  when: { label: msg('Scheduled or published'), sort: 'when', kind: 'date' },
  reads: { label: msg('Reads / audience'), kind: 'num' },
  urgent: { label: msg('Urgent') },
};

export interface ListRow {
  id: string;
  title: string;
  status: Status;
  targetRole: TargetRole;
  courseTitle: string | null;
  targetCount: number;
  scheduledAt: Date | null;
  publishedAt: Date | null;
  expiresAt: Date | null;
  isUrgent: boolean;
  audience: number;
  reads: number;
}

const scopeSql = (scope: WriterScope) =>
  scope.kind === 'admin' ? sql`true` : sql`a.target_role = 'CourseStudents' and a.target_course_id = ${scope.courseId}`;

const ORDER = {
  created: sql`a.created_at`,
  when: sql`coalesce(a.published_at, a.scheduled_at)`,
  title: sql`lower(a.title)`,
} as const;

const listWhere = (scope: WriterScope, q: ListQuery) => sql`${scopeSql(scope)}
    ${q.status === 'any' ? sql`` : sql`and a.status = ${q.status}`}
    ${q.target === 'any' ? sql`` : sql`and a.target_role = ${q.target}`}`;

/** How many announcements the writer's filters select: one query. */
export async function countAnnouncements(db: Database, scope: WriterScope, q: ListQuery): Promise<number> {
  const { rows } = await sql<{ total: number }>`select count(*)::int as total from announcement a where ${listWhere(scope, q)}`.execute(db.withoutPlugins());
  return rows[0]?.total ?? 0;
}

/**
 * A window of the writer's list (a page of 20, or a batch of the CSV), each row with its audience
 * and reads: one query however many rows. The window is cut first; the audience is counted once
 * per distinct audience in it (every announcement to everyone shares one count), and reads are the
 * read marks of people still in the audience (the read-status index, per row).
 */
export async function announcementRows(db: Database, scope: WriterScope, q: ListQuery, window: { limit: number; offset: number }): Promise<ListRow[]> {
  // Only the scheduled-or-published time can be null (last either way); the others keep the
  // plain order an index serves.
  const dir = sql.raw(`${q.dir === 'asc' ? 'asc' : 'desc'}${q.sort === 'when' ? ' nulls last' : ''}`);
  const { rows } = await sql<ListRow>`
    with p as (
      select a.*, row_number() over (order by ${ORDER[q.sort]} ${dir}, a.id) as n
      from announcement a where ${listWhere(scope, q)}
      order by ${ORDER[q.sort]} ${dir}, a.id
      limit ${window.limit} offset ${window.offset}
    ),
    -- Materialized: each distinct audience is counted once, not once per row joined to it.
    k as materialized (
      select k.target_role, k.target_course_id, k.target_user_ids,
             (select count(*)::int from "user" au where ${inAudienceSql('k', 'au')}) as audience
      from (select distinct target_role, target_course_id, target_user_ids from p) k
    )
    select p.id, p.title, p.status, p.target_role as "targetRole", c.title as "courseTitle",
           cardinality(p.target_user_ids)::int as "targetCount", p.scheduled_at as "scheduledAt", p.published_at as "publishedAt",
           p.expires_at as "expiresAt", p.is_urgent as "isUrgent", k.audience,
           (select count(*)::int from announcement_read_status r
            where r.announcement_id = p.id and exists (select 1 from "user" au where au.id = r.user_id and ${inAudienceSql('p', 'au')})) as reads
    from p
    join k on k.target_role = p.target_role and k.target_course_id is not distinct from p.target_course_id and k.target_user_ids = p.target_user_ids
    left join course c on c.id = p.target_course_id
    order by p.n`.execute(db.withoutPlugins());
  return rows;
}

export interface WriterView {
  id: string;
  title: string;
  body: string;
  bodyMarkdown: string | null;
  status: Status;
  targetRole: TargetRole;
  targetCourseId: string | null;
  courseTitle: string | null;
  targetUserIds: string[];
  scheduledAt: Date | null;
  publishedAt: Date | null;
  expiresAt: Date | null;
  isUrgent: boolean;
  attachmentKeys: string[];
  attachmentNames: string[];
  viewCount: number;
  createdAt: Date;
  updatedAt: Date;
  createdById: string;
  writerName: string;
}

/** One announcement in the writer's scope, with its course's title and its writer's name; one query. */
export async function findForWriter(db: Database, scope: WriterScope, id: string): Promise<WriterView | undefined> {
  const { rows } = await sql<WriterView>`
    select a.id, a.title, a.body, a.body_markdown as "bodyMarkdown", a.status, a.target_role as "targetRole",
           a.target_course_id as "targetCourseId", c.title as "courseTitle", a.target_user_ids as "targetUserIds",
           a.scheduled_at as "scheduledAt", a.published_at as "publishedAt", a.expires_at as "expiresAt", a.is_urgent as "isUrgent",
           a.attachment_keys as "attachmentKeys", a.attachment_names as "attachmentNames", a.view_count as "viewCount",
           a.created_at as "createdAt", a.updated_at as "updatedAt", a.created_by_id as "createdById",
           trim(w.first_name || ' ' || coalesce(w.last_name, '')) as "writerName"
    from announcement a
    left join course c on c.id = a.target_course_id
    join "user" w on w.id = a.created_by_id
    where a.id = ${id} and ${scopeSql(scope)}`.execute(db.withoutPlugins());
  return rows[0];
}

/** The addresses of the named people, for the edit form (in the order they were named). */
export async function emailsOf(db: Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('user').select(['id', 'email']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r.email]));
  return ids.map((id) => byId.get(id)).filter((e): e is string => e !== undefined);
}

export interface Figures {
  audience: number;
  reads: number;
  /** Reads as a whole percentage of the audience (0 when there is no one). */
  percent: number;
}

/** Audience size and reads among it: one query, however large the audience. */
export async function figuresOf(db: Database, id: string): Promise<Figures> {
  const { rows } = await sql<{ audience: number; reads: number }>`
    select count(*)::int as audience, count(r.id)::int as reads
    from (${audienceOfSql(id)}) au
    left join announcement_read_status r on r.announcement_id = ${id} and r.user_id = au.id`.execute(db.withoutPlugins());
  const audience = rows[0]?.audience ?? 0;
  const reads = rows[0]?.reads ?? 0;
  return { audience, reads, percent: audience === 0 ? 0 : Math.floor((reads * 100) / audience) };
}

export const NOT_READ_PER_PAGE = 50;

export const notReadQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
  sort: z.enum(['joined', 'name']).catch('joined'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  format: z.enum(['html', 'csv']).catch('html'),
});
export type NotReadQuery = z.infer<typeof notReadQuery>;

export const NOT_READ_COLUMNS: Record<string, ColumnSpec> = {
  name: { label: msg('Name'), sort: 'name' },
  email: { label: msg('Email') },
  joined: { label: msg('Enrolled or joined'), sort: 'joined', kind: 'date' },
};

export interface NotReadRow {
  id: string;
  name: string;
  email: string;
  /** For a course's students, when they enrolled in it; for anyone else, when they joined. */
  joinedAt: Date;
}

/**
 * People in the audience without a read mark: a page (`limit`), or every one of them (the CSV).
 * Newest enrolment (or account) first by default, or by name. One query.
 */
export async function notReadOf(db: Database, id: string, q: Pick<NotReadQuery, 'page' | 'sort' | 'dir'>, limit: number | null): Promise<NotReadRow[]> {
  const dir = q.dir === 'asc' ? sql`asc` : sql`desc`;
  const order = q.sort === 'name' ? sql`lower(u.first_name) ${dir}, lower(coalesce(u.last_name, '')) ${dir}` : sql`"joinedAt" ${dir}`;
  const { rows } = await sql<NotReadRow>`
    select u.id, trim(u.first_name || ' ' || coalesce(u.last_name, '')) as name, u.email,
           coalesce(
             (select max(e.created_at) from enrollment e join announcement a on a.id = ${id}
              where a.target_role = 'CourseStudents' and e.course_id = a.target_course_id and e.user_id = u.id),
             u.created_at) as "joinedAt"
    from (${audienceOfSql(id)}) au
    join "user" u on u.id = au.id
    where not exists (select 1 from announcement_read_status r where r.announcement_id = ${id} and r.user_id = au.id)
    order by ${order}, u.id
    ${limit === null ? sql`` : sql`limit ${limit} offset ${(q.page - 1) * limit}`}`.execute(db.withoutPlugins());
  return rows;
}
