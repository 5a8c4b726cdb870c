/**
 * Issue 22: sign-in with providers, and deleting one's account. Additions to the spec, each because
 * the spec has no column for what users need:
 *
 * - account (provider_id, account_id) is unique: one Google or GitHub identity belongs to one
 *   Edupeak user (the spec says "Supports multiple OAuth providers per user", never one identity
 *   on several users). The credential row's account_id is its user's id, so it stays unique too.
 *
 * - "user".deletion_requested_at: when the person asked for their account to be deleted. The
 *   7-day grace counts from it; signing in sets it back to null; the deletion job removes users
 *   whose grace is over. Null means no deletion is pending. Partial index: the job's only filter.
 *
 * - payment_transaction keeps accounting records of a deleted payer. The spec ties a payment to
 *   its enrollment (cascade), and the enrollment to its user (cascade), so deleting a person would
 *   delete what they paid. Before the user goes, the deletion job detaches the payment:
 *   enrollment_id becomes null (the column is now nullable; the cascade still applies while it is
 *   set), course_id says what was sold (set null if the course is deleted later), and anonymised_at
 *   says when the payer's name and email were taken out of it. The check keeps every other payment
 *   tied to its enrollment.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table account add constraint account_provider_id_account_id_key unique (provider_id, account_id)`.execute(db);

  await sql`alter table "user" add column deletion_requested_at timestamptz`.execute(db);
  await sql`create index user_deletion_requested_at_idx on "user" (deletion_requested_at) where deletion_requested_at is not null`.execute(db);

  await sql`alter table payment_transaction alter column enrollment_id drop not null`.execute(db);
  await sql`alter table payment_transaction add column course_id uuid references course (id) on delete set null`.execute(db);
  await sql`alter table payment_transaction add column anonymised_at timestamptz`.execute(db);
  await sql`create index payment_transaction_course_id_idx on payment_transaction (course_id)`.execute(db);
  await sql`
    alter table payment_transaction add constraint payment_transaction_enrollment_or_anonymised_check
      check (enrollment_id is not null or anonymised_at is not null)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from payment_transaction where enrollment_id is null`.execute(db);
  await sql`alter table payment_transaction drop constraint payment_transaction_enrollment_or_anonymised_check`.execute(db);
  await sql`alter table payment_transaction drop column anonymised_at`.execute(db);
  await sql`alter table payment_transaction drop column course_id`.execute(db);
  await sql`alter table payment_transaction alter column enrollment_id set not null`.execute(db);
  await sql`alter table "user" drop column deletion_requested_at`.execute(db);
  await sql`alter table account drop constraint account_provider_id_account_id_key`.execute(db);
}
