/**
 * Additions to the spec for workspaces, memberships and invitations (issue 17, spec workflow 7):
 *
 * - membership (workspace_id, created_at desc, id): a workspace's members table pages through its
 *   members newest first (50 a page) without sorting them all; the spec's workspace_id index makes
 *   the planner sort every member of a large workspace.
 * - workspace (created_at desc, id) and (name, id): the /admin/workspaces table's sorts, with the
 *   id tie-break the admin table pages by.
 * - invitation_pending_key, unique (workspace_id, email) where status = 'Pending': at most one open
 *   invitation per address and workspace (a new one replaces the old, which is Revoked); two
 *   SuperAdmins inviting the same address at once cannot both leave one open. invitation.email is
 *   stored lower-case, so the spec's email index serves "invitations for this address".
 * - invitation (expires_at) where status = 'Pending': the expire-invitations job finds the open
 *   ones whose time has passed without reading the closed ones.
 * - invitation (workspace_id, created_at desc) where status = 'Pending': a workspace page lists its
 *   open invitations newest first.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index membership_workspace_id_created_at_idx on membership (workspace_id, created_at desc, id)`.execute(db);
  await sql`create index workspace_created_at_idx on workspace (created_at desc, id)`.execute(db);
  await sql`create index workspace_name_idx on workspace (name, id)`.execute(db);
  await sql`create unique index invitation_pending_key on invitation (workspace_id, email) where status = 'Pending'`.execute(db);
  await sql`create index invitation_pending_expires_at_idx on invitation (expires_at) where status = 'Pending'`.execute(db);
  await sql`create index invitation_pending_workspace_id_idx on invitation (workspace_id, created_at desc) where status = 'Pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index invitation_pending_workspace_id_idx`.execute(db);
  await sql`drop index invitation_pending_expires_at_idx`.execute(db);
  await sql`drop index invitation_pending_key`.execute(db);
  await sql`drop index workspace_name_idx`.execute(db);
  await sql`drop index workspace_created_at_idx`.execute(db);
  await sql`drop index membership_workspace_id_created_at_idx`.execute(db);
}
