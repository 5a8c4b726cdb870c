import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { JOB_RUN_RETENTION_DAYS, pruneJobRuns, runOncePerTick, startJobs, type Job } from '../../src/jobs/schedule.ts';
import { silentLogger } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';

/**
 * Every instance's node-cron fires every tick. A job must run once per tick however many instances
 * fire, whether they fire at the same moment or a few milliseconds apart (the advisory lock alone
 * only stopped overlapping runs: in 5 of 14 observed ticks both instances ran the job).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const minute = (n: number) => new Date(Date.UTC(2026, 10, 27, 12, n));

describe('each cron job runs once per scheduled tick across instances', () => {
  const t = useTestDatabase();
  // Two instances: each has its own pool on the one database, as two processes would.
  let a: Database;
  let b: Database;
  beforeAll(() => {
    a = createDatabase({ connectionString: t.url, max: 3 });
    b = createDatabase({ connectionString: t.url, max: 3 });
  });
  afterAll(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
  });

  const ticksOf = async (job: string) =>
    (await t.db.selectFrom('jobRun').select('tick').where('job', '=', job).orderBy('tick').execute()).map((r) => r.tick.toISOString());

  it('two instances firing for the same tick at the same moment: one runs, 20 ticks in a row', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 20; i++) {
      const outcomes = await Promise.all(
        [a, b].map((db, n) =>
          runOncePerTick(db, 'same-moment', minute(i), async () => {
            runs.push(`${i}:${n}`);
          }),
        ),
      );
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    }
    expect(runs).toHaveLength(20);
    expect(await ticksOf('same-moment')).toHaveLength(20);
  });

  it('an instance firing a few ms after the other finished the tick does not run it again; the next tick runs', async () => {
    const runs: string[] = [];
    const record = (who: string) => async () => {
      runs.push(who);
      return who;
    };
    expect(await runOncePerTick(a, 'a-few-ms-apart', minute(0), record('a'))).toEqual({ ran: true, result: 'a' });
    await sleep(5);
    // The old code (advisory lock only) ran here a second time: the first run had already let go.
    expect(await runOncePerTick(b, 'a-few-ms-apart', minute(0), record('b'))).toEqual({ ran: false, reason: 'taken' });
    // The same scheduled minute seen a little late (milliseconds in the date) is still that tick.
    expect(await runOncePerTick(b, 'a-few-ms-apart', new Date(minute(0).getTime() + 250), record('b'))).toEqual({ ran: false, reason: 'taken' });

    expect(await runOncePerTick(b, 'a-few-ms-apart', minute(1), record('b'))).toEqual({ ran: true, result: 'b' });
    expect(await runOncePerTick(a, 'a-few-ms-apart', minute(1), record('a'))).toEqual({ ran: false, reason: 'taken' });
    expect(runs).toEqual(['a', 'b']);
    expect(await ticksOf('a-few-ms-apart')).toEqual([minute(0).toISOString(), minute(1).toISOString()]);
  });

  it('claims are per job: two jobs of the same minute both run', async () => {
    expect(await runOncePerTick(a, 'job-one', minute(5), async () => 1)).toEqual({ ran: true, result: 1 });
    expect(await runOncePerTick(b, 'job-two', minute(5), async () => 2)).toEqual({ ran: true, result: 2 });
  });

  it('a failed run rolls back its work and its claim, so it blocks neither a later try of its tick nor the next tick', async () => {
    await expect(
      runOncePerTick(a, 'flaky', minute(0), async (trx) => {
        await trx.insertInto('rateLimit').values({ key: 'written-by-flaky', hits: 1, windowEndsAt: minute(1) }).execute();
        throw new Error('job broke');
      }),
    ).rejects.toThrow('job broke');
    expect(await ticksOf('flaky')).toEqual([]);
    expect(await t.db.selectFrom('rateLimit').select('key').where('key', '=', 'written-by-flaky').execute()).toEqual([]);

    // Another instance firing later for the same tick may try it again (the jobs are catch-ups) ...
    expect(await runOncePerTick(b, 'flaky', minute(0), async () => 'retried')).toEqual({ ran: true, result: 'retried' });
    // ... and the next tick is a tick of its own.
    expect(await runOncePerTick(a, 'flaky', minute(1), async () => 'next')).toEqual({ ran: true, result: 'next' });
    expect(await ticksOf('flaky')).toHaveLength(2);
  });

  it('two schedulers with pools of their own, firing every second: each tick runs exactly once', async () => {
    const runs: string[] = [];
    const job = (who: string): Job => ({
      name: 'every-second',
      schedule: '* * * * * *',
      run: async () => {
        runs.push(who);
      },
    });
    const started = Date.now();
    const first = startJobs({ db: a, logger: silentLogger, schedule: [job('a')] });
    const second = startJobs({ db: b, logger: silentLogger, schedule: [job('b')] });
    await sleep(3_300);
    await Promise.all([first.stop(), second.stop()]);
    // The whole seconds that began while both were scheduled: at most one run each.
    const secondsBegun = Math.floor(Date.now() / 1000) - Math.floor(started / 1000);

    const ticks = await ticksOf('every-second');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(runs).toHaveLength(ticks.length);
    expect(runs.length).toBeLessThanOrEqual(secondsBegun);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const tick of ticks) expect(new Date(tick).getMilliseconds()).toBe(0);
  });

  it(`prune-job-runs deletes ticks older than ${JOB_RUN_RETENTION_DAYS} days and keeps the rest`, async () => {
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
    await t.db
      .insertInto('jobRun')
      .values([
        { job: 'pruned', tick: daysAgo(JOB_RUN_RETENTION_DAYS + 1) },
        { job: 'pruned', tick: daysAgo(JOB_RUN_RETENTION_DAYS - 1) },
        { job: 'pruned', tick: daysAgo(0) },
      ])
      .execute();
    expect(await pruneJobRuns(t.db)).toEqual({ jobRuns: 1 });
    expect(await ticksOf('pruned')).toHaveLength(2);
  });
});
