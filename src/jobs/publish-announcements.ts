import type { Database } from '../db/database.ts';
import { publishDueAnnouncements } from '../features/announcements/service.ts';

/**
 * Every minute, under runOncePerTick (one instance per tick, in the tick's transaction): Scheduled
 * announcements whose time came are Published and their urgent mail queued; those whose end came are
 * Expired. The mails go out from the deliver-mail job (or the app's next delivery), not from here.
 */
export function publishAnnouncements(db: Database): Promise<{ published: number; expired: number; mailed: number }> {
  return publishDueAnnouncements(db);
}
