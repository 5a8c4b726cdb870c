import type { RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { currentUser } from '../../http/guards.ts';

/**
 * Who is online (spec `online_session`, shown on /admin/online): one row per signed-in device
 * (`session_id` is the device's `session.id`, so the prune job can drop rows whose sign-in is gone),
 * its last activity refreshed at most once a minute.
 *
 * Cost: the cookie session remembers when this device was last recorded (`onlineAt`), so a request
 * within REFRESH_MS of it costs no query at all. Past that, ONE upsert, whose conflict update only
 * touches a row older than a minute (other instances or parallel requests may have refreshed it),
 * and the cookie session is saved once more (express-session writes it because it changed). So a
 * device costs at most one upsert and one session write a minute, whatever it requests: pages,
 * htmx fragments and files alike (static assets are served before sessions and never get here).
 */

declare module 'express-session' {
  interface SessionData {
    /** When this device's online_session row was last refreshed (ms since the epoch). */
    onlineAt?: number;
  }
}

export const PRESENCE_REFRESH_MS = 60_000;

/**
 * Records the device's activity, one statement: the online_session upsert (refreshes a row older
 * than a minute, else nothing) and the user's active day (user_active_day, UTC; nothing when the
 * day is already there), which /admin/analytics counts as "active users".
 */
export async function recordPresence(db: Database, visit: { userId: string; sessionId: string; ipAddress: string | null; userAgent: string | null }): Promise<void> {
  await sql`
    with active_day as (
      insert into user_active_day (day, user_id) values ((now() at time zone 'UTC')::date, ${visit.userId})
      on conflict do nothing
    )
    insert into online_session (user_id, session_id, ip_address, user_agent)
    values (${visit.userId}, ${visit.sessionId}, ${visit.ipAddress}, ${visit.userAgent})
    on conflict (session_id) do update
      set last_activity_at = now(), user_id = excluded.user_id, ip_address = excluded.ip_address, user_agent = excluded.user_agent
      where online_session.last_activity_at < now() - interval '1 minute'`.execute(db);
}

/** Mounted right after loadCurrentUser (which sets the user and `res.locals.deviceSessionId`). */
export function trackPresence(db: Database): RequestHandler {
  return async (req, res, next) => {
    const user = currentUser(res);
    const sessionId = res.locals.deviceSessionId as string | undefined;
    // An admin viewing as someone (admin/impersonation*.ts) does not make that person "online".
    if (!user || !sessionId || !req.session || res.locals.impersonator) return next();
    const now = Date.now();
    const last = req.session.onlineAt;
    // A time in the future (a clock set back) counts as stale, so it cannot silence the row for long.
    if (typeof last === 'number' && last <= now && now - last < PRESENCE_REFRESH_MS) return next();
    req.session.onlineAt = now;
    await recordPresence(db, { userId: user.id, sessionId, ipAddress: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 500) ?? null });
    next();
  };
}
