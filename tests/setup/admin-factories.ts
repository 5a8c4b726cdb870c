import type { Database } from '../../src/db/database.ts';
import type { Workspacerole } from '../../src/db/types.ts';
import { createAdmin } from './factories.ts';

/** The default workspace (made once per database, as the demo seed makes it). */
export async function defaultWorkspace(db: Database): Promise<{ id: string }> {
  const found = await db.selectFrom('workspace').select('id').where('slug', '=', 'default').executeTakeFirst();
  return found ?? db.insertInto('workspace').values({ name: 'Default Workspace', slug: 'default' }).onConflict((oc) => oc.column('slug').doNothing()).returning('id').executeTakeFirstOrThrow();
}

/** A membership of the default workspace (or the one given) with this role. */
export async function addMembership(db: Database, userId: string, role: Workspacerole, workspaceId?: string): Promise<void> {
  const workspace = workspaceId ?? (await defaultWorkspace(db)).id;
  await db
    .insertInto('membership')
    .values({ userId, workspaceId: workspace, role })
    .onConflict((oc) => oc.columns(['userId', 'workspaceId']).doUpdateSet({ role }))
    .execute();
}

/** An admin who is a SuperAdmin of the default workspace: settings, impersonation, roles, invitations. */
export async function createSuperAdmin(db: Database, overrides: Parameters<typeof createAdmin>[1] = {}) {
  const user = await createAdmin(db, overrides);
  await addMembership(db, user.id, 'SuperAdmin');
  return user;
}
