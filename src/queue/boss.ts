import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * Background work that must not run in a request and must survive restarts: a PostgreSQL-backed
 * queue (pg-boss). Jobs are rows in the `pgboss` schema (installed by a migration:
 * migrations/20261129000000-video-renditions.ts), claimed with SKIP LOCKED, so each runs once
 * however many instances work the queue; a job whose instance died mid-run expires and is retried.
 *
 * pg-boss talks to PostgreSQL through our Kysely pool (no second pool), and `send` takes the
 * caller's transaction: a job is queued exactly when the change that needs it commits (an upload's
 * row update), never for a change that rolled back, and never missing for one that committed.
 */

/** Every queue, created by a migration with its retry and expiry policy. */
export const QUEUES = {
  videoTranscode: 'video-transcode',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface SendOptions {
  /** At most one queued and one running job per key (the queues are `stately`). */
  singletonKey?: string;
  /** How long a run may take before it counts as crashed and is retried (the queue's default otherwise). */
  expireInSeconds?: number;
  retryLimit?: number;
  retryDelay?: number;
}

export interface QueuedJob<T> {
  id: string;
  data: T;
  /** Runs before this one (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

export interface WorkOptions {
  /** How often an idle worker looks for work (pg-boss's minimum is 0.5 s). */
  pollingIntervalSeconds?: number;
}

export interface JobQueue {
  /** Queues a job in the caller's transaction; null when an identical singleton is already queued. */
  send<T extends object>(trx: Database, queue: QueueName, data: T, options?: SendOptions): Promise<string | null>;
  /** Starts the queue's supervision (expiry of crashed runs, retention) and, with work(), workers. */
  start(): Promise<void>;
  /** Runs `handler` for each job of `queue`, one at a time per call; a throw fails the run (and retries it). */
  work<T>(queue: QueueName, options: WorkOptions, handler: (job: QueuedJob<T>) => Promise<void>): Promise<void>;
  /** Stops fetching, waits up to `timeoutMs` for runs in flight, then fails what is left (to be retried). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** For tests and the admin: a job's state. */
  jobState(queue: QueueName, id: string): Promise<string | undefined>;
}

export interface JobQueueOptions {
  db: Database;
  logger: Logger;
  /** How often expired runs are looked for (seconds; tests use 1). */
  maintenanceIntervalSeconds?: number;
}

/** pg-boss's database interface over a Kysely connection or transaction. */
function executor(db: Database) {
  const raw = db.withoutPlugins();
  return {
    executeSql: async (text: string, values: unknown[] = []) => raw.executeQuery(CompiledQuery.raw(text, values)),
  };
}

export function createJobQueue({ db, logger, maintenanceIntervalSeconds = 60 }: JobQueueOptions): JobQueue {
  const boss = new PgBoss({
    db: executor(db),
    schema: 'pgboss',
    // The schema and queues come from our migrations; pg-boss only checks their version at start.
    migrate: false,
    // Cron is node-cron's (jobs/schedule.ts); pg-boss schedules nothing.
    schedule: false,
    maintenanceIntervalSeconds,
  });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  let started = false;
  // Handlers still running: stop() waits for them (up to its timeout) even past pg-boss's own wait,
  // so that nothing of theirs touches the pool after the caller closes it.
  const inFlight = new Set<Promise<void>>();

  return {
    async send(trx, queue, data, options = {}) {
      return boss.send(queue, data, { ...options, db: executor(trx) } as PgBoss.SendOptions);
    },
    async start() {
      if (started) return;
      await boss.start();
      started = true;
    },
    async work<T>(queue: QueueName, options: WorkOptions, handler: (job: QueuedJob<T>) => Promise<void>) {
      await boss.work<T>(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async (jobs) => {
        for (const job of jobs) {
          const run = handler({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
          inFlight.add(run);
          try {
            await run;
          } finally {
            inFlight.delete(run);
          }
        }
      });
    },
    async stop({ timeoutMs = 10_000 } = {}) {
      if (!started) return;
      started = false;
      const until = Date.now() + timeoutMs;
      await new Promise<void>((resolve) => {
        boss.once('stopped', () => resolve());
        void boss.stop({ graceful: true, timeout: timeoutMs, close: false }).catch((err: unknown) => {
          logger.error({ err }, 'job queue did not stop cleanly');
          resolve();
        });
      });
      if (inFlight.size > 0) {
        const left = Math.max(0, until - Date.now());
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, left).unref())]);
      }
    },
    async jobState(queue, id) {
      const job = await boss.getJobById(queue, id, { includeArchive: true });
      return job?.state;
    },
  };
}
