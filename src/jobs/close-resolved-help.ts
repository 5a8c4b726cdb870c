import type { Database } from '../db/database.ts';
import { closeResolvedRequests } from '../features/help/service.ts';

/**
 * Hourly, under runOncePerTick (in the tick's transaction): help requests Resolved for
 * `help.autoCloseResolvedDays` days (14 by default) since their last message are Closed, each with
 * an audit row. A reply before then reopens the request instead (features/help/service.ts).
 */
export function closeResolvedHelp(db: Database): Promise<{ closed: number }> {
  return closeResolvedRequests(db);
}
