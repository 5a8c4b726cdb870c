import { rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { startVideoWorkers } from '../../src/features/video/worker.ts';
import { createJobQueue, type JobQueue } from '../../src/queue/boss.ts';
import { createDiskStorage, type Storage } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { silentLogger, testConfig } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';

/** `npm start` on a fresh DATA_DIR: the demo lessons' videos get their small copies and posters by themselves. */
describe('the demo videos are transcoded like uploads', () => {
  const t = useTestDatabase();
  const config = testConfig();
  let storage: Storage;
  let queue: JobQueue | undefined;
  beforeAll(() => {
    storage = createDiskStorage(path.join(config.dataDir, 'uploads'));
  });
  afterAll(async () => {
    await queue?.stop({ timeoutMs: 2000 });
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  const jobs = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'video-transcode'`.execute(t.db)).rows[0]!.n;

  it('the seed queues each demo video once (seeding again queues nothing), and a worker makes them Ready', async () => {
    await seedDemo(t.db, { env: 'development', storage });
    const rows = await t.db.selectFrom('videoTranscode').innerJoin('lesson', 'lesson.videoKey', 'videoTranscode.videoKey').select(['videoTranscode.videoKey', 'videoTranscode.status']).execute();
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === 'Queued')).toBe(true);
    expect(await jobs()).toBe(6);

    await seedDemo(t.db, { env: 'development', storage });
    expect(await jobs()).toBe(6);

    queue = createJobQueue({ db: t.db, logger: silentLogger, maintenanceIntervalSeconds: 1 });
    await queue.start();
    await startVideoWorkers({ db: t.db, storage, logger: silentLogger, queue, config: { ffmpeg: config.ffmpeg, videoWorkers: 2, dataDir: config.dataDir } }, { pollingIntervalSeconds: 0.5 });
    const ready = async () => (await t.db.selectFrom('videoTranscode').select('status').where('status', '=', 'Ready').execute()).length;
    // Six 8 s clips, three copies each: about 10 s alone, several times that beside the whole suite.
    await expect.poll(ready, { timeout: 120_000, interval: 200 }).toBe(6);

    // The demo lecture (seeds/demo-lecture.ts) is 854x480 with sound: every copy, each smaller than the original.
    const made = await t.db.selectFrom('videoRendition').select(['videoKey', 'kind', 'width', 'height', 'bytes']).orderBy('kind').execute();
    expect(new Set(made.map((r) => `${r.kind} ${r.width}x${r.height}`))).toEqual(new Set(['audio nullxnull', 'hd 854x480', 'poster 640x360', 'small 640x360']));
    expect(made).toHaveLength(24);
    const original = Number((await t.db.selectFrom('videoTranscode').select('sourceBytes').executeTakeFirstOrThrow()).sourceBytes);
    for (const r of made) expect(Number(r.bytes)).toBeLessThan(original);
    for (const { videoKey } of rows) expect(await storage.head(renditionKey(videoKey, 'small'))).toMatchObject({ contentType: 'video/mp4' });
    expect(await t.db.selectFrom('videoTranscode').select(['durationSeconds']).where('durationSeconds', '<>', '8.00').execute()).toEqual([]);
  }, 180_000);
});
