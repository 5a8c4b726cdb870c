import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { PermanentVideoError } from './state.ts';

/**
 * ffmpeg and ffprobe (Debian's package) as child processes: a fixed argument ARRAY each time, never
 * a shell string, and nothing in it a user typed (only our own temp paths and numbers). Each run
 * has a deadline and follows an AbortSignal (a shutdown): the child gets SIGTERM, then SIGKILL
 * after a grace. The end of stderr is kept, because that is where ffmpeg says what was wrong.
 */

export type FfmpegPaths = Config['ffmpeg'];

/** How much of stderr is kept for the reason (ffmpeg's last lines say what went wrong). */
const STDERR_KEEP = 2048;
/** Between SIGTERM and SIGKILL: ffmpeg finishes its current packet and exits in well under this. */
const KILL_GRACE_MS = 3000;

export interface RunOptions {
  /** Killed after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Keep stdout (ffprobe's JSON, a poster frame); otherwise it is ignored. */
  stdout?: boolean;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** A run that ended badly: ffmpeg's own complaint (exit code), or our kill (timeout, abort, signal). */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    message: string,
    /** The tail of stderr. */
    readonly stderr: string,
    /** The exit code when the program ended by itself; null when it was killed or we stopped it. */
    readonly exitCode: number | null,
    /** Why we stopped it, when we did. */
    readonly stoppedBecause?: 'timeout' | 'aborted',
  ) {
    super(message);
  }
}

/**
 * Runs `program` with `args` (no shell). Resolves when it exits with 0; rejects with a ToolError
 * otherwise, or with a PermanentVideoError when the program is not installed (ENOENT).
 */
export function runTool(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { timeoutMs, signal } = options;
  const name = path.basename(program);
  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ToolError(`${name} was not started: the work was stopped`, '', null, 'aborted'));
      return;
    }
    const child = spawn(program, [...args], {
      stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    let stderr = '';
    let stoppedBecause: 'timeout' | 'aborted' | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });

    const stop = (why: 'timeout' | 'aborted') => {
      if (stoppedBecause || child.exitCode !== null || child.signalCode !== null) return;
      stoppedBecause = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        // Not something a retry mends: the administrator has to install it (or fix FFMPEG_PATH/FFPROBE_PATH).
        reject(
          new PermanentVideoError(
            `${name} is not installed on the server (looked for ${program}), so the small and audio-only copies cannot be made. ` +
              'An administrator needs to install ffmpeg (apt-get install ffmpeg); then retry.',
          ),
        );
        return;
      }
      reject(new ToolError(`${name} could not be started: ${error.message}`, stderr, null));
    });
    child.once('close', (code, killedBy) => {
      cleanup();
      if (code === 0 && !stoppedBecause) {
        resolve({ stdout: Buffer.concat(out), stderr });
        return;
      }
      const how =
        stoppedBecause === 'timeout'
          ? `took longer than ${Math.ceil(timeoutMs / 1000)} s and was stopped`
          : stoppedBecause === 'aborted'
            ? 'was stopped (the server is shutting down)'
            : killedBy
              ? `was killed (${killedBy})`
              : `failed (exit code ${code})`;
      // ffmpeg exits by itself (code 255) on our SIGTERM: still ours, not a verdict on the file.
      reject(new ToolError(`${name} ${how}: ${lastLine(stderr) || 'no message'}`, stderr, killedBy || stoppedBecause ? null : code, stoppedBecause));
    });
  });
}

/**
 * ffmpeg's complaint in a form a teacher can read: the most specific line, without the
 * "[mov,mp4,... @ 0x55...]" prefix and without our temp file's path.
 */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) =>
      line
        .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')
        .replace(/(?:\/[^\s:]+)+:\s*/g, '')
        .trim(),
    )
    .filter((line) => line.length > 0);
  // "Invalid data found when processing input" is ffmpeg's summary of every bad file; an earlier
  // line ("moov atom not found", "EBML header parsing failed") says more.
  const specific = lines.filter((line) => !/^Invalid data found when processing input$/i.test(line) && !/^Conversion failed!?$/i.test(line));
  const pick = specific.length > 0 ? specific[specific.length - 1]! : (lines[lines.length - 1] ?? '');
  return pick.slice(0, 200);
}

