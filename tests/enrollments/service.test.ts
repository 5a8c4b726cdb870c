import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/types.ts';
import type { AuditContext } from '../../src/features/audit/activity.ts';
import {
  activateOnPayment,
  banStudent,
  cancelOnRefund,
  changeStatus,
  enrollFree,
  liftExpiredCourseBans,
  openPendingEnrollment,
  REASON_NEEDED,
  tagStudent,
  unbanStudent,
} from '../../src/features/enrollments/service.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createAdmin, createCourse, createEnrollment, createUser } from '../setup/factories.ts';

/**
 * The enrollments service on its own: every change writes exactly one activity_log row, in the
 * change's own transaction (a rollback leaves neither; an audit row that cannot be written undoes
 * the change), and a change to the state the row is already in writes none.
 */

const DAY = 86_400_000;

describe('enrollments service', () => {
  const t = useTestDatabase();

  const by = (actorId: string): AuditContext => ({ actorId, ipAddress: '203.0.113.5', userAgent: 'vitest' });
  /** An actor that does not exist: the audit insert fails on its foreign key, after the change was made. */
  const ghost = (): AuditContext => by(randomUUID());

  const stateOf = (id: string) =>
    t.db
      .selectFrom('enrollment')
      .select(['status', 'amount', 'banned', 'banType', 'banUntil', 'banReason', sql<string[]>`tags::text[]`.as('tags')])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const auditOf = (id: string) => t.db.selectFrom('activityLog').selectAll().where('entityId', '=', id).orderBy('createdAt').orderBy('id').execute();

  /** Runs `work` in a transaction that then fails: whatever it wrote must be gone. */
  async function inFailingTransaction(work: (trx: Transaction<DB>) => Promise<unknown>) {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await work(trx);
        throw new Error('the caller fails after the change');
      }),
    ).rejects.toThrow('the caller fails after the change');
  }

  async function paidEnrollment(status: 'Pending' | 'Active' = 'Pending') {
    const course = await createCourse(t.db, { price: 2500 });
    const enrollment = await createEnrollment(t.db, { courseId: course.id, status, amount: 2500 });
    const payment = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount: 2500, status: status === 'Active' ? 'Completed' : 'Pending' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { course, enrollment, paymentId: payment.id };
  }

  describe('enrollFree', () => {
    it('creates an Active enrollment with one enrollment_created row; again, nothing more', async () => {
      const student = await createUser(t.db);
      const course = await createCourse(t.db, { price: 0 });
      const first = await enrollFree(t.db, by(student.id), { userId: student.id, courseId: course.id });
      expect(first).toMatchObject({ ok: true, change: 'created' });
      const id = (first as { enrollmentId: string }).enrollmentId;
      expect(await stateOf(id)).toMatchObject({ status: 'Active', amount: 0 });
      expect(await enrollFree(t.db, by(student.id), { userId: student.id, courseId: course.id })).toMatchObject({ ok: true, change: 'unchanged' });
      const log = await auditOf(id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ action: 'enrollment_created', userId: student.id, entityType: 'enrollment', ipAddress: '203.0.113.5', userAgent: 'vitest' });
      expect(log[0]!.metadata).toMatchObject({ courseId: course.id, studentId: student.id, status: 'Active', amount: 0 });
    });

    it('takes a cancelled enrollment up again (enrollment_activated, from Cancelled); refuses a banned student and a paid course', async () => {
      const course = await createCourse(t.db, { price: 0 });
      const cancelled = await createEnrollment(t.db, { courseId: course.id, status: 'Cancelled' });
      expect(await enrollFree(t.db, by(cancelled.userId), { userId: cancelled.userId, courseId: course.id })).toMatchObject({ ok: true, change: 'activated' });
      expect((await stateOf(cancelled.id)).status).toBe('Active');
      expect((await auditOf(cancelled.id)).map((r) => [r.action, (r.metadata as { from: string }).from])).toEqual([['enrollment_activated', 'Cancelled']]);

      const banned = await createEnrollment(t.db, { courseId: course.id, status: 'Cancelled', banned: true, banType: 'Permanent', banReason: 'Cheating' });
      expect(await enrollFree(t.db, by(banned.userId), { userId: banned.userId, courseId: course.id })).toEqual({ ok: false, reason: 'banned' });
      expect((await stateOf(banned.id)).status).toBe('Cancelled');
      expect(await auditOf(banned.id)).toEqual([]);

      const paid = await createCourse(t.db, { price: 100 });
      const student = await createUser(t.db);
      expect(await enrollFree(t.db, by(student.id), { userId: student.id, courseId: paid.id })).toEqual({ ok: false, reason: 'not_free' });
      expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.id).execute()).toEqual([]);
    });

    it('an audit row that cannot be written undoes the enrollment', async () => {
      const student = await createUser(t.db);
      const course = await createCourse(t.db, { price: 0 });
      await expect(enrollFree(t.db, ghost(), { userId: student.id, courseId: course.id })).rejects.toThrow(/foreign key/);
      expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.id).execute()).toEqual([]);
    });
  });

  describe('openPendingEnrollment', () => {
    it('creates a Pending enrollment (one row), reopens a cancelled one at today price (one row), and changes nothing on a second click', async () => {
      const student = await createUser(t.db);
      const course = await createCourse(t.db, { price: 1500 });
      const open = (amount: number) => t.db.transaction().execute((trx) => openPendingEnrollment(trx, by(student.id), { userId: student.id, courseId: course.id, amount }));
      const first = await open(1500);
      expect(first.ok).toBe(true);
      const id = (first as { enrollmentId: string }).enrollmentId;
      await open(1500);
      expect((await auditOf(id)).map((r) => r.action)).toEqual(['enrollment_created']);

      await t.db.updateTable('enrollment').set({ status: 'Cancelled' }).where('id', '=', id).execute();
      await open(1800);
      expect(await stateOf(id)).toMatchObject({ status: 'Pending', amount: 1800 });
      const log = await auditOf(id);
      expect(log.map((r) => r.action)).toEqual(['enrollment_created', 'enrollment_status_changed']);
      expect(log[1]!.metadata).toMatchObject({ from: 'Cancelled', to: 'Pending', amount: 1800, previousAmount: 1500 });
    });

    it('refuses an Active or a banned enrollment, writing nothing', async () => {
      const course = await createCourse(t.db, { price: 1500 });
      const active = await createEnrollment(t.db, { courseId: course.id, status: 'Active' });
      const banned = await createEnrollment(t.db, { courseId: course.id, status: 'Cancelled', banned: true, banType: 'Permanent', banReason: 'Fraud' });
      for (const [e, reason] of [[active, 'active'], [banned, 'banned']] as const) {
        const result = await t.db.transaction().execute((trx) => openPendingEnrollment(trx, by(e.userId), { userId: e.userId, courseId: course.id, amount: 1500 }));
        expect(result).toEqual({ ok: false, reason });
        expect(await auditOf(e.id)).toEqual([]);
      }
    });

    it('is part of the caller transaction: when it fails, neither the enrollment nor the audit row stays', async () => {
      const student = await createUser(t.db);
      const course = await createCourse(t.db, { price: 1500 });
      await inFailingTransaction((trx) => openPendingEnrollment(trx, by(student.id), { userId: student.id, courseId: course.id, amount: 1500 }));
      expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.id).execute()).toEqual([]);
      expect(await t.db.selectFrom('activityLog').select('id').where('userId', '=', student.id).execute()).toEqual([]);
    });
  });

  describe('payments', () => {
    it('activateOnPayment: Active with one enrollment_activated row (transaction, via); already Active, nothing', async () => {
      const { enrollment, paymentId } = await paidEnrollment();
      const run = () => t.db.transaction().execute((trx) => activateOnPayment(trx, by(enrollment.userId), { enrollmentId: enrollment.id, transactionId: paymentId, amount: 2500, via: 'stripe' }));
      expect(await run()).toBe(true);
      expect(await run()).toBe(false);
      expect((await stateOf(enrollment.id)).status).toBe('Active');
      const log = await auditOf(enrollment.id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ action: 'enrollment_activated', userId: enrollment.userId });
      expect(log[0]!.metadata).toMatchObject({ from: 'Pending', to: 'Active', transactionId: paymentId, via: 'stripe' });
    });

    it('activateOnPayment in a failing transaction leaves the enrollment Pending and no audit row', async () => {
      const { enrollment, paymentId } = await paidEnrollment();
      await inFailingTransaction((trx) => activateOnPayment(trx, by(enrollment.userId), { enrollmentId: enrollment.id, transactionId: paymentId, amount: 2500 }));
      expect((await stateOf(enrollment.id)).status).toBe('Pending');
      expect(await auditOf(enrollment.id)).toEqual([]);
    });

    it('cancelOnRefund: Cancelled with one row keeping the reason; not while another payment stands; a failing transaction leaves neither', async () => {
      const admin = await createAdmin(t.db);
      const { enrollment, paymentId } = await paidEnrollment('Active');
      await inFailingTransaction((trx) => cancelOnRefund(trx, by(admin.id), { enrollmentId: enrollment.id, refundedTransactionId: paymentId }));
      expect((await stateOf(enrollment.id)).status).toBe('Active');
      expect(await auditOf(enrollment.id)).toEqual([]);

      // A second, still Completed payment (a duplicate checkout): refunding one keeps the enrollment.
      const second = await t.db.insertInto('paymentTransaction').values({ enrollmentId: enrollment.id, amount: 2500, status: 'Completed' }).returning('id').executeTakeFirstOrThrow();
      const cancel = (refunded: string) =>
        t.db.transaction().execute((trx) => cancelOnRefund(trx, by(admin.id), { enrollmentId: enrollment.id, refundedTransactionId: refunded, reason: 'Paid twice' }));
      expect(await cancel(second.id)).toBe(false);
      expect((await stateOf(enrollment.id)).status).toBe('Active');

      await t.db.updateTable('paymentTransaction').set({ status: 'Refunded' }).where('id', '=', second.id).execute();
      expect(await cancel(paymentId)).toBe(true);
      expect(await cancel(paymentId)).toBe(false);
      expect((await stateOf(enrollment.id)).status).toBe('Cancelled');
      const log = await auditOf(enrollment.id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ action: 'enrollment_cancelled', userId: admin.id });
      expect(log[0]!.metadata).toMatchObject({ from: 'Active', to: 'Cancelled', transactionId: paymentId, reason: 'Paid twice' });
    });
  });

  describe('changeStatus (admin)', () => {
    it('activating an unpaid, not free enrollment needs a reason: refused without one, nothing written', async () => {
      const admin = await createAdmin(t.db);
      const { enrollment } = await paidEnrollment();
      for (const reason of [undefined, '', '   ', 'ok']) {
        const result = await changeStatus(t.db, by(admin.id), { enrollmentId: enrollment.id, status: 'Active', reason });
        expect(result).toEqual({ ok: false, problem: 'invalid', errors: { reason: REASON_NEEDED } });
      }
      expect((await stateOf(enrollment.id)).status).toBe('Pending');
      expect(await auditOf(enrollment.id)).toEqual([]);

      expect(await changeStatus(t.db, by(admin.id), { enrollmentId: enrollment.id, status: 'Active', reason: '  Paid by bank transfer, receipt 42 ' })).toEqual({
        ok: true,
        changed: true,
        from: 'Pending',
        to: 'Active',
      });
      const log = await auditOf(enrollment.id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ action: 'enrollment_status_changed', userId: admin.id });
      expect(log[0]!.metadata).toMatchObject({ from: 'Pending', to: 'Active', reason: 'Paid by bank transfer, receipt 42', paidOrFree: false });
    });

    it('a paid or a free enrollment activates without a reason; cancelling never needs one; the same status again is no change', async () => {
      const admin = await createAdmin(t.db);
      const { enrollment: paid } = await paidEnrollment('Active');
      const free = await createEnrollment(t.db, { courseId: (await createCourse(t.db, { price: 0 })).id, status: 'Cancelled' });
      // Bought when it had a price; the course is free now.
      const nowFree = await createEnrollment(t.db, { courseId: (await createCourse(t.db, { price: 0 })).id, status: 'Cancelled', amount: 900 });
      const change = (id: string, status: 'Active' | 'Cancelled') => changeStatus(t.db, by(admin.id), { enrollmentId: id, status });
      expect(await change(paid.id, 'Cancelled')).toMatchObject({ ok: true, changed: true });
      expect(await change(paid.id, 'Active')).toMatchObject({ ok: true, changed: true });
      expect(await change(paid.id, 'Active')).toEqual({ ok: true, changed: false, from: 'Active', to: 'Active' });
      expect(await change(free.id, 'Active')).toMatchObject({ ok: true, changed: true });
      expect(await change(nowFree.id, 'Active')).toMatchObject({ ok: true, changed: true });
      expect((await auditOf(paid.id)).map((r) => r.metadata)).toMatchObject([
        { from: 'Active', to: 'Cancelled', reason: null, paidOrFree: true },
        { from: 'Cancelled', to: 'Active', reason: null, paidOrFree: true },
      ]);
      expect(await auditOf(free.id)).toHaveLength(1);
      expect(await auditOf(nowFree.id)).toHaveLength(1);
      expect(await changeStatus(t.db, by(admin.id), { enrollmentId: randomUUID(), status: 'Active' })).toEqual({ ok: false, problem: 'not_found' });
    });

    it('an audit row that cannot be written undoes the change', async () => {
      const { enrollment } = await paidEnrollment('Active');
      await expect(changeStatus(t.db, ghost(), { enrollmentId: enrollment.id, status: 'Cancelled' })).rejects.toThrow(/foreign key/);
      expect((await stateOf(enrollment.id)).status).toBe('Active');
    });

    it('many admins changing one enrollment at once: one after the other, and the audit trail chains', async () => {
      const admins = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createAdmin(t.db)));
      const { enrollment } = await paidEnrollment('Active');
      const wanted = admins.map((_, i) => (i % 2 ? 'Active' : 'Cancelled') as 'Active' | 'Cancelled');
      const results = await Promise.all(admins.map((a, i) => changeStatus(t.db, by(a.id), { enrollmentId: enrollment.id, status: wanted[i]! })));
      const changed = results.filter((r) => r.ok && r.changed);
      const log = await auditOf(enrollment.id);
      // One row per change that took effect, none for the no-ops.
      expect(log).toHaveLength(changed.length);
      expect(changed.length).toBeGreaterThanOrEqual(1);
      // Serialised by the row lock: every row is a real change from the state before it, so (two
      // states) the rows alternate, starting from Active, and the last one is the state kept.
      // activity_log.created_at is each transaction's start, not its commit, so rows that waited on
      // the lock cannot be put in order by it: count instead of ordering.
      const moves = log.map((row) => row.metadata as { from: string; to: string });
      for (const m of moves) expect(m.to).not.toBe(m.from);
      const fromActive = moves.filter((m) => m.from === 'Active').length;
      expect(fromActive).toBe(Math.ceil(moves.length / 2));
      expect(moves.length - fromActive).toBe(Math.floor(moves.length / 2));
      const status = moves.length % 2 ? 'Cancelled' : 'Active';
      expect((await stateOf(enrollment.id)).status).toBe(status);

      // Two admins cancelling at once: one change, one audit row.
      const { enrollment: other } = await paidEnrollment('Active');
      const both = await Promise.all(admins.slice(0, 2).map((a) => changeStatus(t.db, by(a.id), { enrollmentId: other.id, status: 'Cancelled' })));
      expect(both.map((r) => r.ok && r.changed).sort()).toEqual([false, true]);
      expect(await auditOf(other.id)).toHaveLength(1);
    });
  });

  describe('tags and bans', () => {
    it('tag, ban and unban write one row each with the course and the student; a second unban writes nothing', async () => {
      const teacher = await createUser(t.db, { role: 'teacher' });
      const e = await createEnrollment(t.db);
      const until = new Date(Date.now() + 3 * DAY);
      expect(await tagStudent(t.db, by(teacher.id), { enrollmentId: e.id, tags: ['NeedsHelp'] })).toBe(true);
      expect(await banStudent(t.db, by(teacher.id), { enrollmentId: e.id, banType: 'Temporary', banUntil: until, reason: 'Spam' })).toBe(true);
      expect(await stateOf(e.id)).toMatchObject({ tags: ['NeedsHelp'], banned: true, banType: 'Temporary', banUntil: until, banReason: 'Spam' });
      expect(await unbanStudent(t.db, by(teacher.id), { enrollmentId: e.id })).toBe(true);
      expect(await unbanStudent(t.db, by(teacher.id), { enrollmentId: e.id })).toBe(false);
      expect(await stateOf(e.id)).toMatchObject({ banned: false, banType: null, banUntil: null, banReason: null });
      const log = await auditOf(e.id);
      expect(log.map((r) => r.action)).toEqual(['student_tagged', 'student_banned', 'student_unbanned']);
      for (const row of log) expect(row.metadata).toMatchObject({ courseId: e.courseId, studentId: e.userId });
      // The lifted ban is kept in its row.
      expect(log[2]!.metadata).toMatchObject({ banType: 'Temporary', reason: 'Spam' });
      expect(await tagStudent(t.db, by(teacher.id), { enrollmentId: randomUUID(), tags: [] })).toBe(false);
    });

    it('an audit row that cannot be written undoes a tag, a ban and an unban', async () => {
      const e = await createEnrollment(t.db, { tags: ['TopPerformer'] });
      await expect(tagStudent(t.db, ghost(), { enrollmentId: e.id, tags: ['SlowLearner'] })).rejects.toThrow(/foreign key/);
      await expect(banStudent(t.db, ghost(), { enrollmentId: e.id, banType: 'Permanent', banUntil: null, reason: 'Nope' })).rejects.toThrow(/foreign key/);
      expect(await stateOf(e.id)).toMatchObject({ tags: ['TopPerformer'], banned: null });
      const banned = await createEnrollment(t.db, { banned: true, banType: 'Permanent', banReason: 'Fraud' });
      await expect(unbanStudent(t.db, ghost(), { enrollmentId: banned.id })).rejects.toThrow(/foreign key/);
      expect((await stateOf(banned.id)).banned).toBe(true);
      expect(await t.db.selectFrom('activityLog').select('id').where('entityId', 'in', [e.id, banned.id]).execute()).toEqual([]);
    });

    it('liftExpiredCourseBans lifts temporary bans whose end has passed, one row each, in the student name', async () => {
      const past = await createEnrollment(t.db, { banned: true, banType: 'Temporary', banUntil: new Date(Date.now() - DAY), banReason: 'Spam' });
      const future = await createEnrollment(t.db, { banned: true, banType: 'Temporary', banUntil: new Date(Date.now() + DAY), banReason: 'Spam' });
      const permanent = await createEnrollment(t.db, { banned: true, banType: 'Permanent', banReason: 'Fraud' });
      expect(await liftExpiredCourseBans(t.db)).toBeGreaterThanOrEqual(1);
      expect((await stateOf(past.id)).banned).toBe(false);
      expect((await stateOf(future.id)).banned).toBe(true);
      expect((await stateOf(permanent.id)).banned).toBe(true);
      const log = await auditOf(past.id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ action: 'student_unbanned', userId: past.userId, ipAddress: null });
      expect(log[0]!.metadata).toMatchObject({ via: 'expiry' });
      expect(await auditOf(future.id)).toEqual([]);
    });
  });
});
