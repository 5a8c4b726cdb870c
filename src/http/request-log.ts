import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.ts';

// Query parameters whose values are secrets (verification, reset and invitation links).
const SECRET_PARAMS = /([?&](?:token|code|key|signature|_csrf)=)[^&]*/gi;

// An invitation link carries its secret in the path: /invitations/<token>.
const SECRET_PATHS = /^(\/invitations\/)[^/?#]+/;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]').replace(SECRET_PATHS, '$1[redacted]');
}

/**
 * One line per request. Only method, path (secrets in the query removed), status and timing:
 * never headers, so cookies and authorization never reach the logs; never bodies, so passwords don't.
 */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Health probes every few seconds would drown everything else.
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/healthz' || req.url === '/readyz' },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, url: redactUrl(req.url ?? '') }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    // A 503 is the outage answer: the outage itself is logged once as an error (http/outage.ts),
    // each request it turns away only as a warning.
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      (error || res.statusCode >= 500) && res.statusCode !== 503 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  });
}
