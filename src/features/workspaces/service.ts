import { sql, type Kysely } from 'kysely';
import { msg } from '../../i18n/catalogue.ts';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { isUniqueViolation, type FieldErrors } from '../../http/forms.ts';
import { slugify } from '../../lib/slug.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { isStaffRole, type CreateWorkspaceInput, type UpdateWorkspaceInput, type WorkspaceRole } from './schemas.ts';

/**
 * Workspaces and their memberships (spec workflow 7): the one place that changes them. Knows
 * nothing of HTTP: routes parse, call and render.
 *
 * Every change to a workspace's memberships (a role, a removal, an invitation accepted) first locks
 * the workspace's row (`for no key update`), so they happen one after the other per workspace: the
 * count of SuperAdmins a demotion or removal checks cannot change before it commits. That is what
 * keeps the last SuperAdmin: two admins demoting the two last SuperAdmins at once leave one. One
 * row locked rather than every membership of the workspace (thousands of rows on a large one); the
 * foreign-key checks of other inserts (`for key share`) are not blocked by it.
 */

export const LAST_SUPERADMIN = msg('This is the last SuperAdmin of the workspace: make someone else SuperAdmin first.');

export type Result<T> = ({ ok: true } & T) | { ok: false; status: 404 | 422; errors: FieldErrors };

/** Letters or digits a slug can be made of (slugify falls back to a fixed word otherwise). */
const hasSlugMaterial = (name: string) => /[a-z0-9]/i.test(name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''));

/** Locks the workspace for a change to its memberships (see above); undefined when there is none. */
export function lockWorkspace(trx: Kysely<DB>, workspaceId: string) {
  return trx.selectFrom('workspace').select(['id', 'name', 'slug']).where('id', '=', workspaceId).forNoKeyUpdate().executeTakeFirst();
}

/**
 * A new workspace; whoever creates it is its first SuperAdmin (a workspace always has one). The
 * slug is made from the name when left empty.
 */
export async function createWorkspace(db: Database, audit: AuditContext, input: CreateWorkspaceInput): Promise<Result<{ workspace: { id: string; name: string; slug: string } }>> {
  const slug = input.slug || (hasSlugMaterial(input.name) ? slugify(input.name, 60) : '');
  if (!slug) return { ok: false, status: 422, errors: { slug: msg('Type a slug: the name has no letters an address can use.') } };
  try {
    return await db.transaction().execute(async (trx) => {
      const workspace = await trx
        .insertInto('workspace')
        .values({ name: input.name, slug, description: input.description })
        .returning(['id', 'name', 'slug'])
        .executeTakeFirstOrThrow();
      await trx.insertInto('membership').values({ userId: audit.actorId, workspaceId: workspace.id, role: 'SuperAdmin' }).execute();
      await recordActivity(trx, audit, {
        action: 'workspace_created',
        entityType: 'workspace',
        entityId: workspace.id,
        metadata: { name: workspace.name, slug: workspace.slug, description: input.description },
      });
      return { ok: true as const, workspace };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'workspace_slug_key')) return { ok: false, status: 422, errors: { slug: msg('A workspace with this slug exists already.') } };
    throw error;
  }
}

/** Renames and describes a workspace. */
export function updateWorkspace(db: Database, audit: AuditContext, id: string, input: UpdateWorkspaceInput): Promise<Result<{ changed: boolean }>> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('workspace').select(['name', 'description']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!before) return { ok: false as const, status: 404 as const, errors: {} };
    if (before.name === input.name && before.description === input.description) return { ok: true as const, changed: false };
    await trx.updateTable('workspace').set({ name: input.name, description: input.description }).where('id', '=', id).execute();
    await recordActivity(trx, audit, {
      action: 'workspace_updated',
      entityType: 'workspace',
      entityId: id,
      metadata: { from: before, to: { name: input.name, description: input.description } },
    });
    return { ok: true as const, changed: true };
  });
}

