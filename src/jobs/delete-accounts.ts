import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { DELETION_GRACE_MS, deletionState, isBlocked } from '../features/accounts/deletion.ts';
import type { Logger } from '../logger.ts';
import { isSafeKey, STORAGE_KINDS, type Storage } from '../storage/index.ts';
import { withDerivedKeys } from '../storage/variants.ts';
import { STORAGE_KEY_ARRAY_COLUMNS, STORAGE_KEY_COLUMNS } from './collect-unreferenced-files.ts';

/**
 * Deletes the accounts whose deletion was asked for more than DELETION_GRACE_DAYS ago
 * (features/accounts/deletion.ts), one user per transaction, then their files.
 *
 * What goes: the user row, and with it (foreign keys ON DELETE CASCADE) everything that belongs to
 * them: sign-in methods and devices, enrollments (progress, activity, badges, certificates),
 * submissions and quiz answers, posts, comments, reactions, ratings, points, notifications, help
 * requests, billing address, sign-in history, and the courses they own (with their chapters,
 * lessons, attachments, videos, and the enrollments of students who were never more than Pending,
 * or Cancelled without a certificate: any other student blocks the deletion). Rows of theirs that
 * other people's rows need are kept without them (ON DELETE SET NULL: help desk replies, reviews of
 * teacher applications, settings changes, error and search logs). Before the delete, this job also
 * ends sessions in which they were viewing as someone else, takes their id out of announcements'
 * target lists (uuid[]: no foreign key), deletes their mailed-link tokens (verification rows name
 * the user in `identifier`) and takes their email and names out of audit rows about them.
 *
 * What is kept, and why: payment records. Accounting (tax returns, audits, chargebacks) needs
 * every sale for years after the buyer has left, and the spec ties a payment to its enrollment,
 * which cascades from the user. So each payment of their enrollments (and of enrollments that go
 * with their courses) is detached first: enrollment_id null, course_id the course that was sold
 * (null later if the course is deleted), anonymised_at now, and its metadata without any field that
 * names or reaches a person (user and enrollment ids, name, email, customer, address, phone). What
 * stays: amount, currency, status, the dates (created, refunded), refunded amount and the admin's
 * refund reason, payment method, the Stripe payment and session ids (how Stripe's own record,
 * which holds the card details we never do, is found), and the course. The admin payments table
 * shows them as "Deleted account"; a refund of one goes through Stripe's dashboard
 * (payments/refunds.ts refuses it here: there is no one left to notify or un-enroll).
 *
 * Files: the storage keys of every row that goes (STORAGE_KEY_COLUMNS, each with how its rows
 * belong to a user: OWNED_KEYS below; a new key column fails the type check until it is listed)
 * are read in the transaction, before the delete. After the commit (a rollback must not lose
 * files), keys that some remaining row still names are kept, and the rest deleted with their
 * derived copies; a failed delete is logged and left to jobs/collect-unreferenced-files.ts.
 *
 * The audit of a deletion is the system log, with the user's id only: activity_log rows need a
 * user who exists, and the person's own rows go with them.
 *
 * Races: the user's row is taken `for no key update skip locked` where the grace is over, so a
 * sign-in cancelling the deletion at that moment (features/accounts/sessions.ts
 * startDeviceSession, an UPDATE of the same row) either went first, and the row no longer matches
 * (the locking read re-checks the WHERE on the newest version of the row), or waits for this
 * transaction and then finds no user. `no key update` rather than `update`: the inserts that
 * reference the user (a sign-in's login_history row) need `key share` on the row, which it lets
 * through until the delete itself.
 */

export interface DeleteAccountsOptions {
  db: Database;
  storage: Storage;
  logger: Logger;
  now?: Date;
  /** Accounts deleted at most per run; the next run goes on. */
  limit?: number;
}

export interface DeleteAccountsResult {
  deleted: number;
  /** Skipped: a course with students, or the last admin (logged; tried again next run). */
  refused: number;
  filesDeleted: number;
  filesFailed: number;
}

type KeyColumn = (typeof STORAGE_KEY_COLUMNS)[number];
type ColumnId = KeyColumn extends infer C ? (C extends { table: infer T extends string; column: infer K extends string } ? `${T}.${K}` : never) : never;
type ArrayColumnId = (typeof STORAGE_KEY_ARRAY_COLUMNS)[number] extends infer C
  ? C extends { table: infer T extends string; column: infer K extends string }
    ? `${T}.${K}`
    : never
  : never;

/** The courses and lessons a user owns: they go with the user. */
const coursesOf = (u: string) => sql`select id from course where user_id = ${u}`;
const lessonsOf = (u: string) => sql`select l.id from lesson l join chapter ch on ch.id = l.chapter_id where ch.course_id in (${coursesOf(u)})`;

