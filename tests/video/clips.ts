import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Real videos made by ffmpeg itself in the test (no binary fixtures): a test pattern, and a 440 Hz
 * tone as the sound when asked. H.264 + AAC in MP4, like a phone's or an export's.
 */

const run = promisify(execFile);

export async function makeClip({
  width,
  height,
  seconds = 2,
  audio = true,
}: {
  width: number;
  height: number;
  seconds?: number;
  audio?: boolean;
}): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-clip-'));
  const file = path.join(dir, 'clip.mp4');
  try {
    await run('ffmpeg', [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${width}x${height}:rate=25`,
      ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440'] : []),
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      ...(audio ? ['-c:a', 'aac'] : []),
      file,
    ]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Probed {
  format: { duration?: string; bit_rate?: string; format_name?: string };
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; bit_rate?: string; channels?: number; profile?: string }>;
}

/** ffprobe's view of a file (the test's own check, independent of src/features/video/ffmpeg.ts). */
export async function ffprobe(file: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as Probed;
}
