/**
 * User management (spec section 1): "user", billing_address, session, account, verification.
 *
 * - Ids are uuid even where the spec types them String (user, session, account, verification):
 *   one id type everywhere, so every foreign key is uuid.
 * - "user".email and "user".username are unique case-insensitively, through unique indexes on
 *   lower(...); there is deliberately no plain unique constraint on them.
 * - The spec's `session` table is the sign-in record per device; the cookie store of
 *   connect-pg-simple is the separate http_session table (last migration).
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
    .createTable('user')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('phone_number', 'text')
    .addColumn('designation', 'text')
    .addColumn('bio', 'text')
    .addColumn('social_website', 'text')
    .addColumn('social_github', 'text')
    .addColumn('social_facebook', 'text')
    .addColumn('social_twitter', 'text')
    .addColumn('social_linkedin', 'text')
    .addColumn('email_verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('image', 'text')
    // Spec: createdAt "Required"; a default of now() spares every insert from setting it.
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('stripe_customer_id', 'text')
    // Spec: role is an Optional String (admin, teacher, student). Kept nullable as the spec
    // says, but new users default to 'student' and only the three known roles are accepted.
    .addColumn('role', 'text', (c) => c.defaultTo('student'))
    // Spec: banned is Optional; nullable, but new users start not banned.
    .addColumn('banned', 'boolean', (c) => c.defaultTo(false))
    .addColumn('ban_reason', 'text')
    .addColumn('ban_expires', 'timestamptz')
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('user_pkey', ['id'])
    .addUniqueConstraint('user_stripe_customer_id_key', ['stripe_customer_id'])
    .addCheckConstraint('user_role_check', sql`role in ('admin', 'teacher', 'student')`)
    .addCheckConstraint('user_points_check', sql`points >= 0`)
    .execute();
  // Case-insensitive uniqueness: "Ann@x.io" and "ann@x.io" are the same address / name.
  await sql`create unique index user_email_lower_key on "user" (lower(email))`.execute(db);
  await sql`create unique index user_username_lower_key on "user" (lower(username))`.execute(db);
  await touch('user').execute(db);

  await db.schema
    .createTable('billing_address')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('company_name', 'text')
    .addColumn('phone_number', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('address_line1', 'text', (c) => c.notNull())
    .addColumn('address_line2', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('postal_code', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('vat_number', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('billing_address_pkey', ['id'])
    // The unique constraint's index also serves the foreign key.
    .addUniqueConstraint('billing_address_user_id_key', ['user_id'])
    .addForeignKeyConstraint('billing_address_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await touch('billing_address').execute(db);

  await db.schema
    .createTable('session')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    // The spec gives impersonatedBy no relationship, but it holds the impersonating admin's
    // user id: an optional FK, set null if that admin is deleted.
    .addColumn('impersonated_by', 'uuid')
    .addPrimaryKeyConstraint('session_pkey', ['id'])
    .addUniqueConstraint('session_token_key', ['token'])
    .addForeignKeyConstraint('session_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('session_impersonated_by_fkey', ['impersonated_by'], 'user', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await index(db, 'session', 'user_id');
  await index(db, 'session', 'impersonated_by');
  await touch('session').execute(db);

  await db.schema
    .createTable('account')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('access_token', 'text')
    .addColumn('refresh_token', 'text')
    .addColumn('id_token', 'text')
    .addColumn('access_token_expires_at', 'timestamptz')
    .addColumn('refresh_token_expires_at', 'timestamptz')
    .addColumn('scope', 'text')
    .addColumn('password', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('account_pkey', ['id'])
    .addForeignKeyConstraint('account_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await index(db, 'account', 'user_id');
  await touch('account').execute(db);

  await db.schema
    .createTable('verification')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // Spec: both Optional. Kept nullable, but filled by default.
    .addColumn('created_at', 'timestamptz', (c) => c.defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(now))
    .addPrimaryKeyConstraint('verification_pkey', ['id'])
    // Spec: "one active token per identifier".
    .addUniqueConstraint('verification_identifier_key', ['identifier'])
    .execute();
  await touch('verification').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('verification').execute();
  await db.schema.dropTable('account').execute();
  await db.schema.dropTable('session').execute();
  await db.schema.dropTable('billing_address').execute();
  await db.schema.dropTable('user').execute();
}
