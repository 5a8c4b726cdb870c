import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { S3StorageOptions } from '../../src/storage/index.ts';
import { TEST_BUCKET } from './s3.ts';

/**
 * s3rver in a child process started with --openssl-legacy-provider. s3rver encrypts its
 * ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 refuses by default: in-process
 * (startS3rver) any listing longer than one page fails with an InternalError. Use this one for
 * tests that page through a listing.
 */
export async function startS3rverProcess() {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'edupeak-s3rver-'));
  const script = `
    const S3rver = require('s3rver');
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: ${JSON.stringify(directory)},
      configureBuckets: [{ name: ${JSON.stringify(TEST_BUCKET)} }] });
    server.run().then(({ port }) => console.log(JSON.stringify({ port })));
    // The parent closing our stdin (or dying) ends us.
    process.stdin.resume();
    process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited early (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const options: S3StorageOptions = {
    bucket: TEST_BUCKET,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  return {
    options,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
