import cron from 'node-cron';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from '../storage/index.ts';
import { collectUnreferencedFiles } from './collect-unreferenced-files.ts';
import { followUpMail } from './follow-up-mail.ts';
import { deliverAllMail } from '../features/notifications/outbox.ts';
import type { Mailer } from '../mail/mailer.ts';
import { liftExpiredBans } from './lift-expired-bans.ts';
import { pruneExpired } from './prune-expired.ts';
import { recordMissedAssignments } from './record-missed-assignments.ts';
import { releaseScheduledContent } from './release-scheduled-content.ts';
import { publishAnnouncements } from './publish-announcements.ts';
import { expireInvitationsJob } from './expire-invitations.ts';
import { closeResolvedHelp } from './close-resolved-help.ts';
import { awardLeaderboards } from './award-leaderboards.ts';
import { deleteAccounts } from './delete-accounts.ts';

export interface Job {
  name: string;
  /** Cron expression (node-cron, with seconds optional). */
  schedule: string;
  run(db: Database): Promise<unknown>;
}

/** How long job_run rows are kept: long enough to see when each job last ran. */
export const JOB_RUN_RETENTION_DAYS = 7;

/** Deletes job_run rows of ticks older than the retention: the table would otherwise grow by a row a minute per job. */
export async function pruneJobRuns(db: Database): Promise<{ jobRuns: number }> {
  const before = new Date(Date.now() - JOB_RUN_RETENTION_DAYS * 86_400_000);
  const result = await db.deleteFrom('jobRun').where('tick', '<', before).executeTakeFirst();
  return { jobRuns: Number(result.numDeletedRows) };
}

export const jobs: Job[] = [
  { name: 'release-scheduled-content', schedule: '* * * * *', run: releaseScheduledContent },
  { name: 'lift-expired-bans', schedule: '* * * * *', run: liftExpiredBans },
  { name: 'publish-announcements', schedule: '* * * * *', run: publishAnnouncements },
  { name: 'record-missed-assignments', schedule: '*/5 * * * *', run: recordMissedAssignments },
  { name: 'prune-expired', schedule: '17 * * * *', run: pruneExpired },
  { name: 'prune-job-runs', schedule: '43 * * * *', run: pruneJobRuns },
  { name: 'expire-invitations', schedule: '*/10 * * * *', run: expireInvitationsJob },
  { name: 'close-resolved-help', schedule: '37 * * * *', run: closeResolvedHelp },
  { name: 'award-leaderboards', schedule: '5 * * * *', run: awardLeaderboards },
];

/**
 * Every job of a running server: the database-only ones, and those that need the file storage or
 * the mailer. The file sweep queries through `db`, not the tick's transaction: deleting a file cannot be rolled
 * back anyway, and the sweep is idempotent (a retried tick finds nothing more to delete).
 */
export function serverJobs({ db, storage, mailer, logger, baseUrl }: { db: Database; storage: Storage; mailer: Mailer; logger: Logger; baseUrl: string }): Job[] {
  return [
    ...jobs,
    // Daily at 09:20: the once-per-enrollment "pick up where you left off" reminder. Through `db`: one
    // transaction per batch of 500, each claiming its enrollments and queueing their mail together.
    { name: 'follow-up-mail', schedule: '20 9 * * *', run: () => followUpMail(db) },
    { name: 'collect-unreferenced-files', schedule: '27 * * * *', run: () => collectUnreferencedFiles({ db, storage }) },
    // Mail queued by notifications and announcements that the app did not deliver itself (a crash, a
    // restart, a failed send, an announcement published by the job). Through `db`, not the tick's
    // transaction: each batch is claimed and committed before it is sent (outbox.ts).
    { name: 'deliver-mail', schedule: '* * * * *', run: () => deliverAllMail({ db, mailer, logger, baseUrl }) },
    // Accounts whose 7 days of grace are over (features/accounts/deletion.ts), then their files. Through
    // `db`: one transaction per account, each committed before its files are deleted.
    { name: 'delete-accounts', schedule: '*/15 * * * *', run: () => deleteAccounts({ db, storage, logger }) },
  ];
}

/**
 * The tick a run belongs to: the time the schedule named (node-cron's `context.date`, the same on
 * every instance), never the moment this instance got round to it. Whole seconds, the finest a
 * node-cron schedule can name.
 */
export function tickOf(scheduled: Date): Date {
  return new Date(Math.floor(scheduled.getTime() / 1000) * 1000);
}

export type TickOutcome<T> =
  | { ran: true; result: T }
  /** `busy`: another instance is running this job right now; `taken`: a run of this tick has committed. */
  | { ran: false; reason: 'busy' | 'taken' };

/**
 * Runs a job for one scheduled tick, on one instance of however many fire for it, in one transaction:
 *
 * 1. `pg_try_advisory_xact_lock` on the job's name: another instance is running it (this tick, or a
 *    slow earlier one), so skip rather than wait or overlap.
 * 2. Insert (job, tick) into job_run, `on conflict do nothing`: no row back means a run of this tick
 *    has already committed, however many milliseconds ago, so skip. (The lock alone let an instance
 *    firing a few ms after another's run had finished run the tick again.) The insert happens under
 *    the lock, so it never waits on another instance's uncommitted row.
 * 3. Run the job in the same transaction.
 *
 * The claim commits with the work, so a tick counts as done exactly when its work is. A failed run
 * rolls both back: the tick stays unclaimed and an instance firing for it later may try it again;
 * the next tick has its own key, so a failure never blocks it. Every job is a catch-up ("all that is
 * due by now"), so a retried or skipped tick is harmless; two committed runs of one tick are what
 * this prevents.
 */
export async function runOncePerTick<T>(db: Database, name: string, tick: Date, run: (db: Database) => Promise<T>): Promise<TickOutcome<T>> {
  return db.transaction().execute(async (trx): Promise<TickOutcome<T>> => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${'edupeak-job:' + name})) as locked`.execute(trx);
    if (!rows[0]?.locked) return { ran: false, reason: 'busy' };
    const claimed = await trx
      .insertInto('jobRun')
      .values({ job: name, tick: tickOf(tick) })
      .onConflict((oc) => oc.doNothing())
      .returning('job')
      .executeTakeFirst();
    if (!claimed) return { ran: false, reason: 'taken' };
    return { ran: true, result: await run(trx) };
  });
}

export interface RunningJobs {
  /** Stops scheduling and waits for runs in progress. */
  stop(): Promise<void>;
}

/** Schedules every job (tests pass their own list) on this instance; runOncePerTick keeps each tick to one run across instances. */
export function startJobs({ db, logger, schedule = jobs }: { db: Database; logger: Logger; schedule?: Job[] }): RunningJobs {
  const inFlight = new Set<Promise<unknown>>();
  const tasks = schedule.map((job) =>
    cron.schedule(
      job.schedule,
      (context) => {
        const tick = tickOf(context.date);
        const run = runOncePerTick(db, job.name, tick, job.run)
          .then((outcome) => {
            if (outcome.ran) logger.debug({ job: job.name, tick, result: outcome.result }, 'job ran');
          })
          .catch((err: unknown) => logger.error({ err, job: job.name, tick }, 'job failed'))
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
