/**
 * job_run: one row per cron job and scheduled tick that ran. An addition to the spec: like rate_limit
 * it is infrastructure. Every instance's node-cron fires each tick; the advisory lock alone only kept
 * runs from overlapping, and since the jobs finish in milliseconds two instances often both ran the
 * same minute. The run inserts (job, tick) here in its own transaction, `on conflict do nothing`: the
 * primary key lets one run per tick commit. Rows older than 7 days are deleted by the prune-job-runs job.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_run')
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('tick', 'timestamptz', (c) => c.notNull()) // the scheduled time, not when it fired
    .addColumn('ran_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('job_run_pkey', ['job', 'tick'])
    .execute();
  // The prune job deletes old ticks of every job at once.
  await db.schema.createIndex('job_run_tick_idx').on('job_run').column('tick').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_run').execute();
}
