import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUploadTemp, UPLOAD_TEMP_MAX_AGE_MS, uploadTempDir } from '../../src/uploads/temp-dir.ts';

const HOUR = 60 * 60 * 1000;

/** A file whose last write was `ageMs` ago. */
function fileAged(dir: string, name: string, ageMs: number): string {
  const filePath = path.join(dir, name);
  writeFileSync(filePath, 'part of an upload');
  const when = new Date(Date.now() - ageMs);
  utimesSync(filePath, when, when);
  return filePath;
}

describe('cleanUploadTemp (start-up sweep of DATA_DIR/tmp)', () => {
  it('removes files unwritten for longer than any live upload leaves them and keeps younger ones (another instance may be receiving them)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-tmp-sweep-'));
    const tmp = uploadTempDir({ dataDir });
    mkdirSync(tmp);
    fileAged(tmp, 'upload-left-by-a-crash', UPLOAD_TEMP_MAX_AGE_MS + HOUR);
    fileAged(tmp, 'upload-in-flight', 5 * 60 * 1000);
    mkdirSync(path.join(tmp, 'a-folder'));

    expect(await cleanUploadTemp(tmp)).toEqual({ removed: 1, kept: 1 });
    expect(readdirSync(tmp).sort()).toEqual(['a-folder', 'upload-in-flight']);
  });

  it('takes another bound when given one', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'edupeak-tmp-sweep-'));
    fileAged(tmp, 'upload-a', 2 * HOUR);
    fileAged(tmp, 'upload-b', 10 * 1000);
    expect(await cleanUploadTemp(tmp, HOUR)).toEqual({ removed: 1, kept: 1 });
    expect(readdirSync(tmp)).toEqual(['upload-b']);
  });

  it('is fine when DATA_DIR/tmp does not exist yet', async () => {
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), 'edupeak-tmp-sweep-')), 'tmp');
    expect(await cleanUploadTemp(missing)).toEqual({ removed: 0, kept: 0 });
    expect(existsSync(missing)).toBe(false);
  });
});
