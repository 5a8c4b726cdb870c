import type { Express } from 'express';
import type { Database } from '../../src/db/database.ts';
import { addMembership } from './admin-factories.ts';
import { signedInAs } from './users.ts';

let n = 0;

/** A workspace of its own (a unique slug unless given). */
export async function createWorkspace(db: Database, overrides: { name?: string; slug?: string; description?: string | null } = {}) {
  n += 1;
  const slug = overrides.slug ?? `ws-${n}-${Math.random().toString(36).slice(2, 8)}`;
  return db
    .insertInto('workspace')
    .values({ name: overrides.name ?? `Workspace ${n}`, slug, description: overrides.description ?? null })
    .returning(['id', 'name', 'slug'])
    .executeTakeFirstOrThrow();
}

/** The person's role in the workspace, or null. */
export async function memberOf(db: Database, workspaceId: string, userId: string) {
  const row = await db.selectFrom('membership').select('role').where('workspaceId', '=', workspaceId).where('userId', '=', userId).executeTakeFirst();
  return row?.role ?? null;
}

/** A signed-in admin who is a SuperAdmin of the default workspace. */
export async function superAdmin(t: { app: Express; db: Database }) {
  const who = await signedInAs(t.app, t.db, 'admin');
  await addMembership(t.db, who.user.id, 'SuperAdmin');
  return who;
}
