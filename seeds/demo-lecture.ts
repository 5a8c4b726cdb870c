import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../src/features/video/ffmpeg.ts';

/**
 * The demo lessons' video. Where ffmpeg is installed (the server needs it to make the small and
 * audio-only copies anyway), an 8-second 854x480 H.264 clip with sound at a phone camera's kind of
 * bitrate (about 1.6 MB), made by ffmpeg here rather than kept in the repository, so that a
 * newcomer sees copies that differ as real ones do ("Audio only · 50 KB", "Small · 280 KB",
 * "HD · 850 KB", against the original's 1.6 MB). Without ffmpeg, the tiny silent WebM kept beside
 * this file (4 KB), which is enough to show the player.
 */
export interface DemoVideo {
  buffer: Buffer;
  extension: 'mp4' | 'webm';
  contentType: string;
}

export const DEMO_VIDEO_SECONDS = 8;

export async function demoLectureVideo(ffmpegPath = process.env.FFMPEG_PATH || 'ffmpeg'): Promise<DemoVideo> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edupeak-demo-video-'));
  const file = path.join(dir, 'lecture.mp4');
  try {
    await runTool(
      ffmpegPath,
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25',
        // A low tone that beeps: enough sound for an audio-only copy to mean something.
        '-f', 'lavfi', '-i', 'sine=frequency=180:beep_factor=3',
        '-t', String(DEMO_VIDEO_SECONDS),
        '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '1200k', '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
        '-movflags', '+faststart',
        file,
      ],
      { timeoutMs: 60_000 },
    );
    return { buffer: await readFile(file), extension: 'mp4', contentType: 'video/mp4' };
  } catch {
    return { buffer: await readFile(new URL('./demo-video.webm', import.meta.url)), extension: 'webm', contentType: 'video/webm' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
