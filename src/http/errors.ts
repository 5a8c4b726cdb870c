import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { msg } from '../i18n/catalogue.ts';
import { localeOf } from '../i18n/negotiate.ts';
import { translatorFor, type MessageValues, type Translator } from '../i18n/translator.ts';
import { recordError } from './error-log.ts';
import { backTo } from './forms.ts';
import { createOutageMonitor, isDatabaseUnavailable, OUTAGE_RETRY_AFTER_SECONDS } from './outage.ts';
import { renderPageOrFragment } from './render.ts';

/**
 * An error with an HTTP status that is safe to show to the user: its message is an English
 * catalogue message (`msg('…')`) with its ICU values, shown in the reader's language.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly values?: MessageValues,
  ) {
    super(message);
  }
}

export const notFound = (message = msg('We could not find that page.')) => new HttpError(404, message);

const TITLES: Record<number, string> = {
  400: msg('Bad request'),
  403: msg('Not allowed'),
  404: msg('Page not found'),
  405: msg('Method not allowed'),
  413: msg('Too large'),
  422: msg('Please check the form'),
  429: msg('Too many requests'),
  503: msg('Not available right now'),
};

const OUTAGE_TITLE = msg('Back shortly');
const OUTAGE_MESSAGE = msg('Edupeak is briefly unavailable; it will be back shortly. Please try again in a minute.');

export const handleNotFound: RequestHandler = (_req, _res, next) => next(notFound());

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  // body-parser and friends set `status`/`statusCode` on client errors (bad JSON, too large ...).
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * The one error handler: a full page, or a fragment for htmx; 5xx errors are logged and written
 * to `error_log` (a repeat within a minute counts up its row: see error-log.ts). Users never see a
 * stack trace or an internal message. While the database is unreachable, 503 with Retry-After
 * instead (see outage.ts): the session store and the current user's lookup fail first, and reach
 * here too, through next(err).
 */
export function handleErrors({ db, logger }: { db: Database; logger: Logger }): ErrorRequestHandler {
  const outages = createOutageMonitor({ db, logger });
  return async (error, req, res, next) => {
    if (res.headersSent) {
      // Already answered in full: a session save that failed after the route's redirect (the
      // database went away between the write's commit and the save; express-session ends the
      // response anyway). Cutting the connection now (Express's default) would turn a committed
      // write into a network error (tests/server/faults-postgres.test.ts); the flash is all that is lost.
      if (res.writableEnded) {
        if (isDatabaseUnavailable(error)) outages.failed(error);
        else logger.error({ err: error, method: req.method, path: req.path }, 'error after the response was sent');
        return;
      }
      return next(error);
    }
    const outage = statusOf(error) >= 500 && isDatabaseUnavailable(error);
    const status = outage ? 503 : statusOf(error);
    const err = error instanceof Error ? error : new Error(String(error));

    if (outage) {
      // One log line per outage, not per request; no error_log row: the database is what is down.
      outages.failed(error);
      res.setHeader('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    } else if (status >= 500) {
      logger.error({ err, method: req.method, path: req.path }, 'request failed');
      const user = res.locals.user as { id?: string } | undefined;
      await recordError(db, {
        errorType: err.name || 'Error',
        statusCode: status,
        message: err.message.slice(0, 2000) || 'Unknown error',
        stack: err.stack?.slice(0, 10_000) ?? null,
        endpoint: req.path.slice(0, 500),
        method: req.method,
        userId: user?.id ?? null,
        metadata: JSON.stringify({ requestId: String(req.id ?? '') }),
      })
        .catch((logError: unknown) => logger.error({ err: logError }, 'could not write error_log'));
    }

    // In the reader's language; an error raised before the language was resolved works it out here.
    const tr = (res.locals.i18n as Translator | undefined) ?? translatorFor(localeOf(req, res.locals.user as { language?: string | null } | undefined));
    const message = tr.t(
      outage
        ? OUTAGE_MESSAGE
        : error instanceof HttpError
          ? // Raised on purpose with words for the reader, a 5xx too (payments unavailable: try later).
            err.message
          : status >= 500
            ? msg('Something went wrong on our side. It has been logged; please try again in a moment.')
            : (error as { expose?: unknown })?.expose === true
              ? // http-errors (body-parser, csrf-sync) mark 4xx messages fit to show with `expose`.
                err.message
              : (TITLES[status] ?? msg('That request could not be handled.')),
      error instanceof HttpError ? error.values : undefined,
    );
    res.setHeader('Cache-Control', 'no-store');
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    try {
      renderPageOrFragment(
        req,
        res,
        { page: 'errors/error', fragment: 'errors/_error' },
        {
          title: tr.t(outage ? OUTAGE_TITLE : (TITLES[status] ?? (status >= 500 ? msg('Something went wrong') : msg('Error')))),
          status,
          message,
          back: backTo(req.get('referer'), ''),
        },
        status,
      );
    } catch (renderError) {
      // The error page itself failed (a broken view): still answer, plainly, without internals.
      logger.error({ err: renderError }, 'could not render the error page');
      res.status(status).type('text').send(message);
    }
  };
}
