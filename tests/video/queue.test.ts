import { afterEach, describe, expect, it } from 'vitest';
import { createJobQueue, QUEUES, type JobQueue } from '../../src/queue/boss.ts';
import { silentLogger } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';

/** The PostgreSQL-backed queue (pg-boss over our pool): transactional sends, one run per job. */
describe('job queue', () => {
  const database = useTestDatabase();
  const started: JobQueue[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((q) => q.stop({ timeoutMs: 1000 })));
  });
  const queueOf = () => {
    const q = createJobQueue({ db: database.db, logger: silentLogger, maintenanceIntervalSeconds: 1 });
    started.push(q);
    return q;
  };

  it('queues a job only when the transaction that sends it commits', async () => {
    const queue = queueOf();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queue.send(trx, QUEUES.videoTranscode, { videoKey: 'rolled-back' }, { singletonKey: 'rolled-back' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await database.db.transaction().execute((trx) => queue.send(trx, QUEUES.videoTranscode, { videoKey: 'kept' }, { singletonKey: 'kept' }));
    expect(id).toBeTruthy();
    // The same singleton while one is queued: not queued twice.
    expect(await database.db.transaction().execute((trx) => queue.send(trx, QUEUES.videoTranscode, { videoKey: 'kept' }, { singletonKey: 'kept' }))).toBeNull();
    const seen: string[] = [];
    await queue.start();
    await queue.work<{ videoKey: string }>(QUEUES.videoTranscode, { pollingIntervalSeconds: 0.5 }, async (job) => {
      seen.push(job.data.videoKey);
    });
    await expect.poll(() => seen, { timeout: 10_000, interval: 100 }).toEqual(['kept']);
    await expect.poll(() => queue.jobState(QUEUES.videoTranscode, id!), { timeout: 5_000, interval: 100 }).toBe('completed');
  });
});
