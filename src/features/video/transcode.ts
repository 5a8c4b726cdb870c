import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { Config } from '../../config.ts';
import { FileNotFoundError, type Storage } from '../../storage/index.ts';
import { renditionKey, type VideoRenditionKind } from '../../storage/variants.ts';
import { MAX_INPUT_PIXELS } from '../../uploads/images.ts';
import { lastLine, probe, runTool, ToolError, type FfmpegPaths, type Probe } from './ffmpeg.ts';
import { expirySecondsFor, PermanentVideoError, type MadeRendition, type TranscodeResult } from './state.ts';

/**
 * Makes a lesson video's copies for slow connections from the uploaded original, with ffmpeg:
 *
 *   small   H.264 main, 360 px high (never enlarged), CRF 30 capped at 400 kbit/s, AAC 64k mono
 *   hd      H.264 main, 720 px high (or the source's height), CRF 26 capped at 1.5 Mbit/s, AAC 96k;
 *           only when the source is taller than 360 px (otherwise it would be the small one again)
 *   audio   AAC-LC 48 kbit/s mono .m4a, when the source has sound (a lecture can be followed by ear)
 *   poster  one frame at min(1 s, half the duration), WebP 640 px wide (high, when upright)
 *
 * Every MP4/M4A has its index at the front (+faststart): it plays while it downloads. The three
 * encodes are one ffmpeg run (the source is decoded once, then split), which on our 2-core machines
 * is most of the time saved. The original is copied from storage to a work folder under DATA_DIR
 * (disk and S3 alike: ffmpeg reads a local file, never a URL), and the folder is always removed.
 */

export interface TranscodeDeps {
  storage: Storage;
  ffmpeg: Config['ffmpeg'];
  /** Temp files go under DATA_DIR (never /tmp: a video can be larger than a tmpfs). */
  dataDir: string;
  signal?: AbortSignal;
}

interface VideoProfile {
  height: number;
  crf: number;
  maxrateKbps: number;
  audioKbps: number;
}

const SMALL: VideoProfile = { height: 360, crf: 30, maxrateKbps: 400, audioKbps: 64 };
const HD: VideoProfile = { height: 720, crf: 26, maxrateKbps: 1500, audioKbps: 96 };
const AUDIO_KBPS = 48;
const POSTER_WIDTH = 640;

/** Seconds kept back from the queue's expiry for storing the files: ffmpeg stops before the queue counts the run as crashed. */
const STORE_MARGIN_SECONDS = 60;
/** A work folder older than the longest possible run (expirySecondsFor's ceiling, 6 h) belongs to a run that died. */
const STALE_WORK_MS = 7 * 3600 * 1000;

const CONTENT_TYPES: Record<VideoRenditionKind, string> = {
  small: 'video/mp4',
  hd: 'video/mp4',
  audio: 'audio/mp4',
  poster: 'image/webp',
};

/** Where runs work: a folder per run (workFolderName) under DATA_DIR/video-work. */
export function videoWorkDir(dataDir: string): string {
  return path.join(dataDir, 'video-work');
}

/** An even height no taller than the source's (H.264 in yuv420p needs even sizes; we never enlarge). */
function targetHeight(sourceHeight: number, wanted: number): number {
  return Math.max(2, Math.min(wanted, sourceHeight) & ~1);
}

/** ffmpeg's arguments for one H.264 + AAC output. */

/**
 * How every copy ends: no metadata from the original (a phone's video carries where it was filmed),
 * and the index first (`+faststart`), so a copy plays while it downloads.
 */
const CLEAN_MP4 = ['-map_metadata', '-1', '-map_chapters', '-1', '-movflags', '+faststart', '-f', 'mp4'] as const;

function videoOutput(label: string, profile: VideoProfile, hasAudio: boolean, file: string): string[] {
  return [
    '-map',
    `[${label}]`,
    ...(hasAudio ? ['-map', '0:a:0'] : []),
    '-c:v',
    'libx264',
    '-profile:v',
    'main',
    '-preset',
    'veryfast',
    '-crf',
    String(profile.crf),
    '-maxrate',
    `${profile.maxrateKbps}k`,
    '-bufsize',
    `${profile.maxrateKbps * 2}k`,
    '-pix_fmt',
    'yuv420p',
    // A 60 fps screen recording at 400 kbit/s would spend its bits on frames nobody needs in a lesson.
    '-fpsmax',
    '30',
    '-threads',
    '2',
    ...(hasAudio ? ['-c:a', 'aac', '-b:a', `${profile.audioKbps}k`, '-ac', '1'] : []),
    ...CLEAN_MP4,
    file,
  ];
}

