import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { bucketOrigin } from '../../src/http/security.ts';

/** With S3, /media redirects to the bucket: the CSP must let images and video load from there. */
describe('CSP and S3 storage', () => {
  const t = useTestApp({ config: { S3_BUCKET: 'edupeak-media', S3_ENDPOINT: 'http://127.0.0.1:4569', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'x', S3_SECRET_ACCESS_KEY: 'y' } });

  it('allows the bucket origin for img-src, media-src and connect-src only', async () => {
    const res = await t.request().get('/');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("img-src 'self' data: http://127.0.0.1:4569");
    expect(csp).toContain("media-src 'self' http://127.0.0.1:4569");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:4569");
    expect(csp).toContain("script-src 'self';");
  });

  it('knows each addressing style', () => {
    expect(bucketOrigin({ bucket: 'b', region: 'eu-west-1', endpoint: undefined, forcePathStyle: false })).toBe('https://b.s3.eu-west-1.amazonaws.com');
    expect(bucketOrigin({ bucket: 'b', region: 'x', endpoint: 'https://minio.example:9000', forcePathStyle: true })).toBe('https://minio.example:9000');
    expect(bucketOrigin({ bucket: 'b', region: 'x', endpoint: 'https://storage.example', forcePathStyle: false })).toBe('https://b.storage.example');
    expect(bucketOrigin({ bucket: undefined, region: 'x', endpoint: undefined, forcePathStyle: false })).toBeUndefined();
  });
});
