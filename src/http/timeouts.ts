import http, { type RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import { localeOf } from '../i18n/negotiate.ts';
import { translatorFor } from '../i18n/translator.ts';

/**
 * How long a client may hold a connection. Node's defaults let a request whose body never arrives
 * hold its connection for 300 s (requestTimeout, checked every 30 s: 408 after up to 330 s), and
 * headers sent a byte at a time for 60-90 s. One deadline for the whole request cannot serve both a
 * login form and a 500 MB video sent over a slow link, so:
 *
 * - headers: complete within `headersMs` (Node's headersTimeout, checked every `checkEveryMs`);
 * - a body other than an upload: complete within `bodyMs` of the headers, else 408 and close
 *   (`bodyDeadline`, the middleware below);
 * - an upload (multipart/form-data): no deadline, but at least `uploadMinBytes` every `uploadWindowMs`,
 *   else the connection is closed: a slow, steady upload finishes, a stalled or trickling one does not;
 * - any connection silent both ways for `idleMs` is closed (Node's server.timeout);
 * - an idle keep-alive connection is closed after `keepAliveMs`.
 *
 * Node's own requestTimeout is off: `bodyDeadline` is that deadline, for the requests it fits.
 */
export interface TimeoutLimits {
  headersMs: number;
  bodyMs: number;
  uploadWindowMs: number;
  uploadMinBytes: number;
  idleMs: number;
  keepAliveMs: number;
  checkEveryMs: number;
}

export const TIMEOUTS: TimeoutLimits = {
  // A browser's headers are one packet: even on 2G (1-2 s round trips) they arrive in a few seconds;
  // a slowloris client sends them a byte at a time to hold the connection.
  headersMs: 15_000,
  // Forms are at most 100 KB (express.urlencoded's limit): 30 s allows for 3.4 KB/s, slower than GPRS.
  bodyMs: 30_000,
  // 16 KiB a minute (270 bytes a second) is far below any real link, and far above a trickle meant
  // to keep the connection open. It also means: no byte for a minute, and the upload is cut.
  uploadWindowMs: 60_000,
  uploadMinBytes: 16 * 1024,
  // A response that writes nothing for a minute is stuck; so is a request that sends nothing.
  idleMs: 60_000,
  // Node's default. Behind a load balancer, keep it above the balancer's idle timeout.
  keepAliveMs: 5_000,
  // Node checks headersTimeout on an interval (default 30 s, which would stretch 15 s to 45 s).
  checkEveryMs: 1_000,
};

// The limits of the server a connection came to, so the middleware and the server agree.
const limitsOfSocket = new WeakMap<Socket, TimeoutLimits>();

/** Sets the server's timeouts (all but the checking interval, which only createHttpServer can set). */
export function applyServerTimeouts(server: http.Server, limits: TimeoutLimits = TIMEOUTS): void {
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = 0;
  server.timeout = limits.idleMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  server.on('connection', (socket: Socket) => limitsOfSocket.set(socket, limits));
}

/** http.createServer with these limits: the interval that checks headersTimeout is a constructor option. */
export function createHttpServer(app: RequestListener, limits: TimeoutLimits = TIMEOUTS): http.Server {
  const server = http.createServer({ connectionsCheckingInterval: limits.checkEveryMs }, app);
  applyServerTimeouts(server, limits);
  return server;
}

const hasBody = (headers: http.IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * The body's deadline for each request (uploads: its minimum pace), as described above. It never
 * reads the body (that is the parsers' job): it watches `req.complete` and the socket's byte count.
 */
export const bodyDeadline: RequestHandler = (req, res, next) => {
  if (req.complete || !hasBody(req.headers)) return next();
  const limits = limitsOfSocket.get(req.socket) ?? TIMEOUTS;
  const socket = req.socket;
  let timer: NodeJS.Timeout;

  if (req.is('multipart/form-data')) {
    let bytesAtWindowStart = socket.bytesRead;
    timer = setInterval(() => {
      if (socket.bytesRead - bytesAtWindowStart < limits.uploadMinBytes) socket.destroy();
      bytesAtWindowStart = socket.bytesRead;
    }, limits.uploadWindowMs);
  } else {
    timer = setTimeout(() => {
      if (req.complete) return;
      // The connection cannot be reused with a body half-read: answer (if nobody has) and close it.
      if (res.headersSent) return socket.destroy();
      res.status(408).set('Connection', 'close').set('Cache-Control', 'no-store').type('text');
      // Before the session is read: the visitor's language (cookie or Accept-Language).
      res.send(translatorFor(localeOf(req)).t('The request took too long to arrive. Please try again.'));
    }, limits.bodyMs);
  }
  timer.unref();
  // The watch ends when the body has all arrived (read, or dumped by Node after the response) or the
  // connection is gone; nothing is left on a keep-alive socket. Listening for 'end' does not start
  // the stream flowing: the parsers still get every byte.
  const stop = () => {
    clearTimeout(timer);
    req.off('end', stop);
    socket.off('close', stop);
  };
  req.once('end', stop);
  socket.once('close', stop);
  next();
};