function audioOutput(file: string): string[] {
  return [
    '-map',
    '0:a:0',
    '-vn',
    '-c:a',
    'aac',
    '-profile:a',
    'aac_low',
    '-b:a',
    `${AUDIO_KBPS}k`,
    '-ac',
    '1',
    ...CLEAN_MP4,
    file,
  ];
}

/** A failed ffmpeg run as the teacher reads it: the file's fault is permanent, ours is retried. */
function asVideoError(error: unknown): unknown {
  if (!(error instanceof ToolError)) return error;
  // Killed (a timeout, a shutdown, the OOM killer), or short of disk or memory: another run may do better.
  if (error.exitCode === null || /No space left|Cannot allocate memory|Resource temporarily unavailable/i.test(error.stderr)) return error;
  return new PermanentVideoError(
    `The video could not be converted (ffmpeg: ${lastLine(error.stderr) || `exit code ${error.exitCode}`}). Upload it again or export it as MP4.`,
  );
}

/**
 * A run's work folder: DATA_DIR/video-work/<start ms>-<host>-<pid>-<uuid>. The name says whose it is,
 * so a later run can tell a dead run's folder (a worker killed mid-transcode leaves the original's
 * copy and half-made files, as large as the video) from one still in use.
 */
function workFolderName(started: number): string {
  return `${started}-${hostTag()}-${process.pid}-${randomUUID()}`;
}

/** The host's name as it may appear in a folder name (no dashes: they separate the parts). */
const hostTag = () => os.hostname().replace(/[^A-Za-z0-9.]/g, '').slice(0, 40) || 'host';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the work folders of runs that died: on this host, those of processes that no longer
 * exist; anywhere (DATA_DIR may be shared), those older than any run can last. A live run's folder
 * is never touched.
 */
async function sweepDeadWork(root: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  const host = hostTag();
  await Promise.all(
    names.map(async (name) => {
      const match = /^(\d+)-([A-Za-z0-9.]+)-(\d+)-[0-9a-f-]{36}$/.exec(name);
      if (!match) return;
      const [, started, owner, pid] = match;
      const dead = (owner === host && Number(pid) !== process.pid && !processIsAlive(Number(pid))) || now - Number(started) > STALE_WORK_MS;
      if (dead) await rm(path.join(root, name), { recursive: true, force: true });
    }),
  );
}

async function copyOriginal(storage: Storage, videoKey: string, file: string, signal: AbortSignal | undefined): Promise<void> {
  let body;
  try {
    body = await storage.read(videoKey);
  } catch (error) {
    if (error instanceof FileNotFoundError) throw new PermanentVideoError('The uploaded video is missing from storage. Upload it again.');
    throw error;
  }
  await pipeline(body, createWriteStream(file, { flags: 'wx' }), { signal });
}

/** One frame as PNG on stdout, then sharp: a WebP within POSTER_WIDTH by POSTER_WIDTH. */
async function makePoster(paths: FfmpegPaths, source: string, at: number, file: string, timeoutMs: number, signal?: AbortSignal) {
  const grab = (seconds: number) =>
    runTool(
      paths.ffmpegPath,
      [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'error',
        '-protocol_whitelist',
        'file',
        '-threads',
        '2',
        // Before -i: seek by the index, without decoding everything up to it.
        '-ss',
        seconds.toFixed(3),
        '-i',
        source,
        '-map',
        '0:v:0',
        '-frames:v',
        '1',
        '-f',
        'image2pipe',
        '-c:v',
        'png',
        'pipe:1',
      ],
      { timeoutMs, signal, stdout: true },
    );
  let png = (await grab(at)).stdout;
  // A duration the container got wrong can put the seek past the last frame: take the first one.
  if (png.length === 0 && at > 0) png = (await grab(0)).stdout;
  if (png.length === 0) throw new PermanentVideoError('The video has no picture we could read for its poster. Upload it again or export it as MP4.');
  const info = await sharp(png, { limitInputPixels: MAX_INPUT_PIXELS })
    // 640 wide, or 640 high for an upright phone video (a 640-wide portrait frame would be 1,138 high).
    .resize({ width: POSTER_WIDTH, height: POSTER_WIDTH, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70 })
    .toFile(file);
  return { width: info.width, height: info.height };
}

