import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser, timeZoneOf } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import type { Logger } from '../../logger.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { handOverCourse, handOverInput } from './course-hand-over.ts';
import { failureLabel } from './logins.ts';
import { isSuperAdmin, requireSuperAdmin, staffRoleOfResponse } from './staff.ts';
import { serveAdminTable, type TablePage } from './table.ts';
import { loadUserPage, usersTable, USERS_PATH, type UserRow } from './users-queries.ts';
import { banInput, BAN_REASON_MAX, courseIdParam, roleInput, ROLES, userIdParam, type UsersQuery } from './users-schemas.ts';
import { banUser, changeRole, preparePasswordReset, unbanUser, verifyUserEmail, type ActionResult } from './users-service.ts';

/**
 * /admin/users: the users table, one user's page, and the actions on it (plain forms: 303 back to
 * the user page with a message; a refused form is the page again, 422, with what was typed and
 * the message beside the field). Role changes are for workspace SuperAdmins (requireSuperAdmin);
 * the other rules (not yourself, another admin only by a SuperAdmin) are the service's.
 */

type Form = 'ban' | 'role' | 'reset' | 'handover';

interface Problem {
  form: Form;
  errors: FieldErrors;
  values: Record<string, string>;
}

export interface UserAdminDeps {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
}

const roleOf = (role: string | null) => role ?? 'student';

/** "until <when>" or "permanently", in the reader's language; '' when not banned. */
function banLabel(u: { banned: boolean | null; banExpires: Date | string | null }, tr: Translator, format: (d: Date | string) => string): string {
  if (!u.banned) return '';
  return u.banExpires ? tr.t('until {date}', { date: format(u.banExpires) }) : tr.t('permanently');
}

/** "Firefox on Windows", in the reader's language. */
function deviceOf(ua: string | null, tr: Translator): string {
  const d = describeUserAgent(ua);
  return tr.t('{browser} on {os}', { browser: d.browser, os: d.os });
}

