import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB, Supportrequeststatus } from '../../db/types.ts';
import { isUniqueViolation } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { CALL_ENDED_REASON, type CallInput, type SupportType } from './schemas.ts';

/**
 * Live support calls (office hours): the one module that changes `support_call.status` and
 * `support_call_request.status` and `position`. Knows nothing of HTTP.
 *
 * The queue: `position` is a request's place in the waiting line, 1 the next to be taken. Only
 * Pending requests wait. A request leaves the line when the host accepts it (the student joins the
 * meeting), turns it down or marks it done; it keeps the place it had when it left (what the
 * host's table shows afterwards), and every Pending one behind it moves up by one. So the Pending
 * requests of a call are always numbered 1..n with no gap, and a new request takes n + 1.
 *
 * Every change to a call's queue first locks the call's row (`select ... for update`) in its
 * transaction: requests arriving together, and the host's clicks, take their turn, so 30 parallel
 * requests get 1..30 and a move-up never meets a new request half way.
 */

/** `message` is an English catalogue message (translated where it is shown), with its ICU `values`. */
export type Refused = { ok: false; status: 404 | 409 | 422; message: string; values?: MessageValues; field?: string };

const refused = (status: Refused['status'], message: string, values?: MessageValues): Refused => ({ ok: false, status, message, ...(values ? { values } : {}) });

/** Locks the call's row; undefined when it is not this course's (or not at all). */
async function lockCall(trx: Transaction<DB>, callId: string, courseId: string) {
  return trx
    .selectFrom('supportCall')
    .select(['id', 'status', 'title', 'courseId'])
    .where('id', '=', callId)
    .where('courseId', '=', courseId)
    .forUpdate()
    .executeTakeFirst();
}

/** A room name nobody can guess: 128 random bits as lower-case hex (safe in any provider's URL). */
export const newRoomName = (): string => `edupeak-${randomBytes(16).toString('hex')}`;

export const meetingUrlFor = (template: string, room: string): string => template.replaceAll('{room}', encodeURIComponent(room));

/**
 * Starts a call for a course. With a URL template the meeting link is the template with a new
 * room name (kept in `streamCallId`); without one, the pasted link (the route checked it). One
 * Active call per course: a second is refused with 409.
 */
export async function startCall(
  db: Database,
  audit: AuditContext,
  courseId: string,
  input: CallInput,
  template: string | undefined,
): Promise<{ ok: true; id: string } | Refused> {
  const room = template ? newRoomName() : null;
  const meetingUrl = template ? meetingUrlFor(template, room!) : input.meetingUrl;
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('supportCall')
        .values({ courseId, createdBy: audit.actorId, title: input.title, description: input.description || null, streamCallId: room, meetingUrl, status: 'Active' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordActivity(trx, audit, { action: 'support_call_started', entityType: 'support_call', entityId: row.id, metadata: { courseId, title: input.title, provider: template ? 'template' : 'pasted' } });
      return { ok: true as const, id: row.id };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'support_call_one_active_per_course')) return refused(409, msg('A call is already live for this course: end it before starting another.'));
    throw error;
  }
}

/**
 * Ends (Ended) or cancels (Cancelled) a live call: every open request is closed in the same
 * transaction, Accepted ones as Completed (they were seen), Pending ones as Rejected with the reason
 * "The call ended" (nobody took them). Their page then says so; the queue is gone.
 */
export async function closeCall(
  db: Database,
  audit: AuditContext,
  courseId: string,
  callId: string,
  outcome: 'Ended' | 'Cancelled',
): Promise<{ ok: true; completed: number; rejected: number } | Refused> {
  return db.transaction().execute(async (trx) => {
    const call = await lockCall(trx, callId, courseId);
    if (!call) return refused(404, msg('No such call.'));
    if (call.status !== 'Active') return refused(409, call.status === 'Ended' ? msg('This call has already ended.') : msg('This call has already been cancelled.'));
    await trx.updateTable('supportCall').set({ status: outcome, endedAt: sql<Date>`now()` }).where('id', '=', callId).execute();
    const closed = await trx
      .updateTable('supportCallRequest')
      .set({
        status: sql<Supportrequeststatus>`case when status = 'Accepted' then 'Completed' else 'Rejected' end::"SupportRequestStatus"`,
        rejectionReason: sql<string | null>`case when status = 'Accepted' then rejection_reason else ${CALL_ENDED_REASON} end`,
      })
      .where('supportCallId', '=', callId)
      .where('status', 'in', ['Pending', 'Accepted'])
      .returning('status')
      .execute();
    const completed = closed.filter((r) => r.status === 'Completed').length;
    const rejected = closed.length - completed;
    await recordActivity(trx, audit, {
      action: outcome === 'Ended' ? 'support_call_ended' : 'support_call_cancelled',
      entityType: 'support_call',
      entityId: callId,
      metadata: { courseId, completed, rejected },
    });
    return { ok: true as const, completed, rejected };
  });
}

export type JoinResult = { ok: true; created: boolean; position: number; status: Supportrequeststatus } | Refused;

