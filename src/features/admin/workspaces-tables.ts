import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { tableQuery } from '../../http/table.ts';
import { containsPattern } from '../../lib/like.ts';
import { WORKSPACE_ROLES } from '../workspaces/schemas.ts';
import { textFilter } from './filters.ts';
import { countOf, defineAdminTable } from './table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The two tables of the workspace pages (src/features/admin/table.ts): every workspace, and one
 * workspace's members (50 a page). Counts in SQL, one query per page of rows, whatever the size.
 */

export const WORKSPACES_PATH = '/admin/workspaces';

export const workspacesQuery = tableQuery(['createdAt', 'name', 'members'] as const, 'createdAt', { q: textFilter });
export type WorkspacesQuery = z.infer<typeof workspacesQuery>;

function filteredWorkspaces(db: Database, q: WorkspacesQuery) {
  let base = db.selectFrom('workspace as w');
  if (q.q) {
    const pattern = containsPattern(q.q);
    base = base.where((eb) => eb.or([eb('w.name', 'ilike', pattern), eb('w.slug', 'ilike', pattern)]));
  }
  return base;
}

function workspaceRows(db: Database, q: WorkspacesQuery, window: { limit: number; offset: number }) {
  const members = sql<number>`(select count(*)::int from membership m where m.workspace_id = w.id)`;
  const order = q.sort === 'members' ? members : sql.ref(`w.${q.sort}`);
  return filteredWorkspaces(db, q)
    .select(['w.id', 'w.name', 'w.slug', 'w.description', 'w.createdAt'])
    .select(members.as('members'))
    .orderBy(order, q.dir)
    .orderBy('w.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
export type WorkspaceRow = Awaited<ReturnType<typeof workspaceRows>>[number];

export function workspacesTable(db: Database) {
  return defineAdminTable<WorkspacesQuery, WorkspaceRow>({
    path: WORKSPACES_PATH,
    query: workspacesQuery,
    count: (q) => countOf(filteredWorkspaces(db, q)),
    rows: (q, _ctx, window) => workspaceRows(db, q, window),
    csv: {
      filename: 'workspaces.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('name'), (r) => r.name],
        [msg('slug'), (r) => r.slug],
        [msg('description'), (r) => r.description ?? ''],
        [msg('members'), (r) => r.members],
        [msg('created at'), (r) => new Date(r.createdAt).toISOString()],
      ],
    },
  });
}

export const MEMBERS_PER_PAGE = 50;

export const membersQuery = tableQuery(['createdAt', 'email', 'role'] as const, 'createdAt', {
  q: textFilter,
  role: z.enum(WORKSPACE_ROLES).optional().catch(undefined),
});
export type MembersQuery = z.infer<typeof membersQuery>;

function filteredMembers(db: Database, workspaceId: string, q: MembersQuery) {
  let base = db.selectFrom('membership as m').innerJoin('user as u', 'u.id', 'm.userId').where('m.workspaceId', '=', workspaceId);
  if (q.role) base = base.where('m.role', '=', q.role);
  if (q.q) {
    const pattern = containsPattern(q.q);
    base = base.where((eb) =>
      eb.or([eb(sql<string>`lower(u.email)`, 'like', containsPattern(q.q!.toLowerCase())), eb(sql<string>`u.first_name || ' ' || coalesce(u.last_name, '')`, 'ilike', pattern)]),
    );
  }
  return base;
}

function memberRows(db: Database, workspaceId: string, q: MembersQuery, window: { limit: number; offset: number }) {
  const order = q.sort === 'email' ? sql.ref('u.email') : sql.ref(`m.${q.sort}`);
  return filteredMembers(db, workspaceId, q)
    .select(['m.id', 'm.role', 'm.createdAt', 'm.userId', 'u.email', 'u.firstName', 'u.lastName', 'u.role as siteRole'])
    .orderBy(order, q.dir)
    .orderBy('m.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
export type MemberRow = Awaited<ReturnType<typeof memberRows>>[number];

/** One workspace's members: a table per workspace (its path is the workspace's page). */
export function membersTable(db: Database, workspace: { id: string; slug: string }) {
  return defineAdminTable<MembersQuery, MemberRow>({
    path: `${WORKSPACES_PATH}/${workspace.id}`,
    query: membersQuery,
    perPage: MEMBERS_PER_PAGE,
    count: (q) => countOf(filteredMembers(db, workspace.id, q)),
    rows: (q, _ctx, window) => memberRows(db, workspace.id, q, window),
    csv: {
      filename: `workspace-${workspace.slug}-members.csv`,
      columns: [
        [msg('membership id'), (r) => r.id],
        [msg('user id'), (r) => r.userId],
        [msg('name'), (r) => `${r.firstName} ${r.lastName ?? ''}`.trim()],
        [msg('email'), (r) => r.email],
        [msg('role'), (r) => r.role],
        [msg('site role'), (r) => r.siteRole ?? ''],
        [msg('joined at'), (r) => new Date(r.createdAt).toISOString()],
      ],
    },
  });
}

/** The workspace itself, for its page (one query). */
export function findWorkspace(db: Database, id: string) {
  return db.selectFrom('workspace').select(['id', 'name', 'slug', 'description', 'createdAt', 'updatedAt']).where('id', '=', id).executeTakeFirst();
}

/** Its open invitations, newest first, with how many there are in all (one query). */
export function pendingInvitations(db: Database, workspaceId: string, limit = 50) {
  return db
    .selectFrom('invitation as i')
    .innerJoin('user as by', 'by.id', 'i.invitedBy')
    .select(['i.id', 'i.email', 'i.role', 'i.expiresAt', 'i.createdAt', 'by.firstName as byFirstName', 'by.lastName as byLastName'])
    .select(sql<number>`count(*) over ()::int`.as('total'))
    .where('i.workspaceId', '=', workspaceId)
    .where('i.status', '=', 'Pending')
    .orderBy('i.createdAt', 'desc')
    .orderBy('i.id')
    .limit(limit)
    .execute();
}
