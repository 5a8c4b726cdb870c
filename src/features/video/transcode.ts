import type { Config } from '../../config.ts';
import type { Storage } from '../../storage/index.ts';
import type { TranscodeResult } from './state.ts';

export interface TranscodeDeps {
  storage: Storage;
  ffmpeg: Config['ffmpeg'];
  /** Temp files go under DATA_DIR (never /tmp: a video can be larger than a tmpfs). */
  dataDir: string;
  signal?: AbortSignal;
}

/** PLACEHOLDER: the transcode helper replaces this file. */
export async function transcodeVideo(_deps: TranscodeDeps, _videoKey: string): Promise<TranscodeResult> {
  throw new Error('not built yet');
}
