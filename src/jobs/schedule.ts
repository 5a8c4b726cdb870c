import cron from 'node-cron';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { liftExpiredBans } from './lift-expired-bans.ts';
import { pruneExpired } from './prune-expired.ts';
import { releaseScheduledContent } from './release-scheduled-content.ts';

export interface Job {
  name: string;
  /** Cron expression (node-cron, with seconds optional). */
  schedule: string;
  run(db: Database): Promise<unknown>;
}

export const jobs: Job[] = [
  { name: 'release-scheduled-content', schedule: '* * * * *', run: releaseScheduledContent },
  { name: 'lift-expired-bans', schedule: '* * * * *', run: liftExpiredBans },
  { name: 'prune-expired', schedule: '17 * * * *', run: pruneExpired },
];

/**
 * Runs a job inside one transaction that holds a Postgres advisory lock named after the job,
 * so that with N instances only one runs each tick. Returns undefined when another instance had it.
 */
export async function runExclusively<T>(db: Database, name: string, run: (db: Database) => Promise<T>): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${'edupeak-job:' + name})) as locked`.execute(trx);
    if (!rows[0]?.locked) return undefined;
    return run(trx);
  });
}

export interface RunningJobs {
  /** Stops scheduling and waits for runs in progress. */
  stop(): Promise<void>;
}

export function startJobs({ db, logger }: { db: Database; logger: Logger }): RunningJobs {
  const inFlight = new Set<Promise<unknown>>();
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      () => {
        const run = runExclusively(db, job.name, job.run)
          .then((result) => {
            if (result !== undefined) logger.debug({ job: job.name, result }, 'job ran');
          })
          .catch((err: unknown) => logger.error({ err, job: job.name }, 'job failed'))
          .finally(() => inFlight.delete(run));
        inFlight.add(run);
        return run;
      },
      { name: job.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.destroy()));
      await Promise.allSettled([...inFlight]);
    },
  };
}
