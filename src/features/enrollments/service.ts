import { sql, type Kysely, type Transaction } from 'kysely';
import { msg } from '../../i18n/catalogue.ts';
import type { Database } from '../../db/database.ts';
import type { Bantype, DB, Enrollmentstatus, Studenttag } from '../../db/types.ts';
import { recordActivity, systemAudit, type AuditAction, type AuditContext } from '../audit/activity.ts';

/**
 * Enrollment state: its status (Pending, Active, Cancelled), the course ban and the teacher's tags.
 * This module is the only writer of those columns (tests/enrollments/ownership.test.ts reads src/
 * to keep it so), and every change writes its activity_log row in the same transaction: a change
 * that rolls back leaves no audit row, and an audit row that cannot be written undoes the change.
 *
 * Functions that must be part of a caller's transaction (checkout, Stripe events, refunds) take a
 * `Transaction<DB>`; the others open their own. None knows about HTTP: the route (or the webhook)
 * says who acts in an AuditContext.
 *
 * Concurrency: a status change locks the enrollment row (`select ... for update`) and decides from
 * what it finds under the lock, so two changes of one enrollment run one after the other and the
 * second sees the first's result. A change to the state the row is already in is a no-op and writes
 * no audit row: two admins cancelling at once leave one row; one activating while another cancels
 * leave two, the second's `from` being the first's `to` (the trail always chains).
 */

type Trx = Transaction<DB>;
export type EnrollmentStatus = Enrollmentstatus;

/** The columns every audit row of an enrollment names: which course, whose enrollment. */
interface Subject {
  id: string;
  courseId: string;
  userId: string;
}

/** The audit row of one change: entity `enrollment`, with the course and the student in its metadata. */
function audit(trx: Kysely<DB>, who: AuditContext, action: AuditAction, row: Subject, metadata: Record<string, unknown> = {}) {
  return recordActivity(trx, who, {
    action,
    entityType: 'enrollment',
    entityId: row.id,
    metadata: { courseId: row.courseId, studentId: row.userId, ...metadata },
  });
}

const lockColumns = ['id', 'courseId', 'userId', 'status', 'amount', 'banned', 'banType', 'banUntil', 'banReason'] as const;

/** The enrollment, locked until the transaction ends; undefined when there is none. */
function lock(trx: Trx, enrollmentId: string) {
  return trx.selectFrom('enrollment').select(lockColumns).where('id', '=', enrollmentId).forUpdate().executeTakeFirst();
}

function lockOf(trx: Trx, userId: string, courseId: string) {
  return trx.selectFrom('enrollment').select(lockColumns).where('userId', '=', userId).where('courseId', '=', courseId).forUpdate().executeTakeFirstOrThrow();
}

/**
 * "Paid or free", the rule an admin activation is judged by, in SQL (for the admin table) and used
 * by changeStatus below: a Completed payment of the enrollment, or nothing to pay (the enrollment's
 * amount, or its course's price today, is 0). A part refund leaves a payment Completed: still paid.
 */
export function paidOrFree(enrollmentAlias: string) {
  const e = (column: string) => sql.ref(`${enrollmentAlias}.${column}`);
  return sql<boolean>`(${e('amount')} = 0
    or exists (select 1 from course where course.id = ${e('courseId')} and course.price = 0)
    or exists (select 1 from payment_transaction pt where pt.enrollment_id = ${e('id')} and pt.status = 'Completed'))`;
}

// ---------------------------------------------------------------------------------------------
// Joining: free, or a Pending enrollment that a payment will activate.

export type FreeEnrollment =
  | { ok: true; enrollmentId: string; change: 'created' | 'activated' | 'unchanged' }
  | { ok: false; reason: 'banned' | 'not_free' };

/** A free course: Active at once. A course ban stays in place (the student is refused). */
export function enrollFree(db: Database, who: AuditContext, input: { userId: string; courseId: string }): Promise<FreeEnrollment> {
  return db.transaction().execute(async (trx): Promise<FreeEnrollment> => {
    const course = await trx.selectFrom('course').select('price').where('id', '=', input.courseId).executeTakeFirst();
    if (!course || course.price > 0) return { ok: false, reason: 'not_free' };
    const inserted = await trx
      .insertInto('enrollment')
      .values({ userId: input.userId, courseId: input.courseId, amount: 0, status: 'Active' })
      .onConflict((oc) => oc.columns(['userId', 'courseId']).doNothing())
      .returning(['id', 'courseId', 'userId'])
      .executeTakeFirst();
    if (inserted) {
      await audit(trx, who, 'enrollment_created', inserted, { status: 'Active', amount: 0 });
      return { ok: true, enrollmentId: inserted.id, change: 'created' };
    }
    // Enrolled before (cancelled, or pending when the course still had a price): taken up again.
    const row = await lockOf(trx, input.userId, input.courseId);
    if (row.banned) return { ok: false, reason: 'banned' };
    if (row.status === 'Active') return { ok: true, enrollmentId: row.id, change: 'unchanged' };
    await trx.updateTable('enrollment').set({ status: 'Active', amount: 0 }).where('id', '=', row.id).execute();
    await audit(trx, who, 'enrollment_activated', row, { from: row.status, to: 'Active', amount: 0 });
    return { ok: true, enrollmentId: row.id, change: 'activated' };
  });
}

