import type { Database } from '../db/database.ts';
import { awardCompletedPeriods, type PeriodOutcome } from '../features/leaderboard/award.ts';

/**
 * Hourly, under runOncePerTick (in the tick's transaction): the last completed week and month are
 * awarded if they are not yet (features/leaderboard/award.ts); every other hour finds both done.
 */
export function awardLeaderboards(db: Database): Promise<PeriodOutcome[]> {
  return awardCompletedPeriods(db);
}