/** How many SuperAdmins the workspace has (under its lock). */
async function superAdminCount(trx: Kysely<DB>, workspaceId: string): Promise<number> {
  const row = await trx
    .selectFrom('membership')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('workspaceId', '=', workspaceId)
    .where('role', '=', 'SuperAdmin')
    .executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Makes the person an admin when their workspace role is a staff role and they are not one yet
 * (the next request of each of their sessions renews its id: sessions.ts). Returns the role it was.
 */
export async function raiseToAdmin(trx: Kysely<DB>, audit: AuditContext, userId: string, because: Record<string, unknown>): Promise<string | null> {
  const user = await trx.selectFrom('user').select('role').where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
  if (user.role === 'admin') return null;
  await trx.updateTable('user').set({ role: 'admin' }).where('id', '=', userId).execute();
  await recordActivity(trx, audit, { action: 'user_role_changed', entityType: 'user', entityId: userId, metadata: { from: user.role, to: 'admin', ...because } });
  return user.role ?? 'student';
}

/** The membership of this workspace, with its person; under the workspace's lock. */
function membershipOf(trx: Kysely<DB>, workspaceId: string, membershipId: string) {
  return trx
    .selectFrom('membership as m')
    .innerJoin('user as u', 'u.id', 'm.userId')
    .select(['m.id', 'm.role', 'm.userId', 'u.email'])
    .where('m.id', '=', membershipId)
    .where('m.workspaceId', '=', workspaceId)
    .executeTakeFirst();
}

export type MembershipChange = Result<{ changed: boolean; email: string; from: WorkspaceRole; to: WorkspaceRole; madeAdmin: boolean }>;

/**
 * Changes a member's role. Demoting the last SuperAdmin is refused (422). Raising someone to Admin
 * or SuperAdmin makes them an admin, as accepting such an invitation does; lowering a role leaves
 * the person's site role alone (that is /admin/users' to change).
 */
export function changeMemberRole(db: Database, audit: AuditContext, input: { workspaceId: string; membershipId: string; role: WorkspaceRole }): Promise<MembershipChange> {
  return db.transaction().execute(async (trx): Promise<MembershipChange> => {
    if (!(await lockWorkspace(trx, input.workspaceId))) return { ok: false, status: 404, errors: {} };
    const m = await membershipOf(trx, input.workspaceId, input.membershipId);
    if (!m) return { ok: false, status: 404, errors: {} };
    const base = { email: m.email, from: m.role, to: input.role };
    if (m.role === input.role) return { ok: true, changed: false, madeAdmin: false, ...base };
    if (m.role === 'SuperAdmin' && (await superAdminCount(trx, input.workspaceId)) <= 1) {
      return { ok: false, status: 422, errors: { role: LAST_SUPERADMIN } };
    }
    await trx.updateTable('membership').set({ role: input.role }).where('id', '=', m.id).execute();
    await recordActivity(trx, audit, {
      action: 'membership_role_changed',
      entityType: 'membership',
      entityId: m.id,
      metadata: { workspaceId: input.workspaceId, userId: m.userId, from: m.role, to: input.role },
    });
    const madeAdmin = isStaffRole(input.role) && (await raiseToAdmin(trx, audit, m.userId, { workspaceId: input.workspaceId, membershipRole: input.role })) !== null;
    return { ok: true, changed: true, madeAdmin, ...base };
  });
}

/** Removes a member from the workspace (not from the site). The last SuperAdmin cannot be removed (422). */
export function removeMember(db: Database, audit: AuditContext, input: { workspaceId: string; membershipId: string }): Promise<Result<{ email: string }>> {
  return db.transaction().execute(async (trx): Promise<Result<{ email: string }>> => {
    if (!(await lockWorkspace(trx, input.workspaceId))) return { ok: false, status: 404, errors: {} };
    const m = await membershipOf(trx, input.workspaceId, input.membershipId);
    if (!m) return { ok: false, status: 404, errors: {} };
    if (m.role === 'SuperAdmin' && (await superAdminCount(trx, input.workspaceId)) <= 1) {
      return { ok: false, status: 422, errors: { role: LAST_SUPERADMIN } };
    }
    await trx.deleteFrom('membership').where('id', '=', m.id).execute();
    await recordActivity(trx, audit, {
      action: 'membership_removed',
      entityType: 'membership',
      entityId: m.id,
      metadata: { workspaceId: input.workspaceId, userId: m.userId, email: m.email, role: m.role },
    });
    return { ok: true, email: m.email };
  });
}