/**
 * A student asks to join a live call: one request per student per call (the spec's unique key);
 * asking again is no error, it answers with the request they have. The new request's place is the
 * last Pending one's + 1, taken under the call's lock. The route has checked the student may learn
 * the course.
 */
export async function requestToJoin(db: Database, courseId: string, callId: string, userId: string, supportType: SupportType): Promise<JoinResult> {
  return db.transaction().execute(async (trx) => {
    const call = await lockCall(trx, callId, courseId);
    if (!call) return refused(404, msg('No such call.'));
    const mine = await trx.selectFrom('supportCallRequest').select(['position', 'status']).where('supportCallId', '=', callId).where('userId', '=', userId).executeTakeFirst();
    if (mine) return { ok: true as const, created: false, position: mine.position, status: mine.status };
    if (call.status !== 'Active') return refused(409, msg('This call has ended: nobody can join its queue now.'));
    const row = await trx
      .insertInto('supportCallRequest')
      .values({
        supportCallId: callId,
        userId,
        supportType,
        status: 'Pending',
        position: sql<number>`(select coalesce(max(position), 0) + 1 from support_call_request where support_call_id = ${callId} and status = 'Pending')`,
      })
      // The lock makes this unreachable; the database's unique key is the last line all the same.
      .onConflict((oc) => oc.columns(['supportCallId', 'userId']).doNothing())
      .returning(['position', 'status'])
      .executeTakeFirst();
    if (!row) {
      const again = await trx.selectFrom('supportCallRequest').select(['position', 'status']).where('supportCallId', '=', callId).where('userId', '=', userId).executeTakeFirstOrThrow();
      return { ok: true as const, created: false, ...again };
    }
    return { ok: true as const, created: true, ...row };
  });
}

type HostAction = 'accept' | 'reject' | 'done';

const ALLOWED_FROM: Record<HostAction, Supportrequeststatus[]> = {
  accept: ['Pending'],
  reject: ['Pending'],
  // Answered without the meeting (a Pending one) or after it (an Accepted one).
  done: ['Pending', 'Accepted'],
};

const NEXT: Record<HostAction, Supportrequeststatus> = { accept: 'Accepted', reject: 'Rejected', done: 'Completed' };

const AUDIT: Record<HostAction, 'support_request_accepted' | 'support_request_rejected' | 'support_request_completed'> = {
  accept: 'support_request_accepted',
  reject: 'support_request_rejected',
  done: 'support_request_completed',
};

const CANNOT: Record<HostAction, string> = {
  accept: msg('Only a waiting request can be accepted (this one is {status}).'),
  reject: msg('Only a waiting request can be turned down (this one is {status}).'),
  done: msg('This request is already closed (this one is {status}).'),
};

/**
 * The host's action on one request of a live call: accept (Accepted, joinedAt; the student is
 * notified: SupportCallAccepted), reject with a reason (Rejected), or mark done (Completed). A
 * request leaving the waiting line moves every Pending one behind it up by one, in the same
 * transaction, under the call's lock.
 */
export async function actOnRequest(
  db: Database,
  audit: AuditContext,
  place: { courseId: string; courseSlug: string; callId: string; requestId: string },
  action: HostAction,
  reason?: string,
): Promise<{ ok: true } | Refused> {
  return db.transaction().execute(async (trx) => {
    const call = await lockCall(trx, place.callId, place.courseId);
    if (!call) return refused(404, msg('No such call.'));
    const request = await trx
      .selectFrom('supportCallRequest')
      .select(['id', 'userId', 'status', 'position'])
      .where('id', '=', place.requestId)
      .where('supportCallId', '=', place.callId)
      .executeTakeFirst();
    if (!request) return refused(404, msg('No such request.'));
    if (call.status !== 'Active') return refused(409, msg('This call has ended: its queue is closed.'));
    if (!ALLOWED_FROM[action].includes(request.status)) return refused(409, CANNOT[action], { status: request.status });

    await trx
      .updateTable('supportCallRequest')
      .set({
        status: NEXT[action],
        ...(action === 'accept' ? { joinedAt: sql<Date>`now()` } : {}),
        ...(action === 'reject' ? { rejectionReason: reason ?? null } : {}),
      })
      .where('id', '=', request.id)
      .execute();
    if (request.status === 'Pending') {
      await trx
        .updateTable('supportCallRequest')
        .set({ position: sql<number>`position - 1` })
        .where('supportCallId', '=', place.callId)
        .where('status', '=', 'Pending')
        .where('position', '>', request.position)
        .execute();
    }
    if (action === 'accept') {
      await notify(trx, {
        userId: request.userId,
        type: 'SupportCallAccepted',
        title: call.title ? msg('You can join "{title}" now') : msg('You can join "the live call" now'),
        message: msg('Your teacher accepted your request. Open the call page for the meeting link.'),
        values: { title: call.title ?? '' },
        link: `/learn/${place.courseSlug}/support-calls/${place.callId}`,
      });
    }
    await recordActivity(trx, audit, {
      action: AUDIT[action],
      entityType: 'support_call_request',
      entityId: request.id,
      metadata: { callId: place.callId, userId: request.userId, position: request.position, ...(reason ? { reason } : {}) },
    });
    return { ok: true as const };
  });
}
