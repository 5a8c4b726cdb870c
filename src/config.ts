import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of process.env. Everything else gets a parsed, typed Config.
 * A bad value stops start-up with one line naming the variable (see ConfigError).
 */

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a port number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const postgresUrl = z
  .string()
  .url('must be a postgres:// URL')
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('development'),
  PORT: port.default(3000),
  BASE_URL: z.string().url('must be an absolute URL such as https://edupeak.example').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  // As root only: where the embedded PostgreSQL's binaries and cluster go when the `postgres` user cannot reach them.
  EMBEDDED_PG_RUNTIME_DIR: z.string().min(1).default('/var/lib/edupeak'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Express's own syntax: true/false, a hop count, or a comma-separated list of trusted addresses/subnets.
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  SMTP_URL: z.string().url('must be an smtp:// or smtps:// URL').refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Edupeak <no-reply@edupeak.local>'),
  STRIPE_SECRET_KEY: optionalText,
  STRIPE_WEBHOOK_SECRET: optionalText,
  STRIPE_API_URL: z.string().url('must be an absolute URL').optional(),
  S3_BUCKET: optionalText,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.string().url('must be an absolute URL').optional(),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: booleanString.default(false),
  // Seconds an anonymous visitor's catalog and home pages are reused (src/http/page-cache.ts); 0 turns it off.
  // Unset: 5 in production, off elsewhere (a developer, and the tests, see every change at once).
  CATALOG_CACHE_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int('must be a whole number').min(0, 'must be 0 or more').max(300, 'must be at most 300').optional(),
  // Live support calls' meeting link: an https URL with {room}, replaced by a random room name per call
  // (a self-hosted Jitsi Meet, or any provider whose rooms are named in the URL). Unset: hosts paste a link.
  SUPPORT_CALL_URL_TEMPLATE: optionalText,
  // Videos transcoded at once by this instance (features/video/worker.ts); 0: this instance only serves pages.
  VIDEO_WORKERS: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(16, 'must be at most 16').default(1),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  // Sign-in with providers (features/accounts/providers): each appears once its id and secret are set.
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  // Google's OpenID Connect issuer; another issuer here (a test provider, a company's own) is discovered the same way.
  GOOGLE_ISSUER_URL: z.string().url('must be an absolute URL').default('https://accounts.google.com'),
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalText,
  // Where GitHub's /login/oauth/authorize and /login/oauth/access_token are, and its REST API (/user, /user/emails).
  GITHUB_URL: z.string().url('must be an absolute URL').default('https://github.com'),
  GITHUB_API_URL: z.string().url('must be an absolute URL').default('https://api.github.com'),
  UPLOAD_MAX_MB: z.coerce.number({ message: 'must be a number of megabytes' }).int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').default(500),
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  port: number;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  embeddedPgRuntimeDir: string;
  sessionSecret: string;
  trustProxy: boolean | number | string;
  logLevel: Env['LOG_LEVEL'];
  smtpUrl: string | undefined;
  mailFrom: string;
  stripe: { secretKey: string | undefined; webhookSecret: string | undefined; apiUrl: string | undefined };
  s3: {
    bucket: string | undefined;
    region: string;
    endpoint: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
  };
  uploadMaxBytes: number;
  /** Video transcodes this instance runs at once (0: none; another instance does them). */
  videoWorkers: number;
  /** The ffmpeg and ffprobe programs (Debian's package: on the PATH). */
  ffmpeg: { ffmpegPath: string; ffprobePath: string };
  /** How long an anonymous catalog or home page is reused, in milliseconds (0: never). */
  catalogCacheMs: number;
  /** The support calls' meeting URL with `{room}` (features/support-calls); undefined: the host pastes a link. */
  supportCallUrlTemplate: string | undefined;
  /** Sign-in providers that are configured (both id and secret set); the others are not offered. */
  providers: {
    google?: { clientId: string; clientSecret: string; issuerUrl: string };
    github?: { clientId: string; clientSecret: string; webUrl: string; apiUrl: string };
  };
}

