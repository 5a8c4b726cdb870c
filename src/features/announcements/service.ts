import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Announcement, Announcementstatus as Status, Announcementtargetrole as TargetRole, DB } from '../../db/types.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { recordActivity, systemAudit, type AuditContext, type AuditAction } from '../audit/activity.ts';
import { mailDefaultSql } from '../notifications/notify.ts';
import { markMailQueued } from '../notifications/outbox.ts';
import { audienceOfSql } from './audience.ts';
import type { AnnouncementInput } from './schemas.ts';

/**
 * The writers' side of announcements, and the only code that writes `announcement.status`:
 *
 *   Draft -> Scheduled  saved with "publish" and a scheduledAt in the future
 *   Draft/Scheduled -> Published  "Publish now", saved with "publish" and no or a past scheduledAt
 *                       (published at once), or the publish-announcements job when scheduledAt comes
 *   Published -> Expired  "End now", or the job when expiresAt comes (a Scheduled one whose end
 *                       passed before it was published goes straight to Expired, mailing no one)
 *   Scheduled -> Draft   saved with "draft" (unscheduled)
 *
 * Editing a Published announcement keeps it Published, its read marks and its viewCount. An
 * Expired one is no longer edited. Deleting: Draft and Scheduled by their writers, any by an admin.
 * Each change is one transaction with its audit row; becoming Published while urgent queues the
 * audience's mails in that same transaction (queueUrgentMail), which the outbox sends after commit.
 *
 * A writer works in a scope: an admin anywhere, a teacher (on /teach/courses/:courseId) only on
 * announcements to the students of that one course. Outside its scope an announcement is "not
 * found", whatever its id.
 */

export type WriterScope = { kind: 'admin' } | { kind: 'course'; courseId: string };

export type Row = Selectable<Announcement>;

/**
 * A refusal: `message` (and each of `errors`) is an English catalogue message, translated where it
 * is shown, with its ICU values in `values` (and `errorValues`).
 */
export type Refused = { ok: false; status: 404 | 409 | 422; message: string; values?: MessageValues; errors?: FieldErrors; errorValues?: Record<string, MessageValues> };
export type Done<T> = ({ ok: true } & T) | Refused;

/** Most files one announcement carries. */
export const ATTACHMENTS_MAX = 5;

const notFound: Refused = { ok: false, status: 404, message: msg('We could not find that announcement.') };

/** Runs `work` in a transaction, or in the caller's when `db` already is one (the job's tick). */
function inTransaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<DB>) => work(trx));
}

/** Leaves a transaction with an answer, rolling back what it wrote. */
class Refusal extends Error {
  constructor(readonly result: Refused) {
    super('refused');
  }
}

async function refusable<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<Done<T>>): Promise<Done<T>> {
  try {
    return await inTransaction(db, work);
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    throw error;
  }
}

/** One announcement in the writer's scope, locked for the change about to be made. */
async function lockInScope(trx: Kysely<DB>, scope: WriterScope, id: string): Promise<Row | undefined> {
  let q = trx.selectFrom('announcement').selectAll().where('id', '=', id);
  if (scope.kind === 'course') q = q.where('targetRole', '=', 'CourseStudents').where('targetCourseId', '=', scope.courseId);
  return q.forUpdate().executeTakeFirst();
}

/** The stored HTML: the shared sanitiser; images only of the announcement's own attached files. */
export function announcementHtml(markdown: string, attachmentKeys: readonly string[]): string {
  return renderMarkdown(markdown, { allowImage: (src) => src.startsWith('/media/') && attachmentKeys.includes(src.slice('/media/'.length)) });
}

interface Targets {
  targetRole: TargetRole;
  targetCourseId: string | null;
  targetUserIds: string[];
}

const TEACHER_ONLY_COURSE = msg("From a course's page an announcement goes to the students of that course only.");

/** The audience's problems: messages by field, and the values of those that name addresses. */
interface TargetProblems {
  problems: FieldErrors;
  values?: Record<string, MessageValues>;
}

const problem = (field: string, message: string, values?: MessageValues): TargetProblems => ({ problems: { [field]: message }, ...(values ? { values: { [field]: values } } : {}) });

