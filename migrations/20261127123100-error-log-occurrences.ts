/**
 * error_log.occurrences and error_log.last_seen_at. An addition to the spec, whose error_log has a
 * row per error: one failing route under load (or a probe hammering it) wrote a row per request and
 * filled the table. The same error type and message within a minute of a row's first occurrence now
 * counts up that row (see src/http/error-log.ts). The index serves that lookup: the message hashed,
 * since a 2000-character message can outgrow a btree entry.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('error_log')
    .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1).check(sql`occurrences >= 1`))
    .addColumn('last_seen_at', 'timestamptz')
    .execute();
  await sql`update error_log set last_seen_at = created_at`.execute(db);
  await sql`alter table error_log alter column last_seen_at set not null, alter column last_seen_at set default now()`.execute(db);
  await sql`create index error_log_repeat_idx on error_log (error_type, md5(message), created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('error_log_repeat_idx').execute();
  await db.schema.alterTable('error_log').dropColumn('last_seen_at').dropColumn('occurrences').execute();
}