export async function transcodeVideo(deps: TranscodeDeps, videoKey: string): Promise<TranscodeResult> {
  const { storage, ffmpeg: paths, signal } = deps;
  const started = Date.now();
  const root = videoWorkDir(deps.dataDir);
  await sweepDeadWork(root, started);
  const dir = path.join(root, workFolderName(started));
  await mkdir(dir, { recursive: true });
  const stored: string[] = [];
  try {
    const source = path.join(dir, `source${path.extname(videoKey) || '.mp4'}`);
    await copyOriginal(storage, videoKey, source, signal);
    const { size } = await stat(source);
    const deadline = started + (expirySecondsFor(size) - STORE_MARGIN_SECONDS) * 1000;
    const timeLeft = () => Math.max(5_000, deadline - Date.now());

    const input = await probe(paths, source, { timeoutMs: Math.min(60_000, timeLeft()), signal });
    if (!input.hasVideo || !input.width || !input.height) {
      throw new PermanentVideoError(
        input.hasAudio
          ? 'The file has sound but no picture. Upload a video (MP4 or WebM) with a picture.'
          : 'The file is not a video we can read (ffmpeg found no picture or sound in it). Upload it again or export it as MP4.',
      );
    }

    const files: Partial<Record<VideoRenditionKind, string>> = { small: path.join(dir, 'small.mp4') };
    const smallHeight = targetHeight(input.height, SMALL.height);
    const makeHd = input.height > SMALL.height;
    const hdHeight = targetHeight(input.height, HD.height);
    const filter = makeHd
      ? `[0:v:0]split=2[a][b];[a]scale=-2:${smallHeight}[small];[b]scale=-2:${hdHeight}[hd]`
      : `[0:v:0]scale=-2:${smallHeight}[small]`;
    const args = [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-protocol_whitelist',
      'file',
      '-threads',
      '2',
      '-i',
      source,
      '-filter_complex',
      filter,
      '-filter_complex_threads',
      '2',
      ...videoOutput('small', SMALL, input.hasAudio, files.small!),
    ];
    if (makeHd) {
      files.hd = path.join(dir, 'hd.mp4');
      args.push(...videoOutput('hd', HD, input.hasAudio, files.hd));
    }
    if (input.hasAudio) {
      files.audio = path.join(dir, 'audio.m4a');
      args.push(...audioOutput(files.audio));
    }
    await runTool(paths.ffmpegPath, args, { timeoutMs: timeLeft(), signal }).catch((error: unknown) => {
      throw asVideoError(error);
    });

    // What was made, measured by ffprobe (not what we asked for).
    const made = new Map<VideoRenditionKind, Probe>();
    for (const kind of ['small', 'hd', 'audio'] as const) {
      const file = files[kind];
      if (file) made.set(kind, await probe(paths, file, { timeoutMs: 60_000, signal }));
    }
    // Some WebMs (browser recordings) have no duration in their header; the made copy always does.
    const durationSeconds = input.durationSeconds || made.get('small')!.durationSeconds;

    files.poster = path.join(dir, 'poster.webp');
    const posterAt = Math.min(1, durationSeconds / 2);
    const poster = await makePoster(paths, source, posterAt, files.poster, Math.min(120_000, timeLeft()), signal).catch((error: unknown) => {
      throw asVideoError(error);
    });

    const renditions: MadeRendition[] = [];
    for (const kind of ['small', 'hd', 'audio', 'poster'] as const) {
      const file = files[kind];
      if (!file) continue;
      signal?.throwIfAborted();
      const key = renditionKey(videoKey, kind);
      stored.push(key);
      const { size: bytes } = await storage.putFile(key, file, { contentType: CONTENT_TYPES[kind] });
      if (kind === 'poster') {
        renditions.push({ kind, bytes, width: poster.width, height: poster.height, bitrateKbps: null, codec: 'webp' });
        continue;
      }
      const info = made.get(kind)!;
      const audioOnly = kind === 'audio';
      renditions.push({
        kind,
        bytes,
        width: audioOnly ? null : info.width,
        height: audioOnly ? null : info.height,
        // The audio copy's own rate; a video's is the whole file's (picture and sound: what a student downloads per second).
        bitrateKbps: audioOnly ? (info.streams.find((s) => s.type === 'audio')?.bitrateKbps ?? info.bitrateKbps) : info.bitrateKbps,
        codec: (audioOnly ? info.audioCodec : info.videoCodec) ?? 'unknown',
      });
    }
    stored.length = 0;
    return { durationSeconds, sourceWidth: input.width, sourceHeight: input.height, renditions };
  } catch (error) {
    // A run that stopped halfway through storing leaves nothing behind (a retry stores them all again).
    await Promise.all(stored.map((key) => storage.delete(key).catch(() => {})));
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