export type PendingEnrollment = { ok: true; enrollmentId: string } | { ok: false; reason: 'active' | 'banned' };

/**
 * A paid course: the student's enrollment made Pending at `amount` (today's price), in the caller's
 * transaction and locked until it ends, so two checkouts of one student queue on it. A cancelled
 * enrollment (refunded, say) may be bought again. Clicking again changes (and logs) nothing.
 */
export async function openPendingEnrollment(trx: Trx, who: AuditContext, input: { userId: string; courseId: string; amount: number }): Promise<PendingEnrollment> {
  const inserted = await trx
    .insertInto('enrollment')
    .values({ userId: input.userId, courseId: input.courseId, amount: input.amount, status: 'Pending' })
    .onConflict((oc) => oc.columns(['userId', 'courseId']).doNothing())
    .returning(['id', 'courseId', 'userId'])
    .executeTakeFirst();
  if (inserted) {
    await audit(trx, who, 'enrollment_created', inserted, { status: 'Pending', amount: input.amount });
    return { ok: true, enrollmentId: inserted.id };
  }
  const row = await lockOf(trx, input.userId, input.courseId);
  if (row.status === 'Active') return { ok: false, reason: 'active' };
  if (row.banned) return { ok: false, reason: 'banned' };
  if (row.status !== 'Pending' || row.amount !== input.amount) {
    await trx.updateTable('enrollment').set({ status: 'Pending', amount: input.amount }).where('id', '=', row.id).execute();
    await audit(trx, who, 'enrollment_status_changed', row, { from: row.status, to: 'Pending', amount: input.amount, previousAmount: row.amount });
  }
  return { ok: true, enrollmentId: row.id };
}

// ---------------------------------------------------------------------------------------------
// Payments: the caller (payments/events.ts, payments/refunds.ts) holds the payment's lock.

/**
 * A payment went through: the enrollment is Active (whatever it was), at the amount that payment
 * charged. A checkout opened in another tab at a newer price set the Pending enrollment's amount to
 * that price; when the older tab is the one paid, the enrollment records what was paid, not what
 * was asked later. False when it was Active already.
 */
export async function activateOnPayment(
  trx: Trx,
  who: AuditContext,
  input: { enrollmentId: string; transactionId: string; amount: number; via?: 'stripe' },
): Promise<boolean> {
  const row = await lock(trx, input.enrollmentId);
  if (!row || row.status === 'Active') return false;
  await trx.updateTable('enrollment').set({ status: 'Active', amount: input.amount }).where('id', '=', row.id).execute();
  await audit(trx, who, 'enrollment_activated', row, {
    from: row.status,
    to: 'Active',
    transactionId: input.transactionId,
    via: input.via,
    ...(row.amount !== input.amount ? { amount: input.amount, previousAmount: row.amount } : {}),
  });
  return true;
}

/**
 * A payment was refunded in full: the enrollment is Cancelled, unless another payment of it still
 * stands (two Checkout Sessions both paid, and the duplicate was refunded). False when nothing changed.
 */
