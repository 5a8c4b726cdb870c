import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB, Helprequeststatus as HelpStatus, Helprequestusertype as HelpUserType } from '../../db/types.ts';
import type { Role } from '../../http/guards.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { setting } from '../system/settings.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The help desk's one owner of `help_request.status` and of its thread (help_request_message):
 *
 *   (opened)             -> Pending
 *   Pending/InProgress/Resolved --admin answers--> InProgress, or Resolved ("Answer and resolve")
 *   Resolved --user replies--> InProgress (Pending and InProgress stay as they are)
 *   any but Closed --user or admin closes--> Closed (final: no more messages)
 *   Resolved for `help.autoCloseResolvedDays` --close-resolved-help job--> Closed
 *
 * Every message is a row of the thread; the spec's response/respondedAt and userReply/userRepliedAt
 * keep the latest of each side. Each write is one transaction that first locks the request row, so
 * an answer and a reply at the same moment are written one after the other; each message's time is
 * taken after the lock (clock_timestamp(), not the transaction's start), so the thread's order is
 * the order the writes happened, and the status is what the later one leaves. The admin who answers
 * first is assigned: user replies notify them; before that no one in particular is told (the
 * request waits in the /admin/help queue). Notices go through notify() in the same transaction.
 */

export type HelpProblem = 'not_found' | 'closed';
export type HelpResult<T> = ({ ok: true } & T) | { ok: false; problem: HelpProblem };

/** The request's type follows the person's role, never the form. */
export const USER_TYPE_OF_ROLE: Record<Role, HelpUserType> = { student: 'Student', teacher: 'Teacher', admin: 'Admin' };

/** At most this much of a message goes into a notice (the whole message is one click away). */
const PREVIEW = 200;
const preview = (text: string) => (text.length > PREVIEW ? `${text.slice(0, PREVIEW - 1).trimEnd()}…` : text);

interface Person {
  id: string;
  firstName: string;
  lastName: string | null;
}
const nameOf = (p: Person) => [p.firstName, p.lastName].filter(Boolean).join(' ');

async function addMessage(trx: Kysely<DB>, requestId: string, author: { id: string; role: 'user' | 'admin' }, body: string) {
  return trx
    .insertInto('helpRequestMessage')
    .values({ helpRequestId: requestId, authorId: author.id, authorRole: author.role, body, createdAt: sql<Date>`clock_timestamp()` })
    .returning(['id', 'createdAt'])
    .executeTakeFirstOrThrow();
}

/** Locks the request (and, for a user, only their own): the rest of the transaction writes after any other write to it. */
async function lockRequest(trx: Kysely<DB>, requestId: string, ownerId?: string) {
  let query = trx
    .selectFrom('helpRequest')
    .select(['id', 'userId', 'subject', 'status', 'assignedAdminId'])
    .where('id', '=', requestId)
    .forUpdate();
  if (ownerId) query = query.where('userId', '=', ownerId);
  return query.executeTakeFirst();
}

/** A new request from a signed-in person: Pending, its first message the thread's first row. */
export async function openRequest(
  db: Database,
  audit: AuditContext,
  input: { user: { id: string; role: Role }; subject: string; message: string },
): Promise<{ id: string; messageId: string }> {
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .insertInto('helpRequest')
      .values({ userId: input.user.id, subject: input.subject, message: input.message, userType: USER_TYPE_OF_ROLE[input.user.role], status: 'Pending' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const message = await addMessage(trx, request.id, { id: input.user.id, role: 'user' }, input.message);
    await recordActivity(trx, audit, { action: 'help_request_opened', entityType: 'help_request', entityId: request.id, metadata: { subject: input.subject } });
    return { id: request.id, messageId: message.id };
  });
}

/**
 * The requester writes again: a Resolved request reopens (InProgress); the assigned admin, if any,
 * is told (HelpRequestReply: mailed by their choice, on by default). A Closed request takes nothing.
 */
export async function replyAsUser(
  db: Database,
  audit: AuditContext,
  input: { requestId: string; user: Person; body: string },
): Promise<HelpResult<{ messageId: string; status: HelpStatus }>> {
  return db.transaction().execute(async (trx): Promise<HelpResult<{ messageId: string; status: HelpStatus }>> => {
    const request = await lockRequest(trx, input.requestId, input.user.id);
    if (!request) return { ok: false, problem: 'not_found' };
    if (request.status === 'Closed') return { ok: false, problem: 'closed' };
    const message = await addMessage(trx, request.id, { id: input.user.id, role: 'user' }, input.body);
    const status: HelpStatus = request.status === 'Resolved' ? 'InProgress' : request.status;
    await trx
      .updateTable('helpRequest')
      .set({ userReply: input.body, userRepliedAt: message.createdAt, status })
      .where('id', '=', request.id)
      .execute();
    // An admin answering their own request needs no notice of their own reply.
    if (request.assignedAdminId && request.assignedAdminId !== input.user.id) {
      await notify(trx, {
        userId: request.assignedAdminId,
        type: 'HelpRequestReply',
        title: msg('{name} replied: {subject}'),
        message: msg('{preview}'),
        values: { name: nameOf(input.user), subject: request.subject, preview: preview(input.body), body: input.body },
        link: `/admin/help/${request.id}`,
        mailText: msg('{body}'),
      });
    }
    await recordActivity(trx, audit, {
      action: 'help_request_replied',
      entityType: 'help_request',
      entityId: request.id,
      ...(status !== request.status ? { metadata: { reopened: true } } : {}),
    });
    return { ok: true, messageId: message.id, status };
  });
}

/**
 * An admin answers: InProgress, or Resolved when they say so; the first admin to answer is assigned.
 * The requester is told (AdminReply, linking to the thread; mailed by their choice, on by default,
 * with the whole answer).
 */
export async function answerAsAdmin(
  db: Database,
  audit: AuditContext,
  input: { requestId: string; admin: Person; body: string; resolve: boolean },
): Promise<HelpResult<{ messageId: string; status: HelpStatus }>> {
  return db.transaction().execute(async (trx): Promise<HelpResult<{ messageId: string; status: HelpStatus }>> => {
    const request = await lockRequest(trx, input.requestId);
    if (!request) return { ok: false, problem: 'not_found' };
    if (request.status === 'Closed') return { ok: false, problem: 'closed' };
    const message = await addMessage(trx, request.id, { id: input.admin.id, role: 'admin' }, input.body);
    const status: HelpStatus = input.resolve ? 'Resolved' : 'InProgress';
    await trx
      .updateTable('helpRequest')
      .set({ response: input.body, respondedAt: message.createdAt, status, assignedAdminId: request.assignedAdminId ?? input.admin.id })
      .where('id', '=', request.id)
      .execute();
    await notify(trx, {
      userId: request.userId,
      type: 'AdminReply',
      title: input.resolve ? msg('Answered and resolved: {subject}') : msg('The Edupeak team answered: {subject}'),
      message: msg('{preview}'),
      values: { subject: request.subject, preview: preview(input.body), body: input.body },
      link: `/help/${request.id}`,
      mailText: msg("{body}\n\nReply on the request's page if you need more help."),
    });
    await recordActivity(trx, audit, {
      action: input.resolve ? 'help_request_resolved' : 'help_request_answered',
      entityType: 'help_request',
      entityId: request.id,
      metadata: { subject: request.subject },
    });
    return { ok: true, messageId: message.id, status };
  });
}

/** Closes a request (the requester's own, or any for an admin). Closing a Closed one changes nothing. */
export async function closeRequest(
  db: Database,
  audit: AuditContext,
  input: { requestId: string; by: 'user' | 'admin'; userId: string },
): Promise<HelpResult<{ changed: boolean }>> {
  return db.transaction().execute(async (trx): Promise<HelpResult<{ changed: boolean }>> => {
    const request = await lockRequest(trx, input.requestId, input.by === 'user' ? input.userId : undefined);
    if (!request) return { ok: false, problem: 'not_found' };
    if (request.status === 'Closed') return { ok: true, changed: false };
    await trx.updateTable('helpRequest').set({ status: 'Closed' }).where('id', '=', request.id).execute();
    await recordActivity(trx, audit, { action: 'help_request_closed', entityType: 'help_request', entityId: request.id, metadata: { by: input.by, from: request.status } });
    return { ok: true, changed: true };
  });
}

/**
 * The close-resolved-help job: requests Resolved for `help.autoCloseResolvedDays` days since their
 * last message (the resolving answer, or a later reply) are Closed. One statement for the update and
 * its audit rows (one per request, in the requester's name and with no address, as systemAudit
 * writes for jobs; `by: 'close-resolved-help'` in the metadata), whatever the number. Pass the tick's transaction.
 */
export async function closeResolvedRequests(db: Database, now: Date = new Date()): Promise<{ closed: number }> {
  const days = await setting(db, 'help.autoCloseResolvedDays');
  const { rows } = await sql<{ closed: number }>`
    with closed as (
      update help_request set status = 'Closed'
      where status = 'Resolved'
        and greatest(created_at, responded_at, user_replied_at) <= ${now}::timestamptz - make_interval(days => ${days})
      returning id, user_id
    ), audited as (
      insert into activity_log (user_id, action, entity_type, entity_id, metadata)
      select user_id, 'help_request_closed', 'help_request', id, jsonb_build_object('by', 'close-resolved-help', 'from', 'Resolved', 'days', ${days}::int)
      from closed
      returning 1
    )
    select count(*)::int as closed from audited`.execute(db.withoutPlugins());
  return { closed: rows[0]?.closed ?? 0 };
}
