/**
 * Additions to the spec for the admin tables at size (issue 17), indexes only. Each serves a
 * table's default page, which EXPLAIN ANALYZE showed sorting every row (10,000 seeded in
 * tests/admin/tables-at-scale.test.ts) to show the first 20:
 *
 * - enrollment (created_at desc nulls last, id): /admin/enrollments, newest first (the admin
 *   tables put nulls last when sorting down), read in the index's order.
 * - teacher_application (status, created_at): /admin/teacher-applications, the Pending ones newest
 *   first; the spec's separate status and created_at indexes make the planner pick one and sort.
 * - blog (status, created_at): /admin/blog, the moderation queue (Pending, oldest first).
 * - announcement (created_at): /admin/announcements, newest first.
 *
 * /admin/payments' default order already has the spec's payment_transaction (created_at).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index enrollment_created_at_id_idx on enrollment (created_at desc nulls last, id)`.execute(db);
  await sql`create index teacher_application_status_created_at_idx on teacher_application (status, created_at)`.execute(db);
  await sql`create index blog_status_created_at_idx on blog (status, created_at)`.execute(db);
  await sql`create index announcement_created_at_idx on announcement (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['announcement_created_at_idx', 'blog_status_created_at_idx', 'teacher_application_status_created_at_idx', 'enrollment_created_at_id_idx']) {
    await sql`drop index ${sql.id(index)}`.execute(db);
  }
}
