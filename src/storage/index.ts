import path from 'node:path';
import type { Config } from '../config.ts';
import { createDiskStorage } from './disk.ts';
import { createS3Storage, type S3Storage } from './s3.ts';
import type { Storage } from './storage.ts';

export { createDiskStorage } from './disk.ts';
export { createS3Storage, type PresignOptions, type S3Storage, type S3StorageOptions } from './s3.ts';
export {
  assertSafeKey,
  contentTypeForKey,
  FileNotFoundError,
  isSafeKey,
  newKey,
  STORAGE_KINDS,
  type ListedFile,
  type Storage,
  type StorageKind,
  type StoredFile,
} from './storage.ts';

/** S3 when a bucket is configured (several instances share it), else local disk in DATA_DIR/uploads. */
export function createStorage(config: Pick<Config, 's3' | 'dataDir'>): Storage {
  const { s3 } = config;
  if (s3.bucket) {
    return createS3Storage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: s3.forcePathStyle,
    });
  }
  return createDiskStorage(path.join(config.dataDir, 'uploads'));
}

export function isS3Storage(storage: Storage): storage is S3Storage {
  return storage.driver === 's3' && typeof (storage as Partial<S3Storage>).presignedGetUrl === 'function';
}
