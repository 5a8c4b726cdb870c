import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * A database outage (restart, failover, network cut, connections exhausted) is not a bug: pages
 * answer 503 with Retry-After and a page that says the site will be back, nothing is written to
 * error_log (the database is what is down), and the log gets one line when the outage begins and one
 * when it is over, not a stack trace per request.
 */

/** What a 503 tells browsers and crawlers: a restart or failover is usually over well within this. */
export const OUTAGE_RETRY_AFTER_SECONDS = 30;

/** Probing for the end of an outage: soon at first (most outages are a restart), then every 5 s. */
const PROBE_DELAYS_MS = [500, 1_000, 2_000, 5_000];

// Socket and DNS failures on the way to the server. Also raised by other clients (S3, SMTP): those
// are told apart below where they can be; an S3 connection reset answering 503 is no harm either.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
// SQLSTATEs the server sends when it will not (or no longer) serve this connection.
const SERVER_CODES = new Set([
  '57P01', // admin_shutdown: the server is stopping, or our backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
]);
// Said by pg and pg-pool, which give these errors no code.
const POOL_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i, // "... unexpectedly", "... due to connection timeout"
  /connection error and is not queryable/i,
];

/** Whether an error means the database cannot be reached right now (rather than a bug or bad input). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  // The AWS SDK marks its errors with $metadata: a storage failure is not a database outage.
  if ('$metadata' in error) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code)) return true;
    // Class 08, connection exceptions; but 08P01 (protocol violation) is our bug, not an outage.
    if (/^08[0-9A-Z]{3}$/.test(code) && code !== '08P01') return true;
  }
  if (typeof message === 'string' && POOL_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Connecting to every address of a name (happy eyeballs) fails with an AggregateError.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

export interface OutageMonitor {
  /** A request failed because the database is unreachable. */
  failed(error: unknown): void;
  readonly down: boolean;
}

/**
 * Per app: the first failure of an outage logs one line and starts probing with `select 1`; later
 * failures are only counted; the first probe that succeeds logs the end (how long, how many requests
 * answered 503). One probe at a time, on an unref'd timer, so it never keeps the process alive.
 */
export function createOutageMonitor({ db, logger }: { db: Database; logger: Logger }): OutageMonitor {
  let since: number | undefined;
  let failedRequests = 0;
  let probes = 0;

  const probe = () => {
    sql`select 1`.execute(db).then(
      () => {
        logger.info({ downForMs: Date.now() - since!, failedRequests }, 'database is back: outage over');
        since = undefined;
      },
      (error: unknown) => {
        // Anything else (the pool was closed at shutdown ...) ends the watch without a verdict.
        if (isDatabaseUnavailable(error)) schedule();
        else since = undefined;
      },
    );
  };
  const schedule = () => {
    const delay = PROBE_DELAYS_MS[Math.min(probes++, PROBE_DELAYS_MS.length - 1)]!;
    setTimeout(probe, delay).unref();
  };

  return {
    failed(error) {
      failedRequests++;
      if (since !== undefined) return;
      since = Date.now();
      failedRequests = 1;
      probes = 0;
      const { code, message } = error as { code?: unknown; message?: unknown };
      logger.error({ code, reason: message }, `database unavailable: pages answer 503 until it is back`);
      schedule();
    },
    get down() {
      return since !== undefined;
    },
  };
}
