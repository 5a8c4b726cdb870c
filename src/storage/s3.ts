import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertSafeKey,
  assertSafePrefix,
  assertValidRange,
  FileNotFoundError,
  isSafeKey,
  type ListedFile,
  type Storage,
} from './storage.ts';

/** Objects in one S3 (or S3-compatible) bucket; downloads go out as short-lived presigned URLs. */

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** putFile switches to a multipart upload above this size (a single PUT stops at 5 GB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads; S3 requires at least 5 MiB for every part but the last. */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (S3's own maximum, 1,000, when unset); tests make it small. */
  listPageSize?: number;
}

export interface PresignOptions {
  expiresInSeconds: number;
  contentDisposition: string;
  contentType: string;
}

export type S3Storage = Storage & {
  readonly driver: 's3';
  presignedGetUrl(key: string, options: PresignOptions): Promise<string>;
};

const MiB = 1024 * 1024;
const MAX_PARTS = 10_000;

/** The SDK reports a missing object as NotFound (HEAD, no body) or NoSuchKey (GET). */
function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const Bucket = options.bucket;
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    // Without explicit keys the SDK's default chain applies (environment, instance role ...).
    credentials:
      options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined,
    // Checksums only where S3 requires them: the newer default (aws-chunked bodies with trailing
    // CRC32) is not understood by many S3-compatible stores, which would store the framing bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // A failed PUT's key, checked until it has stayed absent three times in a row (up to 2 s): a
  // server that keeps a partial object may write it a moment after our request failed.
  const forgetPartial = (key: string) => async (error: unknown): Promise<never> => {
    let absent = 0;
    for (let tries = 0; tries < 20 && absent < 3; tries++) {
      const found = await client.send(new HeadObjectCommand({ Bucket, Key: key })).then(
        () => true,
        (headError: unknown) => !isNotFound(headError),
      );
      if (found) {
        absent = 0;
        await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => {});
      } else {
        absent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw error;
  };
  const multipartThreshold = options.multipartThresholdBytes ?? 100 * MiB;
  const partSize = Math.max(options.partSizeBytes ?? 16 * MiB, 5 * MiB);
  const listPageSize = options.listPageSize;

  /**
   * Sends a command whose body may be a stream. The SDK does not watch the body for errors: a
   * failing source (a client that went away, a vanished file) would leave the request hanging and
   * the error unhandled, so the request is aborted and the body's own error reported.
   */
  async function watchingBody<T>(body: Readable | Buffer, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let bodyError: unknown;
    if (!Buffer.isBuffer(body)) {
      body.on('error', (error) => {
        bodyError = error;
        controller.abort(error);
      });
    }
    try {
      return await send(controller.signal);
    } catch (error) {
      throw bodyError ?? error;
    }
  }

  /** Large files in parts read straight from disk: nothing is buffered, and a failure aborts the upload. */
  async function putFileInParts(key: string, filePath: string, size: number, contentType: string): Promise<void> {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType }));
    const step = Math.max(partSize, Math.ceil(size / MAX_PARTS));
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += step, PartNumber++) {
        const end = Math.min(start + step, size) - 1;
        const Body = createReadStream(filePath, { start, end });
        const { ETag } = await watchingBody(Body, (abortSignal) =>
          client.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body, ContentLength: end - start + 1 }), { abortSignal }),
        );
        parts.push({ ETag, PartNumber });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      // Unfinished parts are billed until aborted.
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => {});
      throw error;
    }
  }

  return {
    driver: 's3',

    /**
     * S3 itself never keeps a PUT whose body fell short, but S3-compatible servers may (s3rver kept
     * an empty object when the connection broke early, on a busy machine, and wrote it after our
     * request had failed): a failed PUT deletes its key until it stays gone (forgetPartial), then
     * rethrows. Only on the failure path; keys are never reused, so nothing valid can be lost.
     */
    async put(key, body, { contentType, contentLength }) {
      assertSafeKey(key);
      const command = new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType, ContentLength: contentLength });
      await watchingBody(body, (abortSignal) => client.send(command, { abortSignal })).catch(forgetPartial(key));
    },

    async putFile(key, filePath, { contentType }) {
      assertSafeKey(key);
      const { size } = await stat(filePath);
      if (size > multipartThreshold) {
        await putFileInParts(key, filePath, size, contentType);
      } else {
        const body = createReadStream(filePath);
        const command = new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType, ContentLength: size });
        await watchingBody(body, (abortSignal) => client.send(command, { abortSignal })).catch(forgetPartial(key));
      }
      // Same contract as the disk driver, which moves the file: the source is gone afterwards.
      await rm(filePath, { force: true });
      return { size };
    },

    async head(key) {
      assertSafeKey(key);
      try {
        const object = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return {
          size: object.ContentLength ?? 0,
          contentType: object.ContentType ?? 'application/octet-stream',
          lastModified: object.LastModified ?? new Date(0),
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async read(key, range) {
      assertSafeKey(key);
      assertValidRange(range);
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
        if (!object.Body) throw new Error(`S3 returned no body for ${key}`);
        // In Node the body is an http.IncomingMessage (a Readable) with the SDK's helpers mixed in.
        return object.Body as Readable;
      } catch (error) {
        if (isNotFound(error)) throw new FileNotFoundError(key);
        throw error;
      }
    },

    async delete(key) {
      assertSafeKey(key);
      // S3 answers 204 for a missing key too, so there is nothing to ignore.
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async *list(prefix = ''): AsyncGenerator<ListedFile> {
      assertSafePrefix(prefix);
      // ListObjectsV2 answers at most 1,000 keys a call; the continuation token asks for the next page.
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix || undefined, ContinuationToken, MaxKeys: listPageSize }));
        for (const object of page.Contents ?? []) {
          // Folder markers ("avatars/") and names we would never make are not ours to list.
          if (!object.Key || !isSafeKey(object.Key)) continue;
          // S3 always sends LastModified; were it missing, "just now" keeps the file from looking old.
          yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date() };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async presignedGetUrl(key, { expiresInSeconds, contentDisposition, contentType }) {
      assertSafeKey(key);
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        // S3 sends these back as the response headers, so the browser sees our disposition and type.
        ResponseContentDisposition: contentDisposition,
        ResponseContentType: contentType,
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },
  };
}
