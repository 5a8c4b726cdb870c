import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { QUEUES, type JobQueue, type QueuedJob } from '../../queue/boss.ts';
import type { Storage } from '../../storage/index.ts';
import { withDerivedKeys } from '../../storage/variants.ts';
import { claimTranscode, failTranscode, finishTranscode, PermanentVideoError, type TranscodeJob } from './state.ts';
import { transcodeVideo } from './transcode.ts';

/**
 * Works the `video-transcode` queue: claims the video's row, makes its renditions with ffmpeg
 * (transcode.ts), and records them, or the reason it failed. A run that throws anything but a
 * PermanentVideoError is retried by the queue (a storage hiccup, a killed ffmpeg); a run that never
 * returns (the instance died) expires and is retried too. The files go under keys derived from the
 * original's, so a retry overwrites what a crashed run left half-written.
 */

export interface VideoWorkerDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
  queue: JobQueue;
  config: Pick<Config, 'ffmpeg' | 'videoWorkers' | 'dataDir'>;
  /** Stops ffmpeg mid-run (shutdown): the run fails and the queue retries it elsewhere. */
  signal?: AbortSignal;
}

export async function runTranscodeJob(deps: VideoWorkerDeps, job: QueuedJob<TranscodeJob>): Promise<'done' | 'skipped' | 'failed'> {
  const { db, storage, logger, config, signal } = deps;
  const { videoKey } = job.data;
  const claimed = await claimTranscode(db, videoKey);
  // Replaced, deleted, or already finished by an earlier run: nothing to do.
  if (!claimed) return 'skipped';
  try {
    const result = await transcodeVideo({ storage, ffmpeg: config.ffmpeg, dataDir: config.dataDir, signal }, videoKey);
    if (!(await finishTranscode(db, videoKey, result))) {
      // The lesson's video was replaced while we worked: what we made belongs to nothing.
      await Promise.all(withDerivedKeys(videoKey).slice(1).map((key) => storage.delete(key).catch(() => {})));
      return 'skipped';
    }
    logger.info({ videoKey, attempts: claimed.attempts, renditions: result.renditions.map((r) => `${r.kind}:${r.bytes}`) }, 'video transcoded');
    return 'done';
  } catch (error) {
    if (error instanceof PermanentVideoError) {
      await failTranscode(db, videoKey, error.message);
      logger.warn({ videoKey, reason: error.message }, 'video could not be transcoded');
      return 'failed';
    }
    if (job.retryCount >= job.retryLimit) {
      const why = error instanceof Error ? error.message : String(error);
      await failTranscode(db, videoKey, `Processing stopped after ${claimed.attempts} attempts (${why}). Retry, or upload the video again.`);
      logger.error({ err: error, videoKey }, 'video transcode failed for the last time');
      return 'failed';
    }
    if (signal?.aborted) {
      // Our own shutdown stopped it: nothing went wrong, and the queue runs it again (here or elsewhere).
      logger.info({ videoKey }, 'video transcode stopped by the shutdown; the queue runs it again');
    } else {
      logger.warn({ err: error, videoKey, retryCount: job.retryCount }, 'video transcode failed; the queue retries it');
    }
    throw error;
  }
}

/** One worker per VIDEO_WORKERS on this instance (none when 0); each runs one transcode at a time. */
export async function startVideoWorkers(deps: VideoWorkerDeps, options: { pollingIntervalSeconds?: number } = {}): Promise<void> {
  for (let i = 0; i < deps.config.videoWorkers; i++) {
    await deps.queue.work<TranscodeJob>(QUEUES.videoTranscode, options, async (job) => {
      await runTranscodeJob(deps, job);
    });
  }
}
