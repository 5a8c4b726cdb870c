/**
 * Notifications and workspaces (spec sections 7 and 8): notification, workspace, membership,
 * invitation.
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const touch = (table: string) =>
  sql`create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)} for each row execute function set_updated_at()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('type', sql`"NotificationType"`, (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('read', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_pkey', ['id'])
    .addForeignKeyConstraint('notification_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // The spec lists userId and read as two separate indexes; kept separate as listed.
  await index(db, 'notification', 'user_id');
  await index(db, 'notification', 'read');

  await db.schema
    .createTable('workspace')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo('Default Workspace'))
    .addColumn('slug', 'text', (c) => c.notNull().defaultTo('default'))
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('workspace_pkey', ['id'])
    .addUniqueConstraint('workspace_slug_key', ['slug'])
    .execute();
  await touch('workspace').execute(db);

  await db.schema
    .createTable('membership')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('role', sql`"WorkspaceRole"`, (c) => c.notNull().defaultTo('Member'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('membership_pkey', ['id'])
    // Serves the spec's membership.userId index too.
    .addUniqueConstraint('membership_user_id_workspace_id_key', ['user_id', 'workspace_id'])
    .addForeignKeyConstraint('membership_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('membership_workspace_id_fkey', ['workspace_id'], 'workspace', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'membership', 'workspace_id');
  await touch('membership').execute(db);

  await db.schema
    .createTable('invitation')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('role', sql`"WorkspaceRole"`, (c) => c.notNull())
    .addColumn('status', sql`"InvitationStatus"`, (c) => c.notNull().defaultTo('Pending'))
    // The spec gives invitedBy no relationship, but it holds the inviter's user id: a required
    // FK, so the inviter's invitations go with the inviter (CASCADE).
    .addColumn('invited_by', 'uuid', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('invitation_pkey', ['id'])
    // Serves the spec's invitation.token index too.
    .addUniqueConstraint('invitation_token_key', ['token'])
    // Optional, yet CASCADE as the spec says: the invitation belongs to the invited user.
    .addForeignKeyConstraint('invitation_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('invitation_workspace_id_fkey', ['workspace_id'], 'workspace', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('invitation_invited_by_fkey', ['invited_by'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'invitation', 'email');
  await index(db, 'invitation', 'user_id');
  await index(db, 'invitation', 'workspace_id');
  await index(db, 'invitation', 'status');
  await index(db, 'invitation', 'invited_by'); // foreign key, not in the spec's list
  await touch('invitation').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invitation').execute();
  await db.schema.dropTable('membership').execute();
  await db.schema.dropTable('workspace').execute();
  await db.schema.dropTable('notification').execute();
}
