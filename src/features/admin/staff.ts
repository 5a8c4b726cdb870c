import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { DB, Workspacerole } from '../../db/types.ts';
import { HttpError } from '../../http/errors.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * What a staff member may do in the admin area (spec workflow 7): every admin (user.role admin)
 * moderates; a workspace SuperAdmin (a membership with role SuperAdmin in any workspace) also
 * edits settings, impersonates, changes roles, bans other admins and invites. One rule, here.
 */

export type StaffRole = Workspacerole;

const RANK: Record<StaffRole, number> = { Member: 1, Admin: 2, SuperAdmin: 3 };

/** The person's highest workspace role, or null without a membership. One indexed query. */
export async function staffRoleOf(db: Kysely<DB>, userId: string): Promise<StaffRole | null> {
  const rows = await db.selectFrom('membership').select('role').where('userId', '=', userId).execute();
  return rows.reduce<StaffRole | null>((best, r) => (best === null || RANK[r.role] > RANK[best] ? r.role : best), null);
}

export const isSuperAdmin = (role: StaffRole | null | undefined): boolean => role === 'SuperAdmin';

/** res.locals.staffRole for the admin area's pages and checks (mounted once, in the /admin router). */
export function loadStaffRole(db: Kysely<DB>): RequestHandler {
  return async (_req, res, next) => {
    const user = res.locals.user as { id: string } | undefined;
    res.locals.staffRole = user ? await staffRoleOf(db, user.id) : null;
    next();
  };
}

export const staffRoleOfResponse = (res: Response): StaffRole | null => (res.locals.staffRole as StaffRole | null | undefined) ?? null;

/** For SuperAdmin actions inside /admin: other admins get a 403 that says why. */
export const requireSuperAdmin: RequestHandler = (_req, res, next) => {
  if (!isSuperAdmin(staffRoleOfResponse(res))) return next(new HttpError(403, msg('Only a workspace SuperAdmin can do this.')));
  next();
};