/** For each column that holds storage keys: its keys in rows that go when user `u` is deleted. */
const OWNED_KEYS: Record<ColumnId, (u: string) => RawBuilder<unknown>> = {
  'user.image': (u) => sql`select image from "user" where id = ${u}`,
  'course.fileKey': (u) => sql`select file_key from course where user_id = ${u}`,
  'lesson.thumbnailKey': (u) => sql`select thumbnail_key from lesson where id in (${lessonsOf(u)})`,
  'lesson.videoKey': (u) => sql`select video_key from lesson where id in (${lessonsOf(u)})`,
  'lessonAttachment.fileKey': (u) => sql`select file_key from lesson_attachment where lesson_id in (${lessonsOf(u)})`,
  'enrollment.certificateKey': (u) => sql`select certificate_key from enrollment where user_id = ${u} or course_id in (${coursesOf(u)})`,
  'assignment.fileKey': (u) => sql`select file_key from assignment where lesson_id in (${lessonsOf(u)})`,
  'assignmentSubmission.fileKey': (u) =>
    sql`select file_key from assignment_submission where user_id = ${u} or assignment_id in (select id from assignment where lesson_id in (${lessonsOf(u)}))`,
  'blog.coverImageKey': (u) => sql`select cover_image_key from blog where author_id = ${u}`,
  'videoTranscode.videoKey': (u) => sql`select video_key from video_transcode where lesson_id in (${lessonsOf(u)})`,
  'videoRendition.videoKey': (u) => sql`select video_key from video_rendition where video_key in (select video_key from video_transcode where lesson_id in (${lessonsOf(u)}))`,
};
const OWNED_KEY_ARRAYS: Record<ArrayColumnId, (u: string) => RawBuilder<unknown>> = {
  'announcement.attachmentKeys': (u) => sql`select unnest(attachment_keys) from announcement where created_by_id = ${u}`,
};

/** Our own keys only: `user.image` may be a provider's picture URL, never a stored file. */
const isOurKey = (key: string) => isSafeKey(key) && STORAGE_KINDS.some((kind) => key.startsWith(`${kind}/`));

async function keysOwnedBy(trx: Kysely<DB>, userId: string): Promise<string[]> {
  const parts = [...Object.values(OWNED_KEYS), ...Object.values(OWNED_KEY_ARRAYS)].map((query) => query(userId));
  const { rows } = await sql<{ key: string }>`
    select distinct k.key from (${sql.join(parts.map((p) => sql`(${p})`), sql` union all `)}) as k (key)
    where k.key is not null`.execute(trx);
  return rows.map((r) => r.key).filter(isOurKey);
}

/** Of `keys`, those some row still names (after the deletion's commit): one query. */
async function stillReferenced(trx: Kysely<DB>, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  // Tables and columns from the lists, not from input; hence the untyped view (as collect-unreferenced-files.ts).
  const q = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const asked = sql<string[]>`${keys}::text[]`;
  const [first, ...rest] = [
    ...STORAGE_KEY_COLUMNS.map(({ table, column }) => q.selectFrom(table).select(sql.ref<string>(column).as('key')).where(column, '=', sql<string>`any(${asked})`)),
    ...STORAGE_KEY_ARRAY_COLUMNS.map(({ table, column }) => q.selectFrom(table).select(sql<string>`unnest(${sql.ref(column)})`.as('key')).where(column, '&&', asked)),
  ];
  const rows = await rest.reduce((query, next) => query.union(next), first!).execute();
  return new Set(rows.map((r) => r.key as string));
}

/** Metadata fields that name or reach a person: removed from a kept payment (at any depth). */
const PERSONAL_FIELD = /name|email|customer|user|address|phone|enrollment|billing|shipping/i;

export function withoutPersonalFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPersonalFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !PERSONAL_FIELD.test(k)).map(([k, v]) => [k, withoutPersonalFields(v)]));
}

/** Detaches the payments of enrollments that go with the user (theirs, and those of their courses): kept, anonymised. */
async function anonymisePayments(trx: Kysely<DB>, userId: string): Promise<number> {
  const payments = await trx
    .selectFrom('paymentTransaction as p')
    .innerJoin('enrollment as e', 'e.id', 'p.enrollmentId')
    .select(['p.id', 'p.metadata', 'e.courseId'])
    .where((eb) => eb.or([eb('e.userId', '=', userId), eb('e.courseId', 'in', eb.selectFrom('course').select('id').where('userId', '=', userId))]))
    .forUpdate('p')
    .execute();
  for (const p of payments) {
    await trx
      .updateTable('paymentTransaction')
      .set({
        enrollmentId: null,
        courseId: p.courseId,
        anonymisedAt: sql<Date>`now()`,
        metadata: p.metadata === null ? null : JSON.stringify(withoutPersonalFields(p.metadata)),
      })
      .where('id', '=', p.id)
      .execute();
  }
  return payments.length;
}