export function userAdminRoutes({ db, mailer, logger, baseUrl }: UserAdminDeps): Router {
  const router = Router();
  const table = usersTable(db);

  function renderTable(res: Response, page: TablePage<UsersQuery, UserRow>) {
    const timeZone = timeZoneOf(res);
    const tr = translatorOf(res);
    render(res, 'admin/users', {
      title: tr.t('Users'),
      rows: page.rows.map((r) => ({
        ...r,
        name: `${r.firstName} ${r.lastName ?? ''}`.trim(),
        role: roleOf(r.role),
        banLabel: banLabel(r, tr, (d) => tr.date(d, timeZone)),
        createdLabel: tr.date(r.createdAt, timeZone),
        lastSeenLabel: r.lastSeenAt ? tr.date(r.lastSeenAt, timeZone) : tr.t('never'),
      })),
      filter: page.filter,
      roles: ROLES,
      pageInfo: page.pageInfo,
    });
  }

  router.get('/', (req, res) => serveAdminTable(req, res, table, (page) => renderTable(res, page)));

  function userIdOf(req: Request): string {
    const parsed = userIdParam.safeParse(req.params);
    if (!parsed.success) throw notFound();
    return parsed.data.userId;
  }

  async function userPage(res: Response, userId: string, problem?: Problem, status = 200) {
    const data = await loadUserPage(db, userId);
    if (!data) throw notFound();
    const timeZone = timeZoneOf(res);
    const tr = translatorOf(res);
    const { user } = data;
    const name = `${user.firstName} ${user.lastName ?? ''}`.trim();
    const device = (ua: string | null) => deviceOf(ua, tr);
    render(
      res,
      'admin/user',
      {
        title: tr.t('{name} (user)', { name }),
        person: { ...user, name, role: roleOf(user.role), banLabel: banLabel(user, tr, (d) => tr.dateTime(d, timeZone)) },
        isSelf: currentUser(res)?.id === user.id,
        superAdmin: isSuperAdmin(staffRoleOfResponse(res)),
        roles: ROLES,
        banReasonMax: BAN_REASON_MAX,
        sessions: data.sessions.map((s) => ({ ...s, device: device(s.userAgent) })),
        enrollments: data.enrollments.map((e) => ({ ...e, amountLabel: tr.money(e.amount) })),
        payments: data.payments.map((p) => ({ ...p, amountLabel: tr.money(p.amount, p.currency) })),
        logins: data.logins.map((l) => ({ ...l, device: device(l.userAgent), reason: failureLabel(l.failureReason ?? 'unknown', tr) })),
        activity: data.activity,
        courses: data.courses,
        links: {
          enrollments: `/admin/enrollments?${new URLSearchParams({ user: user.email })}`,
          payments: `/admin/payments?${new URLSearchParams({ user: user.email })}`,
          logins: `/admin/logins?${new URLSearchParams({ user: user.email })}`,
          activity: `/admin/activity?${new URLSearchParams({ actor: user.id })}`,
        },
        problem,
      },
      status,
    );
  }

  router.get('/:userId', async (req, res) => {
    await userPage(res, userIdOf(req));
  });

  const pageOf = (userId: string) => `${USERS_PATH}/${userId}`;

  /**
   * The service's answer as HTTP: done (303 to the user page with `message`), refused form (422,
   * the page again), not for this admin (403), too many mails (429, the page again) or no such user (404).
   */
  async function answer<T>(req: Request, res: Response, userId: string, form: Form, result: ActionResult<T>, values: Record<string, string>, message: (r: T & { changed: boolean }) => [string, Record<string, string | number>?]) {
    if (result.ok) {
      setFlash(req, result.changed ? 'success' : 'info', ...message(result));
      return res.redirect(303, pageOf(userId));
    }
    switch (result.problem) {
      case 'not_found':
        throw notFound();
      case 'forbidden':
        throw new HttpError(403, result.message);
      case 'invalid':
        return userPage(res, userId, { form, errors: result.errors, values }, 422);
      case 'rate_limited':
        return userPage(res, userId, { form, errors: { _form: translatorOf(res).t(result.message, result.values) }, values }, 429);
    }
  }

  router.post('/:userId/ban', async (req, res) => {
    const userId = userIdOf(req);
    const values = typedValues(req.body, ['banReason', 'banLength', 'banExpires']);
    const timeZone = timeZoneOf(res);
    const input = banInput(timeZone, translatorOf(res)).safeParse(req.body);
    if (!input.success) return userPage(res, userId, { form: 'ban', errors: fieldErrors(input.error), values }, 422);
    const result = await banUser(db, auditOf(req, res), { userId, actorIsSuperAdmin: isSuperAdmin(staffRoleOfResponse(res)), ...input.data });
    // The flash is translated when shown; the end is written on this admin's clock now, in their language.
    const tr = translatorOf(res);
    await answer(req, res, userId, 'ban', result, values, (r) =>
      input.data.banExpires
        ? [msg('Banned until {until}. {devices, plural, one {# device was} other {# devices were}} signed out.'), { until: tr.dateTime(input.data.banExpires, timeZone), devices: r.sessionsEnded }]
        : [msg('Banned permanently. {devices, plural, one {# device was} other {# devices were}} signed out.'), { devices: r.sessionsEnded }],
    );
  });

  router.post('/:userId/unban', async (req, res) => {
    const userId = userIdOf(req);
    const result = await unbanUser(db, auditOf(req, res), { userId, actorIsSuperAdmin: isSuperAdmin(staffRoleOfResponse(res)) });
    await answer(req, res, userId, 'ban', result, {}, (r) => [r.changed ? msg('Ban lifted.') : msg('There was no ban to lift.')]);
  });

  router.post('/:userId/role', requireSuperAdmin, async (req, res) => {
    const userId = userIdOf(req);
    const values = typedValues(req.body, ['role']);
    const input = roleInput.safeParse(req.body);
    if (!input.success) return userPage(res, userId, { form: 'role', errors: fieldErrors(input.error), values }, 422);
    const result = await changeRole(db, auditOf(req, res), { userId, role: input.data.role });
    await answer(req, res, userId, 'role', result, values, (r) =>
      r.changed
        ? [msg('Role changed from {from, select, student {student} teacher {teacher} admin {admin} other {{from}}} to {role, select, student {student} teacher {teacher} admin {admin} other {{role}}}. Their browsers get a new session at their next request.'), { from: r.from, role: input.data.role }]
        : [msg('The role was {role, select, student {student} teacher {teacher} admin {admin} other {{role}}} already.'), { role: input.data.role }],
    );
  });

  // A course of theirs to another teacher (course-hand-over.ts); the flash names both.
  router.post('/:userId/hand-over', async (req, res) => {
    const userId = userIdOf(req);
    const values = typedValues(req.body, ['courseId', 'email']);
    const course = courseIdParam.safeParse(req.body?.courseId);
    if (!course.success) return userPage(res, userId, { form: 'handover', errors: { courseId: msg('Choose the course to hand over.') }, values }, 422);
    const input = handOverInput.safeParse(req.body);
    if (!input.success) return userPage(res, userId, { form: 'handover', errors: fieldErrors(input.error), values }, 422);
    const result = await handOverCourse(db, auditOf(req, res), { courseId: course.data, fromUserId: userId, email: input.data.email });
    await answer(req, res, userId, 'handover', result, values, (r) => [msg('“{course}” is now taught by {name}. Its students, their progress and payments stay as they were.'), { course: r.courseTitle, name: r.toName }]);
  });

  router.post('/:userId/verify', async (req, res) => {
    const userId = userIdOf(req);
    const result = await verifyUserEmail(db, auditOf(req, res), { userId });
    await answer(req, res, userId, 'reset', result, {}, (r) => [r.changed ? msg('Email address marked as verified.') : msg('The email address was verified already.')]);
  });

  router.post('/:userId/password-reset', async (req, res) => {
    const userId = userIdOf(req);
    const result = await preparePasswordReset(db, auditOf(req, res), { userId, baseUrl });
    if (result.ok) {
      // After commit: a mail is never sent for a token that was rolled back.
      try {
        await mailer.send(result.mail);
      } catch (err) {
        logger.error({ err, userId }, 'admin password reset mail failed');
        setFlash(req, 'error', msg('The reset link was made but the mail could not be sent. Try again in a moment.'));
        return res.redirect(303, pageOf(userId));
      }
    }
    await answer(req, res, userId, 'reset', result, {}, () => [msg('A password reset link was mailed to {email}. It works for 1 hour, once.'), { email: result.ok ? result.mail.to : '' }]);
  });

  return router;
}