/** A configuration mistake: its message is one line that names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * In development a missing SESSION_SECRET is generated once and kept in DATA_DIR,
 * so sessions survive restarts without anyone having to invent a secret.
 */
function developmentSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** Reads `.env` into process.env in development (never overriding what is already set). */
export function loadDotEnv(file = '.env'): void {
  if (process.env.NODE_ENV === 'production' || !existsSync(file)) return;
  process.loadEnvFile(file);
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue.message} (got ${JSON.stringify(cleaned[name] ?? '')})`);
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === 'production';
  const dataDir = path.resolve(env.DATA_DIR);

  if (isProduction && !env.SESSION_SECRET) {
    throw new ConfigError('SESSION_SECRET: required in production (at least 32 random characters)');
  }
  if (isProduction && !env.BASE_URL) {
    throw new ConfigError('BASE_URL: required in production (the public https:// address, used in mailed links)');
  }
  const s3Keys = [env.S3_ACCESS_KEY_ID, env.S3_SECRET_ACCESS_KEY].filter(Boolean).length;
  if (s3Keys === 1) {
    throw new ConfigError('S3_SECRET_ACCESS_KEY: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  }

  for (const [name, id, secret] of [['GOOGLE', env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET], ['GITHUB', env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET]] as const) {
    if (Boolean(id) !== Boolean(secret)) throw new ConfigError(`${name}_CLIENT_SECRET: ${name}_CLIENT_ID and ${name}_CLIENT_SECRET must be set together`);
  }

  if (env.SUPPORT_CALL_URL_TEMPLATE !== undefined) checkSupportCallTemplate(env.SUPPORT_CALL_URL_TEMPLATE, env.NODE_ENV);

  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    baseUrl: (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl: env.DATABASE_URL,
    embeddedPgPort: env.EMBEDDED_PG_PORT,
    embeddedPgRuntimeDir: path.resolve(env.EMBEDDED_PG_RUNTIME_DIR),
    sessionSecret: env.SESSION_SECRET ?? developmentSessionSecret(dataDir),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    stripe: { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiUrl: env.STRIPE_API_URL },
    s3: {
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    },
    uploadMaxBytes: env.UPLOAD_MAX_MB * 1024 * 1024,
    videoWorkers: env.VIDEO_WORKERS,
    ffmpeg: { ffmpegPath: env.FFMPEG_PATH, ffprobePath: env.FFPROBE_PATH },
    catalogCacheMs: (env.CATALOG_CACHE_SECONDS ?? (isProduction ? 5 : 0)) * 1000,
    supportCallUrlTemplate: env.SUPPORT_CALL_URL_TEMPLATE,
    providers: {
      ...(env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET
        ? { google: { clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET, issuerUrl: env.GOOGLE_ISSUER_URL } }
        : {}),
      ...(env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
        ? { github: { clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET, webUrl: env.GITHUB_URL, apiUrl: env.GITHUB_API_URL } }
        : {}),
    },
  };
}

/**
 * SUPPORT_CALL_URL_TEMPLATE: an absolute https URL naming the room with `{room}` (plain http only
 * in development, for a meeting server on the laptop). Checked with a room put in, as it is used.
 */
function checkSupportCallTemplate(template: string, env: Env['NODE_ENV']): void {
  const fail = (why: string) => {
    throw new ConfigError(`SUPPORT_CALL_URL_TEMPLATE: ${why} (got ${JSON.stringify(template)})`);
  };
  if (!template.includes('{room}')) fail('must contain {room}, where each call\'s room name goes');
  let url: URL;
  try {
    url = new URL(template.replaceAll('{room}', 'room'));
  } catch {
    return fail('must be an absolute https:// URL such as https://meet.example.org/{room}');
  }
  const allowed = env === 'development' ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) fail(env === 'development' ? 'must be an http:// or https:// URL' : 'must be an https:// URL');
}
