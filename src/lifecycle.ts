import type { Server } from 'node:http';
import type { Logger } from './logger.ts';

export interface ShutdownOptions {
  server: Server;
  /** Run in order once no request is in flight (stop cron, close the pool, stop the database). */
  after: Array<() => Promise<void>>;
  /** How long requests in flight may take to finish before their connections are cut. */
  graceMs: number;
  logger: Logger;
}

/**
 * Graceful shutdown: stop accepting connections, let requests in flight finish (closing idle
 * keep-alive connections at once), cut what is left after the grace period, then run `after`.
 * Calling it again returns the same promise.
 */
export function createShutdown({ server, after, graceMs, logger }: ShutdownOptions): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    (done ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Keep-alive connections that become idle after their last response are closed too.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const cutoff = setTimeout(() => {
        logger.warn('requests still running after the grace period: closing their connections');
        server.closeAllConnections();
      }, graceMs);
      try {
        await drained;
      } finally {
        clearInterval(sweep);
        clearTimeout(cutoff);
      }
      for (const step of after) {
        try {
          await step();
        } catch (err) {
          logger.error({ err }, 'shutdown step failed');
        }
      }
    })());
}
