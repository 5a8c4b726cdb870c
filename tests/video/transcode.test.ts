import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { lastLine, runTool, ToolError } from '../../src/features/video/ffmpeg.ts';
import { videoWorkDir } from '../../src/features/video/transcode.ts';
import { runTranscodeJob } from '../../src/features/video/worker.ts';
import { createJobQueue } from '../../src/queue/boss.ts';
import { createDiskStorage, createS3Storage, newKey, type Storage } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { silentLogger, testConfig } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createLesson } from '../setup/factories.ts';
import { mp4Video } from '../setup/media.ts';
import { startS3rver } from '../setup/s3.ts';
import { ffprobe, makeClip } from './clips.ts';

/**
 * A teacher's upload becomes the copies a student on a slow connection can afford: the job's
 * ffmpeg work (features/video/transcode.ts) through its runner (worker.ts), on disk and on S3,
 * checked with ffprobe on what ended up in storage.
 */

// The clips are made once for both storage drivers.
const clips = {
  hd: makeClip({ width: 1280, height: 720 }),
  small: makeClip({ width: 320, height: 240 }),
  silent: makeClip({ width: 640, height: 480, audio: false }),
};

describe.each(['disk', 's3'] as const)('transcoding a lesson video, %s storage', (driver) => {
  const database = useTestDatabase();
  let storage: Storage;
  let config: Config;
  let scratch: string;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    config = testConfig();
    cleanups.push(() => rmSync(config.dataDir, { recursive: true, force: true }));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'edupeak-probe-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    if (driver === 'disk') {
      storage = createDiskStorage(path.join(config.dataDir, 'uploads'));
    } else {
      const s3 = await startS3rver();
      storage = createS3Storage(s3.options);
      cleanups.push(s3.stop);
    }
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** Stored as the upload route stores it, the lesson pointing at it and its transcode queued. */
  async function uploaded(video: Buffer): Promise<{ key: string; lessonId: string }> {
    const key = newKey('videos', 'mp4');
    await storage.put(key, video, { contentType: 'video/mp4', contentLength: video.length });
    const lesson = await createLesson(database.db, { videoKey: key });
    await database.db.insertInto('videoTranscode').values({ videoKey: key, lessonId: lesson.id, status: 'Queued', sourceBytes: video.length }).execute();
    return { key, lessonId: lesson.id };
  }

  async function transcode(key: string, ffmpeg: Config['ffmpeg'] = config.ffmpeg, signal?: AbortSignal) {
    const deps = {
      db: database.db,
      storage,
      logger: silentLogger,
      queue: createJobQueue({ db: database.db, logger: silentLogger }),
      config: { ffmpeg, videoWorkers: 1, dataDir: config.dataDir },
      signal,
    };
    const started = performance.now();
    const outcome = await runTranscodeJob(deps, { id: 'test', data: { videoKey: key }, retryCount: 0, retryLimit: 2 });
    return { outcome, ms: Math.round(performance.now() - started) };
  }

  const row = (key: string) => database.db.selectFrom('videoTranscode').selectAll().where('videoKey', '=', key).executeTakeFirstOrThrow();
  const renditionRows = (key: string) => database.db.selectFrom('videoRendition').selectAll().where('videoKey', '=', key).orderBy('kind').execute();

  /** A stored file, fetched to a local file for ffprobe (S3 files included). */
  async function local(key: string): Promise<{ file: string; bytes: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.read(key)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const file = path.join(scratch, path.basename(key));
    writeFileSync(file, bytes);
    return { file, bytes };
  }

  /** Keys stored for this upload: the original and whatever was made from it. */
  async function storedFor(key: string): Promise<string[]> {
    const stem = key.replace(/\.mp4$/, '');
    const keys: string[] = [];
    for await (const file of storage.list(path.posix.dirname(key) + '/')) if (file.key.startsWith(stem)) keys.push(file.key);
    return keys.sort();
  }

  /** An MP4 plays while it downloads when its index (moov) comes before the media data (mdat). */
  const indexFirst = (bytes: Buffer) => bytes.indexOf('moov') > 0 && bytes.indexOf('moov') < bytes.indexOf('mdat');

  it('a 720p upload with sound gets a 360p copy, a 720p copy, 48 kbit/s audio and a WebP poster, recorded with their stored sizes', async () => {
    const { key } = await uploaded(await clips.hd);
    const { outcome, ms } = await transcode(key);
    expect(outcome).toBe('done');
    console.info(`[figures] ${driver}: 2 s 1280x720 clip transcoded in ${ms} ms`);

    const done = await row(key);
    expect(done).toMatchObject({ status: 'Ready', failureReason: null, attempts: 1, sourceWidth: 1280, sourceHeight: 720 });
    expect(Number(done.durationSeconds)).toBeCloseTo(2, 1);

    const rows = await renditionRows(key);
    expect(rows.map((r) => r.kind).sort()).toEqual(['audio', 'hd', 'poster', 'small']);
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]));

    const small = await local(renditionKey(key, 'small'));
    const smallProbe = await ffprobe(small.file);
    expect(smallProbe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(smallProbe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360, profile: 'Main' });
    expect(smallProbe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ channels: 1 });
    expect(Number(smallProbe.format.duration)).toBeCloseTo(2, 1);
    expect(indexFirst(small.bytes)).toBe(true);
    expect(byKind.small).toMatchObject({ width: 640, height: 360, codec: 'h264', bytes: String(small.bytes.length) });

    const hd = await local(renditionKey(key, 'hd'));
    const hdProbe = await ffprobe(hd.file);
    expect(hdProbe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(hdProbe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 1280, height: 720 });
    expect(Number(hdProbe.format.duration)).toBeCloseTo(2, 1);
    expect(indexFirst(hd.bytes)).toBe(true);
    expect(byKind.hd).toMatchObject({ width: 1280, height: 720, codec: 'h264', bytes: String(hd.bytes.length) });

    const audio = await local(renditionKey(key, 'audio'));
    const audioProbe = await ffprobe(audio.file);
    expect(audioProbe.streams).toHaveLength(1);
    expect(audioProbe.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'aac', profile: 'LC', channels: 1 });
    expect(Number(audioProbe.streams[0]!.bit_rate) / 1000).toBeGreaterThan(40);
    expect(Number(audioProbe.streams[0]!.bit_rate) / 1000).toBeLessThan(56);
    expect(Number(audioProbe.format.duration)).toBeCloseTo(2, 1);
    expect(indexFirst(audio.bytes)).toBe(true);
    expect(byKind.audio).toMatchObject({ width: null, height: null, codec: 'aac', bytes: String(audio.bytes.length) });
    expect(byKind.audio!.bitrateKbps).toBeGreaterThan(40);
    expect(byKind.audio!.bitrateKbps).toBeLessThan(56);

    const poster = await local(renditionKey(key, 'poster'));
    expect(await sharp(poster.bytes).metadata()).toMatchObject({ format: 'webp', width: 640, height: 360 });
    expect(byKind.poster).toMatchObject({ width: 640, height: 360, codec: 'webp', bytes: String(poster.bytes.length) });

    // The small copy is the point: a fraction of HD.
    expect(small.bytes.length).toBeLessThan(hd.bytes.length);
    console.info(
      `[figures] ${driver}: original ${(await clips.hd).length} B, small ${small.bytes.length} B, hd ${hd.bytes.length} B, audio ${audio.bytes.length} B, poster ${poster.bytes.length} B`,
    );
    // The work folder is gone.
    expect(readdirSync(videoWorkDir(config.dataDir))).toEqual([]);
  });

  it('a 320x240 upload gets no HD copy, and its small copy keeps its 240 px (never enlarged)', async () => {
    const { key } = await uploaded(await clips.small);
    expect((await transcode(key)).outcome).toBe('done');
    const rows = await renditionRows(key);
    expect(rows.map((r) => r.kind).sort()).toEqual(['audio', 'poster', 'small']);
    const probed = await ffprobe((await local(renditionKey(key, 'small'))).file);
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    expect(rows.find((r) => r.kind === 'poster')).toMatchObject({ width: 320, height: 240 });
    expect(await storedFor(key)).toEqual([key, renditionKey(key, 'small'), renditionKey(key, 'audio'), renditionKey(key, 'poster')].sort());
  });

  it('a silent upload gets no audio-only copy, and its video copies have no sound track', async () => {
    const { key } = await uploaded(await clips.silent);
    expect((await transcode(key)).outcome).toBe('done');
    const rows = await renditionRows(key);
    expect(rows.map((r) => r.kind).sort()).toEqual(['hd', 'poster', 'small']);
    expect(rows.find((r) => r.kind === 'hd')).toMatchObject({ width: 640, height: 480 });
    const probed = await ffprobe((await local(renditionKey(key, 'small'))).file);
    expect(probed.streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(probed.streams[0]).toMatchObject({ width: 480, height: 360 });
    expect(await storage.head(renditionKey(key, 'audio'))).toBeUndefined();
  });

  it('a corrupt upload (an MP4 header and garbage) fails with a reason a teacher can read, and only the original stays stored', async () => {
    const { key } = await uploaded(mp4Video(20_000));
    expect((await transcode(key)).outcome).toBe('failed');
    const failed = await row(key);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toBe('The file is not a video we can read (ffmpeg: moov atom not found). Upload it again or export it as MP4.');
    expect(await renditionRows(key)).toEqual([]);
    expect(await storedFor(key)).toEqual([key]);
    expect(readdirSync(videoWorkDir(config.dataDir))).toEqual([]);
  });

  it('without ffmpeg on the server the video fails, and the reason says ffmpeg is missing', async () => {
    const missing = testConfig({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    rmSync(missing.dataDir, { recursive: true, force: true });
    const { key } = await uploaded(await clips.small);
    expect((await transcode(key, missing.ffmpeg)).outcome).toBe('failed');
    const failed = await row(key);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toMatch(/^ffmpeg is not installed on the server \(looked for \/nonexistent\/ffmpeg\)/);
    expect(failed.failureReason).toMatch(/install ffmpeg/);
    expect(await storedFor(key)).toEqual([key]);
  });

  it('a run stopped mid-transcode (the server shutting down) ends ffmpeg, stores nothing, and is left for the queue to retry', async () => {
    const { key } = await uploaded(await clips.hd);
    const stop = new AbortController();
    const work = videoWorkDir(config.dataDir);
    const running = transcode(key, config.ffmpeg, stop.signal);
    const ffmpegWriting = () => readdirSync(work).some((dir) => existsSync(path.join(work, dir, 'small.mp4')));
    await expect.poll(ffmpegWriting, { timeout: 10_000, interval: 10 }).toBe(true);
    stop.abort();
    // Thrown (not recorded as Failed): the queue runs it again on this or another instance.
    await expect(running).rejects.toThrow(/ffmpeg was stopped \(the server is shutting down\)/);
    expect(await row(key)).toMatchObject({ status: 'Processing', failureReason: null, attempts: 1 });
    expect(await storedFor(key)).toEqual([key]);
    expect(readdirSync(work)).toEqual([]);
  });
});

describe('ffmpeg as a child process', () => {
  it('a run past its deadline is stopped, and counts as ours (retried), not as a bad file', async () => {
    const started = performance.now();
    const error = await runTool('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '600', '-f', 'null', '-'], {
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ stoppedBecause: 'timeout', exitCode: null });
    expect((error as Error).message).toMatch(/^ffmpeg took longer than 1 s and was stopped/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("ffmpeg's complaint is shown without its internal prefix and without our temp file's path", () => {
    const stderr = '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5625cecf41c0] moov atom not found\n/srv/data/video-work/1-vm-2-x/source.mp4: Invalid data found when processing input\n';
    expect(lastLine(stderr)).toBe('moov atom not found');
    expect(lastLine('/srv/data/x/source.webm: Invalid data found when processing input\n')).toBe('Invalid data found when processing input');
  });
});