/** The named addresses that failed: one whole message for each case, by the role asked for. */
const ADDRESS_PROBLEMS = {
  student: {
    unknown: msg('{count, plural, one {No account has this address: {unknown}.} other {No account has these addresses: {unknown}.}}'),
    wrongRole: msg('Not a student: {wrong}.'),
    both: msg('{count, plural, one {No account has this address: {unknown}.} other {No account has these addresses: {unknown}.}} Not a student: {wrong}.'),
  },
  teacher: {
    unknown: msg('{count, plural, one {No account has this address: {unknown}.} other {No account has these addresses: {unknown}.}}'),
    wrongRole: msg('Not a teacher: {wrong}.'),
    both: msg('{count, plural, one {No account has this address: {unknown}.} other {No account has these addresses: {unknown}.}} Not a teacher: {wrong}.'),
  },
} as const;

/**
 * The audience the form asked for, checked against the scope and the database: a teacher's is
 * their course's students or a 422 (never widened, never quietly narrowed); a course must exist;
 * named people must exist with the matching role, else a 422 naming each address that failed.
 */
async function resolveTargets(trx: Kysely<DB>, scope: WriterScope, input: AnnouncementInput): Promise<Targets | TargetProblems> {
  if (scope.kind === 'course') {
    if (input.targetRole !== 'CourseStudents') return problem('targetRole', TEACHER_ONLY_COURSE);
    if (input.targetCourseId !== null && input.targetCourseId !== scope.courseId) return problem('targetCourseId', TEACHER_ONLY_COURSE);
    return { targetRole: 'CourseStudents', targetCourseId: scope.courseId, targetUserIds: [] };
  }
  switch (input.targetRole) {
    case 'CourseStudents': {
      if (!input.targetCourseId) return problem('targetCourseId', msg('Choose the course whose students it is for.'));
      const course = await trx.selectFrom('course').select('id').where('id', '=', input.targetCourseId).executeTakeFirst();
      if (!course) return problem('targetCourseId', msg('That course no longer exists: choose another.'));
      return { targetRole: 'CourseStudents', targetCourseId: course.id, targetUserIds: [] };
    }
    case 'SpecificStudents':
    case 'SpecificTeachers': {
      const role = input.targetRole === 'SpecificStudents' ? 'student' : 'teacher';
      const emails = input.targetUserIds;
      if (emails.length === 0) return problem('targetUserIds', role === 'student' ? msg('Name at least one student by email address.') : msg('Name at least one teacher by email address.'));
      const found = await trx
        .selectFrom('user')
        .select(['id', 'role', sql<string>`lower(email)`.as('email')])
        .where(sql<string>`lower(email)`, 'in', emails)
        .execute();
      const byEmail = new Map(found.map((u) => [u.email, u]));
      const unknown = emails.filter((e) => !byEmail.has(e));
      const wrongRole = emails.filter((e) => byEmail.has(e) && byEmail.get(e)!.role !== role);
      if (unknown.length || wrongRole.length) {
        const which = unknown.length && wrongRole.length ? 'both' : unknown.length ? 'unknown' : 'wrongRole';
        return problem('targetUserIds', ADDRESS_PROBLEMS[role][which], { count: unknown.length, unknown: unknown.join(', '), wrong: wrongRole.join(', ') });
      }
      return { targetRole: input.targetRole, targetCourseId: null, targetUserIds: emails.map((e) => byEmail.get(e)!.id) };
    }
    default:
      return { targetRole: input.targetRole, targetCourseId: null, targetUserIds: [] };
  }
}

const isErrors = (value: Targets | TargetProblems): value is TargetProblems => 'problems' in value;

/**
 * The status a save leads to, and when it was published. `current` is undefined for a new one.
 * A Published one stays Published (its scheduledAt is history, not a plan).
 */
