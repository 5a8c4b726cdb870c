/**
 * user.language (issue 21), an addition to the spec: the language a signed-in person reads
 * Edupeak in, chosen on /account or with the footer's switcher. The spec's user table has no such
 * field, and a person's language must follow them across devices and reach the mails and
 * certificates made for them when they are not at a browser (a cookie cannot). Null means "not
 * chosen": the browser's Accept-Language decides, request by request (src/i18n/negotiate.ts).
 *
 * The value is a language tag the app ships (src/i18n/locales.ts); the check only refuses what
 * could never be one, so that shipping a language needs no migration.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table "user" add column language text check (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table "user" drop column language`.execute(db);
}
