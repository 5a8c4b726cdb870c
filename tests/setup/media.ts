import sharp from 'sharp';

/** Small real files, made in the test (no fixtures folder). */

export function pngImage(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#336699' } }).png().toBuffer();
}

/** An MP4's first box (ftyp, brand isom) and some payload: enough for a content check. */
export function mp4Video(size = 4096): Buffer {
  const head = Buffer.concat([
    Buffer.from([0x00, 0x00, 0x00, 0x18]),
    Buffer.from('ftypisom'),
    Buffer.from([0x00, 0x00, 0x02, 0x00]),
    Buffer.from('isomiso2'),
  ]);
  const body = Buffer.alloc(size - head.length);
  for (let i = 0; i < body.length; i++) body[i] = i % 251;
  return Buffer.concat([head, body]);
}

/** A Windows executable's header: what a renamed `video.mp4` really is. */
export function exeFile(): Buffer {
  return Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2000, 0x90)]);
}