function nextStatus(
  current: Row | undefined,
  input: AnnouncementInput,
  now: Date,
): { next: { status: Status; scheduledAt: Date | null; publishedAt: Date | null }; errors: FieldErrors } {
  const ok = (status: Status, scheduledAt: Date | null, publishedAt: Date | null) => ({ next: { status, scheduledAt, publishedAt }, errors: {} });
  if (current?.status === 'Published') return ok('Published', current.scheduledAt, current.publishedAt);
  const intent = input.intent === 'save' ? (current?.status === 'Scheduled' ? 'publish' : 'draft') : input.intent;
  if (intent === 'draft') return ok('Draft', input.scheduledAt, null);
  if (current?.status === 'Scheduled' && input.intent === 'save' && !input.scheduledAt) {
    return { ...ok('Scheduled', null, null), errors: { scheduledAt: msg('Choose when to publish it; or publish it now, or move it back to draft.') } };
  }
  if (input.scheduledAt && input.scheduledAt > now) return ok('Scheduled', input.scheduledAt, null);
  // No time, or a time already past: published at once.
  return ok('Published', input.scheduledAt, now);
}

function checkExpiry(expiresAt: Date | null, scheduledAt: Date | null, now: Date): FieldErrors {
  if (!expiresAt) return {};
  if (expiresAt <= now) return { expiresAt: msg('The end must be in the future (to end it now, use End now).') };
  if (scheduledAt && expiresAt <= scheduledAt) return { expiresAt: msg('The end must come after the publishing time.') };
  return {};
}

const STATUS_ACTION: Partial<Record<Status, AuditAction>> = { Scheduled: 'announcement_scheduled', Published: 'announcement_published', Expired: 'announcement_expired' };

async function audit(trx: Kysely<DB>, ctx: AuditContext, action: AuditAction, row: Pick<Row, 'id' | 'title'>, metadata: Record<string, unknown> = {}) {
  await recordActivity(trx, ctx, { action, entityType: 'announcement', entityId: row.id, metadata: { title: row.title, ...metadata } });
}

/**
 * Queues the urgent mail of a Published announcement for each person in its audience who wants
 * it (their UrgentAnnouncement choice, else the default): one statement whatever the audience
 * size. The unique (announcement_id, user_id) records who was queued, so running it again (a
 * retried tick, a second publish path) adds no one twice. Call it in the publishing transaction.
 */
export async function queueUrgentMail(trx: Kysely<DB>, announcementId: string): Promise<number> {
  const result = await sql`
    insert into mail_outbox (user_id, announcement_id)
    select au.id, ${announcementId}::uuid
    from (${audienceOfSql(announcementId)}) au
    cross join (select 'UrgentAnnouncement'::text as topic) t
    left join notification_preference p on p.user_id = au.id and p.topic = t.topic
    where coalesce(p.email, ${mailDefaultSql(sql.ref('t.topic'))})
    on conflict (announcement_id, user_id) do nothing`.execute(trx);
  const queued = Number(result.numAffectedRows ?? 0);
  if (queued > 0) markMailQueued();
  return queued;
}

export type SaveResult = Done<{ id: string; status: Status; mailed: number }>;