type Outcome = { userId: string; deleted: true; keys: string[]; payments: number } | { userId: string; deleted: false; why: string };

/** The next account due, in this transaction; undefined when none is (or all due ones are locked or refused this run). */
async function deleteNext(trx: Kysely<DB>, cutoff: Date, skip: string[]): Promise<Outcome | undefined> {
  let pick = trx.selectFrom('user').select(['id', 'deletionRequestedAt']).where('deletionRequestedAt', '<=', cutoff);
  if (skip.length > 0) pick = pick.where('id', 'not in', skip);
  const user = await pick.orderBy('deletionRequestedAt').orderBy('id').limit(1).forNoKeyUpdate().skipLocked().executeTakeFirst();
  if (!user) return undefined;
  const userId = user.id;
  // The locking read re-checked the grace on the row's newest version; said once more, plainly.
  if (!user.deletionRequestedAt || new Date(user.deletionRequestedAt).getTime() > cutoff.getTime()) return { userId, deleted: false, why: 'cancelled' };

  // Workspaces of which they are SuperAdmin: locked as every membership change locks them
  // (workspaces/service.ts), so their SuperAdmin count holds still until this commits.
  const workspaces = await trx.selectFrom('membership').select('workspaceId').where('userId', '=', userId).where('role', '=', 'SuperAdmin').execute();
  if (workspaces.length > 0) {
    await trx.selectFrom('workspace').select('id').where('id', 'in', workspaces.map((w) => w.workspaceId).sort()).orderBy('id').forNoKeyUpdate().execute();
  }
  // The rule of the request, again: a teacher may have gained students during the grace.
  const state = await deletionState(trx, userId);
  if (isBlocked(state)) {
    const why = state.courses.length > 0 ? 'courses with students' : state.lastAdmin ? 'last admin' : 'last SuperAdmin of a workspace';
    return { userId, deleted: false, why };
  }

  const owned = await keysOwnedBy(trx, userId);
  const payments = await anonymisePayments(trx, userId);
  await trx.updateTable('announcement').set({ targetUserIds: sql<string[]>`array_remove(target_user_ids, ${userId}::uuid)` }).where('targetUserIds', '@>', sql<string[]>`array[${userId}]::uuid[]`).execute();
  // Their viewing as someone: the row is the other person's, and would outlive them as a plain sign-in.
  await trx.deleteFrom('session').where('impersonatedBy', '=', userId).execute();
  await trx.deleteFrom('verification').where('identifier', 'like', `%:${userId}`).execute();
  await trx
    .updateTable('activityLog')
    .set({ metadata: sql`metadata - array['email', 'name', 'firstName', 'lastName', 'studentName', 'studentEmail']` })
    .where('entityType', '=', 'user')
    .where('entityId', '=', userId)
    .where('metadata', 'is not', null)
    .execute();
  // Last, so that the row is held `for update` (which inserts referencing the user wait on, then
  // fail) only for the moment before the commit.
  await trx.deleteFrom('user').where('id', '=', userId).execute();
  return { userId, deleted: true, keys: owned, payments };
}

export async function deleteAccounts({ db, storage, logger, now = new Date(), limit = 50 }: DeleteAccountsOptions): Promise<DeleteAccountsResult> {
  const result: DeleteAccountsResult = { deleted: 0, refused: 0, filesDeleted: 0, filesFailed: 0 };
  const cutoff = new Date(now.getTime() - DELETION_GRACE_MS);
  const skip: string[] = [];
  while (result.deleted < limit) {
    // One user, one transaction: a failure rolls back that user alone.
    const outcome = await db.transaction().execute((trx) => deleteNext(trx, cutoff, skip));
    if (!outcome) break;
    if (!outcome.deleted) {
      skip.push(outcome.userId);
      if (outcome.why !== 'cancelled') {
        result.refused++;
        logger.warn({ userId: outcome.userId, why: outcome.why }, 'account deletion refused: it stays pending until the person signs in or the rule is met');
      }
      continue;
    }
    result.deleted++;
    // After the commit: a rolled-back deletion must keep its files. A key that a remaining row
    // still names stays (keys are never reused, so no row can come to name one later).
    const kept = await stillReferenced(db, outcome.keys);
    let deleted = 0;
    for (const key of outcome.keys.filter((k) => !kept.has(k)).flatMap(withDerivedKeys)) {
      try {
        await storage.delete(key);
        deleted++;
      } catch (err) {
        result.filesFailed++;
        logger.warn({ err, key }, 'could not delete a deleted account’s file: the unreferenced-file sweep will');
      }
    }
    result.filesDeleted += deleted;
    logger.info({ userId: outcome.userId, payments: outcome.payments, files: deleted }, 'account deleted');
  }
  return result;
}
