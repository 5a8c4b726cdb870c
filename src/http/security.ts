import helmet from 'helmet';
import type { Config } from '../config.ts';

/**
 * Security headers. The CSP allows our own origin only: no inline script, no inline style
 * (htmx's indicator styles are turned off in the layout and live in app.css), no third party.
 *
 * One exception: with S3 storage, /media/<key> answers with a redirect to a presigned URL of the
 * bucket, and a CSP checks the redirect's target too. Images, videos and the offline copy's fetches
 * (connect-src, for the service worker) must be allowed to load from the bucket's origin, or every
 * stored image and video would be blocked on an S3 deployment.
 *
 * Likewise "Continue with Google / GitHub" is a form whose answer redirects to the provider's sign-in
 * page, and browsers apply form-action to that redirect: the configured providers' origins are allowed.
 */
export function securityHeaders({ isProduction, s3, providers }: { isProduction: boolean; s3?: Config['s3']; providers?: Config['providers'] }) {
  const bucket = s3 ? bucketOrigin(s3) : undefined;
  const plusBucket = bucket ? [bucket] : [];
  const providerOrigins = [providers?.google?.issuerUrl, providers?.github?.webUrl].filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin);
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...plusBucket],
        mediaSrc: ["'self'", ...plusBucket],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...plusBucket],
        formAction: ["'self'", ...providerOrigins],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where we are certainly behind https.
    strictTransportSecurity: isProduction ? { maxAge: 15552000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * The origin presigned URLs point at: the endpoint itself with path-style addressing (s3rver,
 * MinIO), `<bucket>.<endpoint host>` with virtual-hosted style, AWS's regional host by default.
 */
export function bucketOrigin(s3: Pick<Config['s3'], 'bucket' | 'region' | 'endpoint' | 'forcePathStyle'>): string | undefined {
  if (!s3.bucket) return undefined;
  if (!s3.endpoint) return `https://${s3.bucket}.s3.${s3.region}.amazonaws.com`;
  const endpoint = new URL(s3.endpoint);
  return s3.forcePathStyle ? endpoint.origin : `${endpoint.protocol}//${s3.bucket}.${endpoint.host}`;
}