export interface ProbedStream {
  codec: string;
  type: 'video' | 'audio' | 'other';
  width: number | null;
  height: number | null;
  bitrateKbps: number | null;
  durationSeconds: number | null;
}

export interface Probe {
  /** Seconds; 0 when neither the container nor a stream says (some recorder WebMs). */
  durationSeconds: number;
  /** As displayed: a phone video recorded upright (rotated 90°) has its width and height swapped. */
  width: number | null;
  height: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The first video stream's codec, the first audio stream's. */
  videoCodec: string | null;
  audioCodec: string | null;
  /** The whole file's bitrate (kbit/s). */
  bitrateKbps: number | null;
  streams: ProbedStream[];
}

interface FfprobeJson {
  streams?: Array<{
    codec_name?: string;
    codec_type?: string;
    width?: number;
    height?: number;
    bit_rate?: string;
    duration?: string;
    tags?: Record<string, string>;
    side_data_list?: Array<{ rotation?: number }>;
    disposition?: { attached_pic?: number };
  }>;
  format?: { duration?: string; bit_rate?: string };
}

const num = (value: string | number | undefined): number | null => {
  const n = typeof value === 'number' ? value : Number.parseFloat(value ?? '');
  return Number.isFinite(n) && n > 0 ? n : null;
};
const kbps = (value: string | undefined): number | null => {
  const bits = num(value);
  return bits === null ? null : Math.round(bits / 1000);
};

/** "00:00:08.000000000" (Matroska's DURATION tag) in seconds. */
function tagDuration(tag: string | undefined): number | null {
  const match = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(tag ?? '');
  if (!match) return null;
  return num(Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]));
}

/**
 * What a file holds, by `ffprobe -show_format -show_streams`. A file ffprobe cannot read is a
 * PermanentVideoError with its reason (another run would read it no better).
 */
export async function probe(paths: FfmpegPaths, file: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Probe> {
  let result: RunResult;
  try {
    result = await runTool(
      paths.ffprobePath,
      // Only local files: a media file can point at other "files" (playlists, references), never at the network.
      ['-hide_banner', '-v', 'error', '-protocol_whitelist', 'file', '-print_format', 'json', '-show_format', '-show_streams', file],
      { timeoutMs: options.timeoutMs ?? 60_000, signal: options.signal, stdout: true },
    );
  } catch (error) {
    if (error instanceof ToolError && error.exitCode !== null) {
      throw new PermanentVideoError(
        `The file is not a video we can read (ffmpeg: ${lastLine(error.stderr) || 'unknown format'}). Upload it again or export it as MP4.`,
      );
    }
    throw error;
  }
  const json = JSON.parse(result.stdout.toString('utf8') || '{}') as FfprobeJson;
  const streams: ProbedStream[] = (json.streams ?? [])
    // A cover picture in an audio file is a "video" stream of one frame: not a video.
    .filter((s) => !s.disposition?.attached_pic)
    .map((s) => {
      const rotation = Math.abs(s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(s.tags?.rotate ?? 0));
      const sideways = rotation % 180 === 90;
      return {
        codec: s.codec_name ?? 'unknown',
        type: s.codec_type === 'video' ? 'video' : s.codec_type === 'audio' ? 'audio' : 'other',
        width: (sideways ? s.height : s.width) ?? null,
        height: (sideways ? s.width : s.height) ?? null,
        bitrateKbps: kbps(s.bit_rate),
        durationSeconds: num(s.duration) ?? tagDuration(s.tags?.DURATION),
      } satisfies ProbedStream;
    });
  const video = streams.find((s) => s.type === 'video');
  const audio = streams.find((s) => s.type === 'audio');
  const durationSeconds = num(json.format?.duration) ?? Math.max(0, ...streams.map((s) => s.durationSeconds ?? 0));
  return {
    durationSeconds,
    width: video?.width ?? null,
    height: video?.height ?? null,
    hasVideo: Boolean(video),
    hasAudio: Boolean(audio),
    videoCodec: video?.codec ?? null,
    audioCodec: audio?.codec ?? null,
    bitrateKbps: kbps(json.format?.bit_rate),
    streams,
  };
}
