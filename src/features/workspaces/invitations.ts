import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB, Invitationstatus } from '../../db/types.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import { isUniqueViolation } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { html } from '../accounts/mails.ts';
import { sha256 } from '../accounts/tokens.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { DEFAULTS, setting } from '../system/settings.ts';
import { isStaffRole, ROLE_RANK, type InviteInput, type WorkspaceRole } from './schemas.ts';
import { lockWorkspace, raiseToAdmin, type Result } from './service.ts';

/**
 * Invitations to a workspace (spec workflow 7): a SuperAdmin invites an address with a role; the
 * link (`/invitations/<token>`) is mailed, and a person who already has an account also gets a
 * SuperAdminInvitation notice. The token is 32 random bytes (base64url); only its SHA-256 is
 * stored in invitation.token, as for the other mailed tokens (accounts/tokens.ts). One open
 * (Pending) invitation per address and workspace: inviting again replaces the old one (Revoked).
 *
 * Accepting (signed in with the invited address) creates the membership or raises its role, marks
 * the invitation Accepted, and, for Admin and SuperAdmin, makes the person an admin: one
 * transaction, under the workspace's lock (service.ts). Only one of two racing accepts can move the
 * invitation from Pending. Revoked, Expired (the job, or an expiry that has passed) and Accepted
 * invitations are refused.
 */

export type InvitationRef = { token: string } | { id: string };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,100}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const hashOf = (token: string) => sha256(token).toString('hex');

/** How long a new invitation's link works: the setting, in days (a bad value falls back to the default). */
async function lifetimeMs(db: Kysely<DB>): Promise<number> {
  const days = await setting(db, 'workspaces.invitationDays');
  return (days > 0 ? days : DEFAULTS['workspaces.invitationDays']) * 86_400_000;
}

export interface SentInvitation {
  id: string;
  token: string;
  email: string;
  role: WorkspaceRole;
  expiresAt: Date;
  workspace: { id: string; name: string };
  /** Replaced open invitations to the same address (now Revoked). */
  replaced: number;
  existingUser: boolean;
  /** The invited person's language when they have an account (their mail is written in it), else null. */
  language: string | null;
}

/**
 * Creates the invitation (replacing an open one to the same address) and, for a person with an
 * account, their notice; the caller mails the link after commit (`invitationMail`). Inviting
 * someone who is a member with this role or a higher one is refused (422).
 */
