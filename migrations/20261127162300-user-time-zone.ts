/**
 * user.time_zone: the IANA zone ("Europe/Berlin") every date is shown in and every typed date and
 * time is read in for this user; stored times stay UTC. An addition to the spec, whose `user` has
 * no time zone: issue 12.5 asks that release times, ban dates, payments and the admin's date
 * filters be shown and entered in the reader's zone. Guessed at sign-up by the browser where
 * JavaScript runs, 'UTC' otherwise, changeable on /account.
 *
 * Whether a name is a real zone is checked by the application (zod, against
 * Intl.supportedValuesOf('timeZone') plus 'UTC'): PostgreSQL's own zone list (pg_timezone_names)
 * cannot be used in a CHECK, and it differs from the ICU list Node formats with. The database
 * keeps only the shape of a zone name as its last line.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('user')
    .addColumn('time_zone', 'text', (col) => col.notNull().defaultTo('UTC').check(sql`time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user').dropColumn('time_zone').execute();
}