/** A new announcement by `writerId` in `scope`: saved as the form's intent says, in one transaction. */
export async function createAnnouncement(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, writerId: string, input: AnnouncementInput): Promise<SaveResult> {
  return refusable<{ id: string; status: Status; mailed: number }>(db, async (trx) => {
    const now = new Date();
    const targets = await resolveTargets(trx, scope, input);
    const { next, errors: statusErrors } = nextStatus(undefined, input, now);
    const errors = { ...(isErrors(targets) ? targets.problems : {}), ...statusErrors, ...checkExpiry(input.expiresAt, next.scheduledAt, now) };
    if (Object.keys(errors).length || isErrors(targets)) return { ok: false, status: 422, message: msg('Please fix the form.'), errors, ...(isErrors(targets) && targets.values ? { errorValues: targets.values } : {}) };
    const row = await trx
      .insertInto('announcement')
      .values({
        title: input.title,
        bodyMarkdown: input.body,
        body: announcementHtml(input.body, []),
        ...targets,
        isUrgent: input.isUrgent,
        expiresAt: input.expiresAt,
        createdById: writerId,
        ...next,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, ctx, 'announcement_created', row, { targetRole: row.targetRole, targetCourseId: row.targetCourseId, status: row.status });
    const mailed = await afterStatusChange(trx, ctx, row, 'Draft');
    return { ok: true, id: row.id, status: row.status, mailed };
  });
}

/** The audit row of a status change and, when an urgent one became Published, its mails. */
async function afterStatusChange(trx: Kysely<DB>, ctx: AuditContext, row: Row, before: Status): Promise<number> {
  if (row.status === before) return 0;
  const action = STATUS_ACTION[row.status];
  if (action) await audit(trx, ctx, action, row, { from: before, scheduledAt: row.scheduledAt, publishedAt: row.publishedAt });
  return row.status === 'Published' && row.isUrgent ? queueUrgentMail(trx, row.id) : 0;
}

/** Saves the form over an announcement in scope. Published stays Published, read marks and views kept. */
export async function updateAnnouncement(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, id: string, input: AnnouncementInput): Promise<SaveResult> {
  return refusable<{ id: string; status: Status; mailed: number }>(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    if (current.status === 'Expired') return { ok: false, status: 409, message: msg('This announcement has ended; it can no longer be changed.') };
    const now = new Date();
    const targets = await resolveTargets(trx, scope, input);
    const { next, errors: statusErrors } = nextStatus(current, input, now);
    const errors: FieldErrors = { ...(isErrors(targets) ? targets.problems : {}), ...statusErrors };
    // An unchanged end date of a live announcement is not re-judged against a scheduledAt that is history.
    const expiryChanged = (input.expiresAt?.getTime() ?? null) !== (current.expiresAt?.getTime() ?? null);
    if (expiryChanged || current.status !== 'Published') {
      Object.assign(errors, checkExpiry(input.expiresAt, current.status === 'Published' ? null : next.scheduledAt, now));
    }
    if (Object.keys(errors).length || isErrors(targets)) return { ok: false, status: 422, message: msg('Please fix the form.'), errors, ...(isErrors(targets) && targets.values ? { errorValues: targets.values } : {}) };
    const row = await trx
      .updateTable('announcement')
      .set({
        title: input.title,
        bodyMarkdown: input.body,
        body: announcementHtml(input.body, current.attachmentKeys),
        ...targets,
        isUrgent: input.isUrgent,
        expiresAt: input.expiresAt,
        ...next,
        updatedAt: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, ctx, 'announcement_updated', row, { status: row.status });
    let mailed = await afterStatusChange(trx, ctx, row, current.status);
    // Marked urgent after it went out: its audience is told now (those already mailed are not again).
    if (row.status === 'Published' && current.status === 'Published' && row.isUrgent && !current.isUrgent) mailed = await queueUrgentMail(trx, row.id);
    return { ok: true, id: row.id, status: row.status, mailed };
  });
}

/** "Publish now": a Draft or Scheduled announcement goes out at once (its urgent mail queued). */
export async function publishNow(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, id: string): Promise<Done<{ row: Row; mailed: number }>> {
  return refusable(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    if (current.status === 'Published') return { ok: false, status: 409, message: msg('It is already published.') };
    if (current.status === 'Expired') return { ok: false, status: 409, message: msg('It has ended; it cannot be published again.') };
    const now = new Date();
    if (current.expiresAt && current.expiresAt <= now) {
      return { ok: false, status: 422, message: msg('Its end date has passed: change or clear the end date first.') };
    }
    const row = await trx
      .updateTable('announcement')
      .set({ status: 'Published', publishedAt: now, updatedAt: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const mailed = await afterStatusChange(trx, ctx, row, current.status);
    return { ok: true, row, mailed };
  });
}

/** "End now": a Published announcement leaves its readers' lists and the banner. */
export async function endNow(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, id: string): Promise<Done<{ row: Row }>> {
  return refusable(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    if (current.status !== 'Published') return { ok: false, status: 409, message: msg('Only a published announcement can be ended.') };
    const now = new Date();
    const row = await trx
      .updateTable('announcement')
      .set({ status: 'Expired', expiresAt: now, updatedAt: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await afterStatusChange(trx, ctx, row, current.status);
    return { ok: true, row };
  });
}

/**
 * Deletes an announcement (read marks and queued mail go with it: the foreign keys cascade):
 * Draft or Scheduled for any writer in scope, any status for an admin. The caller deletes the
 * returned files after the commit.
 */
export async function deleteAnnouncement(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, id: string, byAdmin: boolean): Promise<Done<{ row: Row }>> {
  return refusable(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    if (!byAdmin && current.status !== 'Draft' && current.status !== 'Scheduled') {
      return { ok: false, status: 409, message: msg('A published announcement cannot be deleted; end it instead.') };
    }
    await trx.deleteFrom('announcement').where('id', '=', id).execute();
    await audit(trx, ctx, 'announcement_deleted', current, { status: current.status, attachmentKeys: current.attachmentKeys });
    return { ok: true, row: current };
  });
}

/**
 * Adds a file already in storage under `key` to the announcement (last), under its row lock so
 * that the limit holds under parallel uploads. Not ok: the caller deletes the stored file.
 */
export async function addAttachment(
  db: Kysely<DB>,
  ctx: AuditContext,
  scope: WriterScope,
  id: string,
  file: { key: string; fileName: string },
): Promise<Done<{ row: Row }>> {
  return refusable(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    if (current.status === 'Expired') return { ok: false, status: 409, message: msg('This announcement has ended; it can no longer be changed.') };
    if (current.attachmentKeys.length >= ATTACHMENTS_MAX) {
      return { ok: false, status: 422, message: msg('An announcement carries at most {count} files: remove one first.'), values: { count: ATTACHMENTS_MAX } };
    }
    const row = await trx
      .updateTable('announcement')
      .set({
        attachmentKeys: sql`array_append(attachment_keys, ${file.key}::text)`,
        attachmentNames: sql`array_append(attachment_names, ${file.fileName}::text)`,
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, ctx, 'announcement_updated', row, { attachmentAdded: { key: file.key, fileName: file.fileName } });
    return { ok: true, row };
  });
}

/**
 * Removes one attached file (its key and name, keeping the two lists in step), and re-renders the
 * body so that an image of that file is no longer shown. The caller deletes the file after commit.
 */
export async function removeAttachment(db: Kysely<DB>, ctx: AuditContext, scope: WriterScope, id: string, key: string): Promise<Done<{ row: Row; fileName: string }>> {
  return refusable(db, async (trx) => {
    const current = await lockInScope(trx, scope, id);
    if (!current) return notFound;
    const index = current.attachmentKeys.indexOf(key);
    if (index < 0) return notFound;
    if (current.status === 'Expired') return { ok: false, status: 409, message: msg('This announcement has ended; it can no longer be changed.') };
    const keys = current.attachmentKeys.filter((_, i) => i !== index);
    const names = current.attachmentNames.filter((_, i) => i !== index);
    const row = await trx
      .updateTable('announcement')
      .set({
        attachmentKeys: keys,
        attachmentNames: names,
        body: current.bodyMarkdown === null ? current.body : announcementHtml(current.bodyMarkdown, keys),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const fileName = current.attachmentNames[index] ?? '';
    await audit(trx, ctx, 'announcement_updated', row, { attachmentRemoved: { key, fileName } });
    return { ok: true, row, fileName };
  });
}

/**
 * The publish-announcements job's work, all due by now, in the tick's transaction:
 * Scheduled ones whose time came are Published (their urgent mail queued), unless their end came
 * too; Published (and such Scheduled) ones whose end came are Expired. Audit rows name the writer
 * as the actor (the job acts for them) and carry no address.
 */
export async function publishDueAnnouncements(db: Kysely<DB>): Promise<{ published: number; expired: number; mailed: number }> {
  return inTransaction(db, async (trx) => {
    const published = await trx
      .updateTable('announcement')
      .set({ status: 'Published', publishedAt: sql`now()`, updatedAt: sql`now()` })
      .where('status', '=', 'Scheduled')
      .where('scheduledAt', '<=', sql<Date>`now()`)
      .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', sql<Date>`now()`)]))
      .returningAll()
      .execute();
    let mailed = 0;
    for (const row of published) mailed += await afterStatusChange(trx, systemAudit(row.createdById), row, 'Scheduled');

    const expired = await trx
      .updateTable('announcement')
      .set({ status: 'Expired', updatedAt: sql`now()` })
      .where('status', 'in', ['Published', 'Scheduled'])
      .where('expiresAt', '<=', sql<Date>`now()`)
      .returningAll()
      .execute();
    for (const row of expired) await audit(trx, systemAudit(row.createdById), 'announcement_expired', row, { by: 'publish-announcements' });
    return { published: published.length, expired: expired.length, mailed };
  });
}