export async function invite(
  db: Database,
  audit: AuditContext,
  workspaceId: string,
  input: InviteInput,
  /** The inviting admin's language, for the refusals shown to them. */
  tr: Translator = translatorFor('en'),
): Promise<Result<{ invitation: SentInvitation }>> {
  const token = randomBytes(32).toString('base64url');
  try {
    return await db.transaction().execute(async (trx): Promise<Result<{ invitation: SentInvitation }>> => {
      const workspace = await lockWorkspace(trx, workspaceId);
      if (!workspace) return { ok: false, status: 404, errors: {} };
      const person = await trx
        .selectFrom('user as u')
        .leftJoin('membership as m', (j) => j.onRef('m.userId', '=', 'u.id').on('m.workspaceId', '=', workspaceId))
        .select(['u.id', 'u.language', 'm.role'])
        .where(sql<string>`lower(u.email)`, '=', input.email)
        .executeTakeFirst();
      if (person?.role && ROLE_RANK[person.role] >= ROLE_RANK[input.role]) {
        return { ok: false, status: 422, errors: { email: tr.t(msg('{email} is already a member of this workspace as {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}.'), { email: input.email, role: person.role }) } };
      }
      const replaced = await trx
        .updateTable('invitation')
        .set({ status: 'Revoked' })
        .where('workspaceId', '=', workspaceId)
        .where('email', '=', input.email)
        .where('status', '=', 'Pending')
        .executeTakeFirst();
      const expiresAt = new Date(Date.now() + (await lifetimeMs(trx)));
      const inviter = await trx.selectFrom('user').select(['firstName', 'lastName']).where('id', '=', audit.actorId).executeTakeFirstOrThrow();
      const row = await trx
        .insertInto('invitation')
        .values({ token: hashOf(token), email: input.email, userId: person?.id ?? null, workspaceId, role: input.role, invitedBy: audit.actorId, expiresAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (person) {
        const by = `${inviter.firstName} ${inviter.lastName ?? ''}`.trim();
        await notify(trx, {
          userId: person.id,
          type: 'SuperAdminInvitation',
          title: msg('Invitation to {workspace}'),
          message: msg('{name} invited you to join {workspace} as {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}. Accept it from your invitations, or from the link we mailed you.'),
          values: { name: by, workspace: workspace.name, role: input.role },
          link: '/invitations',
          // The mail with the link goes out at once (invitationMail); a second one from the outbox would only repeat it.
          mail: 'never',
        });
      }
      const replacedCount = Number(replaced.numUpdatedRows);
      await recordActivity(trx, audit, {
        action: 'invitation_sent',
        entityType: 'invitation',
        entityId: row.id,
        metadata: { workspaceId, email: input.email, role: input.role, expiresAt: expiresAt.toISOString(), replaced: replacedCount, existingUser: Boolean(person) },
      });
      return {
        ok: true,
        invitation: {
          id: row.id,
          token,
          email: input.email,
          role: input.role,
          expiresAt,
          workspace: { id: workspace.id, name: workspace.name },
          replaced: replacedCount,
          existingUser: Boolean(person),
          language: person?.language ?? null,
        },
      };
    });
  } catch (error) {
    // Two SuperAdmins inviting the same address at the same moment: the second is told, not given a 500.
    if (isUniqueViolation(error, 'invitation_pending_key')) return { ok: false, status: 422, errors: { email: tr.t(msg('{email} was invited a moment ago: see the open invitations.'), { email: input.email }) } };
    throw error;
  }
}

/**
 * The mail with the link, in the invited person's language when they have an account
 * (SentInvitation.language), else in the given one (English when none).
 */
export function invitationMail(
  to: string,
  invitation: { workspaceName: string; role: WorkspaceRole; inviterName: string; expiresAt: Date; link: string; language?: string | null },
): MailMessage {
  const tr = translatorFor(invitation.language);
  const values = { name: invitation.inviterName, workspace: invitation.workspaceName, role: invitation.role, email: to, until: tr.date(invitation.expiresAt, 'UTC') };
  const lines = [
    tr.t('Hello,'),
    tr.t('{name} invited you to join {workspace} on Edupeak as {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}.', values),
    tr.t('Sign in or create your account with this address ({email}), then accept. The link works once, until {until} (UTC).', values),
  ];
  return {
    to,
    subject: tr.t('Invitation to {workspace} on Edupeak', values),
    text: `${lines.join('\n\n')}\n\n${invitation.link}\n\n${tr.t('If you did not expect this, ignore this mail.')}\n`,
    html: html(lines, { href: invitation.link, label: tr.t('See the invitation') }),
  };
}

/** Revokes an open invitation (Revoked). A closed one stays as it is (`closed`: its status). */
export function revokeInvitation(db: Database, audit: AuditContext, input: { workspaceId: string; invitationId: string }): Promise<Result<{ email: string; closed?: Invitationstatus }>> {
  return db.transaction().execute(async (trx): Promise<Result<{ email: string; closed?: Invitationstatus }>> => {
    if (!(await lockWorkspace(trx, input.workspaceId))) return { ok: false, status: 404, errors: {} };
    const found = await trx
      .selectFrom('invitation')
      .select(['id', 'email', 'status', 'role'])
      .where('id', '=', input.invitationId)
      .where('workspaceId', '=', input.workspaceId)
      .forUpdate()
      .executeTakeFirst();
    if (!found) return { ok: false, status: 404, errors: {} };
    if (found.status !== 'Pending') return { ok: true, email: found.email, closed: found.status };
    await trx.updateTable('invitation').set({ status: 'Revoked' }).where('id', '=', found.id).execute();
    await recordActivity(trx, audit, {
      action: 'invitation_revoked',
      entityType: 'invitation',
      entityId: found.id,
      metadata: { workspaceId: input.workspaceId, email: found.email, role: found.role },
    });
    return { ok: true, email: found.email };
  });
}

/** Marks open invitations whose time has passed Expired (the expire-invitations job). */
export async function expireInvitations(db: Kysely<DB>, now = new Date()): Promise<{ expired: number }> {
  const result = await db.updateTable('invitation').set({ status: 'Expired' }).where('status', '=', 'Pending').where('expiresAt', '<=', now).executeTakeFirst();
  return { expired: Number(result.numUpdatedRows) };
}

/** Why an invitation cannot be used: unknown (404), closed (410), or another person's (403). */
export type InvitationProblem = 'unknown' | 'accepted' | 'revoked' | 'expired' | 'not_yours' | 'unverified';

export const PROBLEM_STATUS: Record<InvitationProblem, 403 | 404 | 410> = {
  unknown: 404,
  accepted: 410,
  revoked: 410,
  expired: 410,
  not_yours: 403,
  unverified: 403,
};

export const PROBLEM_MESSAGE: Record<InvitationProblem, string> = {
  unknown: msg('This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation.'),
  accepted: msg('This invitation has been accepted already: a link works once.'),
  revoked: msg('This invitation was withdrawn. Ask the person who invited you for a new one.'),
  expired: msg('This invitation has expired. Ask the person who invited you for a new one.'),
  not_yours: msg('This invitation is for another email address. Sign in with the address it was sent to.'),
  unverified: msg('Confirm your email address first (use the link we sent you), or accept from the link in the invitation mail.'),
};

/** An invitation as its page shows it (one query). */
export async function findInvitation(db: Kysely<DB>, ref: InvitationRef) {
  if ('token' in ref ? !TOKEN_PATTERN.test(ref.token) : !UUID.test(ref.id)) return undefined;
  const row = await db
    .selectFrom('invitation as i')
    .innerJoin('workspace as w', 'w.id', 'i.workspaceId')
    .innerJoin('user as by', 'by.id', 'i.invitedBy')
    .select(['i.id', 'i.email', 'i.role', 'i.status', 'i.expiresAt', 'i.workspaceId', 'w.name as workspaceName', 'w.description as workspaceDescription', 'by.firstName as byFirstName', 'by.lastName as byLastName'])
    .where('token' in ref ? 'i.token' : 'i.id', '=', 'token' in ref ? hashOf(ref.token) : ref.id)
    .executeTakeFirst();
  return row;
}
export type FoundInvitation = NonNullable<Awaited<ReturnType<typeof findInvitation>>>;

/** What stands in the way of using this invitation now, if anything (status, expiry; not the person). */
export function closedProblem(inv: { status: Invitationstatus; expiresAt: Date | string }, now = Date.now()): InvitationProblem | null {
  if (inv.status === 'Accepted') return 'accepted';
  if (inv.status === 'Revoked') return 'revoked';
  if (inv.status === 'Expired' || new Date(inv.expiresAt).getTime() <= now) return 'expired';
  return null;
}

export const isFor = (inv: { email: string }, user: { email: string }) => inv.email.toLowerCase() === user.email.toLowerCase();

export type AcceptResult =
  | { ok: true; workspaceId: string; workspaceName: string; role: WorkspaceRole; membershipRole: WorkspaceRole; madeAdmin: boolean }
  | { ok: false; problem: InvitationProblem };

/**
 * Accepts the invitation for the signed-in person. By token (the mailed link: proof of the
 * mailbox), or by id from /invitations, which needs the account's address to be confirmed.
 */
export async function acceptInvitation(
  db: Database,
  audit: AuditContext,
  user: { id: string; email: string; emailVerified: boolean },
  ref: InvitationRef,
): Promise<AcceptResult> {
  const found = await findInvitation(db, ref);
  if (!found) return { ok: false, problem: 'unknown' };
  return db.transaction().execute(async (trx): Promise<AcceptResult> => {
    // The workspace first, then the invitation: the order every writer here takes them in.
    await lockWorkspace(trx, found.workspaceId);
    const inv = await trx.selectFrom('invitation').select(['id', 'email', 'role', 'status', 'expiresAt']).where('id', '=', found.id).forUpdate().executeTakeFirst();
    if (!inv) return { ok: false, problem: 'unknown' };
    const closed = closedProblem(inv);
    if (closed) return { ok: false, problem: closed };
    if (!isFor(inv, user)) return { ok: false, problem: 'not_yours' };
    if ('id' in ref && !user.emailVerified) return { ok: false, problem: 'unverified' };

    const existing = await trx.selectFrom('membership').select(['id', 'role']).where('userId', '=', user.id).where('workspaceId', '=', found.workspaceId).executeTakeFirst();
    let membershipRole: WorkspaceRole = inv.role;
    let membershipId: string;
    if (!existing) {
      membershipId = (await trx.insertInto('membership').values({ userId: user.id, workspaceId: found.workspaceId, role: inv.role }).returning('id').executeTakeFirstOrThrow()).id;
    } else {
      membershipId = existing.id;
      // An invitation raises a role, never lowers it.
      if (ROLE_RANK[existing.role] < ROLE_RANK[inv.role]) await trx.updateTable('membership').set({ role: inv.role }).where('id', '=', existing.id).execute();
      else membershipRole = existing.role;
    }
    await trx.updateTable('invitation').set({ status: 'Accepted', acceptedAt: new Date(), userId: user.id }).where('id', '=', inv.id).execute();
    await recordActivity(trx, audit, {
      action: 'invitation_accepted',
      entityType: 'invitation',
      entityId: inv.id,
      metadata: { workspaceId: found.workspaceId, membershipId, role: inv.role, membershipRole, previousRole: existing?.role ?? null },
    });
    const madeAdmin = isStaffRole(membershipRole) && (await raiseToAdmin(trx, audit, user.id, { workspaceId: found.workspaceId, invitationId: inv.id })) !== null;
    return { ok: true, workspaceId: found.workspaceId, workspaceName: found.workspaceName, role: inv.role, membershipRole, madeAdmin };
  });
}

/** The signed-in person's open invitations (/invitations): one query. */
export function invitationsFor(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('invitation as i')
    .innerJoin('workspace as w', 'w.id', 'i.workspaceId')
    .innerJoin('user as by', 'by.id', 'i.invitedBy')
    .select(['i.id', 'i.role', 'i.expiresAt', 'i.createdAt', 'w.name as workspaceName', 'by.firstName as byFirstName', 'by.lastName as byLastName'])
    .where('i.email', '=', email.toLowerCase())
    .where('i.status', '=', 'Pending')
    .where('i.expiresAt', '>', new Date())
    .orderBy('i.createdAt', 'desc')
    .limit(50)
    .execute();
}