export async function cancelOnRefund(
  trx: Trx,
  who: AuditContext,
  input: { enrollmentId: string; refundedTransactionId: string; reason?: string; via?: 'stripe' },
): Promise<boolean> {
  const row = await lock(trx, input.enrollmentId);
  if (!row || row.status === 'Cancelled') return false;
  const otherPayment = await trx
    .selectFrom('paymentTransaction')
    .select('id')
    .where('enrollmentId', '=', row.id)
    .where('id', '<>', input.refundedTransactionId)
    .where('status', '=', 'Completed')
    .limit(1)
    .executeTakeFirst();
  if (otherPayment) return false;
  await trx.updateTable('enrollment').set({ status: 'Cancelled' }).where('id', '=', row.id).execute();
  await audit(trx, who, 'enrollment_cancelled', row, {
    from: row.status,
    to: 'Cancelled',
    transactionId: input.refundedTransactionId,
    reason: input.reason,
    via: input.via,
  });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Admin: cancel or activate by hand.

export const REASON_MIN = 3;
export const REASON_NEEDED = msg('Give a reason of at least 3 characters: this enrollment is not free and has no completed payment.');

export type StatusChange =
  | { ok: true; changed: boolean; from: EnrollmentStatus; to: EnrollmentStatus }
  | { ok: false; problem: 'not_found' }
  | { ok: false; problem: 'invalid'; errors: { reason: string } };

/**
 * An admin sets an enrollment Active or Cancelled. Activating one that is neither paid nor free
 * needs a reason (the audit row keeps it); any other change may carry one. Setting the status it
 * already has is no change and writes nothing.
 */
export function changeStatus(db: Database, who: AuditContext, input: { enrollmentId: string; status: 'Active' | 'Cancelled'; reason?: string }): Promise<StatusChange> {
  const reason = input.reason?.trim() || undefined;
  return db.transaction().execute(async (trx): Promise<StatusChange> => {
    const row = await trx
      .selectFrom('enrollment as e')
      .select(['e.id', 'e.courseId', 'e.userId', 'e.status', paidOrFree('e').as('paidOrFree')])
      .where('e.id', '=', input.enrollmentId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, problem: 'not_found' };
    const from = row.status;
    if (from === input.status) return { ok: true, changed: false, from, to: input.status };
    if (input.status === 'Active' && !row.paidOrFree && (reason?.length ?? 0) < REASON_MIN) {
      return { ok: false, problem: 'invalid', errors: { reason: REASON_NEEDED } };
    }
    await trx.updateTable('enrollment').set({ status: input.status }).where('id', '=', row.id).execute();
    await audit(trx, who, 'enrollment_status_changed', row, { from, to: input.status, reason: reason ?? null, paidOrFree: row.paidOrFree });
    return { ok: true, changed: true, from, to: input.status };
  });
}

// ---------------------------------------------------------------------------------------------
// The students table: tags and course bans (a teacher of the course, or an admin).

/** Replaces the enrollment's tags; false when there is no such enrollment. */
export function tagStudent(db: Database, who: AuditContext, input: { enrollmentId: string; tags: readonly Studenttag[] }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('enrollment')
      .set({ tags: [...input.tags] })
      .where('id', '=', input.enrollmentId)
      .returning(['id', 'courseId', 'userId'])
      .executeTakeFirst();
    if (row) await audit(trx, who, 'student_tagged', row, { tags: input.tags });
    return row !== undefined;
  });
}

export interface Ban {
  banType: Bantype;
  /** The end of a Temporary ban; null for a Permanent one. */
  banUntil: Date | null;
  reason: string;
}

/** Bans the student from the course (a new ban replaces the one in place); false when there is no such enrollment. */
export function banStudent(db: Database, who: AuditContext, input: { enrollmentId: string } & Ban): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('enrollment')
      .set({ banned: true, banType: input.banType, banUntil: input.banUntil, banReason: input.reason })
      .where('id', '=', input.enrollmentId)
      .returning(['id', 'courseId', 'userId'])
      .executeTakeFirst();
    if (row) await audit(trx, who, 'student_banned', row, { banType: input.banType, banUntil: input.banUntil, reason: input.reason });
    return row !== undefined;
  });
}

/** Lifts the ban; false when there was none to lift (a second click logs nothing). */
export function unbanStudent(db: Database, who: AuditContext, input: { enrollmentId: string }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await lock(trx, input.enrollmentId);
    if (!row?.banned) return false;
    await trx.updateTable('enrollment').set({ banned: false, banType: null, banUntil: null, banReason: null }).where('id', '=', row.id).execute();
    await audit(trx, who, 'student_unbanned', row, { banType: row.banType, banUntil: row.banUntil, reason: row.banReason });
    return true;
  });
}

/**
 * Temporary course bans whose end has passed are lifted (for the cron job; permanent bans never
 * are). Nobody acts, so each audit row names the student it is done for, with `via: 'expiry'`.
 * The cron job runs it inside its tick's transaction (jobs/schedule.ts, runOncePerTick), where
 * Kysely refuses to open another: given a transaction, the work joins it.
 */
export function liftExpiredCourseBans(db: Database, now = new Date()): Promise<number> {
  const lift = async (trx: Database) => {
    const lifted = await trx
      .updateTable('enrollment')
      .set({ banned: false, banType: null, banReason: null, banUntil: null })
      .where('banned', '=', true)
      .where('banType', '=', 'Temporary')
      .where('banUntil', '<=', now)
      .returning(['id', 'courseId', 'userId'])
      .execute();
    for (const row of lifted) await audit(trx, systemAudit(row.userId), 'student_unbanned', row, { via: 'expiry' });
    return lifted.length;
  };
  return db.isTransaction ? lift(db) : db.transaction().execute(lift);
}
