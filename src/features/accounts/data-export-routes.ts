import { pipeline } from 'node:stream/promises';
import { ZipArchive, type Archiver } from 'archiver';
import { Router, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { HttpError } from '../../http/errors.ts';
import { currentUser } from '../../http/guards.ts';
import { hitRateLimit, waitValues, type RateLimitRule } from '../../http/rate-limit.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { dataSummary } from './data-export-areas.ts';
import { dataExportEntries, EXPORT_FILES, type ExportEntry } from './data-export.ts';

/**
 * /account/data (mounted under /account behind requireUser): a page saying what the download
 * holds, and the download itself, a ZIP streamed to the browser while it is made
 * (features/accounts/data-export.ts gathers the entries; nothing here knows what is in them).
 */

/** Each download reads every table about the person: a few an hour is plenty for a person, and little load. */
export const DATA_EXPORT_RATE_LIMIT: RateLimitRule = { name: 'data-export', limit: 5, windowSeconds: 60 * 60 };

const TOO_MANY = msg(
  '{unit, select, seconds {You have downloaded your data several times in the last hour. Please try again in {wait, plural, one {# second} other {# seconds}}.} other {You have downloaded your data several times in the last hour. Please try again in {wait, plural, one {# minute} other {# minutes}}.}}',
);

/** Which summary count each file's line shows on the page (the rest show none). */
const COUNT_OF: Partial<Record<string, keyof Awaited<ReturnType<typeof dataSummary>>>> = {
  'enrollments.json': 'enrollments',
  'progress.json': 'lessonsCompleted',
  'submissions.json': 'submissions',
  'quiz-answers.json': 'quizAnswers',
  'posts.json': 'posts',
  'comments.json': 'comments',
  'payments.json': 'payments',
  'certificates.json': 'certificates',
  'login-history.json': 'signIns',
};

export interface DataExportRouteDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
  baseUrl: string;
}

export function dataExportRoutes(deps: DataExportRouteDeps): Router {
  const { db, logger } = deps;
  const router = Router();

  router.get('/data', async (_req, res) => {
    const user = currentUser(res)!;
    const tr = translatorOf(res);
    const counts = await dataSummary(db, user.id);
    const areas = EXPORT_FILES.map((f) => {
      const key = COUNT_OF[f.file];
      return { file: f.file, label: f.label, about: f.about, count: key === undefined ? undefined : tr.number(counts[key]) };
    });
    render(res, 'account/data', { title: tr.t('Your data'), areas, limit: DATA_EXPORT_RATE_LIMIT.limit });
  });

  // Express answers HEAD with the GET route: a link checker or a download manager's probe would
  // build the whole archive and spend one of the hour's downloads. HEAD gets the headers alone.
  router.head('/data/export.zip', (_req, res) => {
    res.status(200).set({ 'Content-Type': 'application/zip', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end();
  });

  router.get('/data/export.zip', async (_req, res) => {
    const user = currentUser(res)!;
    const hit = await hitRateLimit(db, DATA_EXPORT_RATE_LIMIT, user.id);
    if (!hit.allowed) {
      // errors.ts sends Retry-After from retryAfterSeconds.
      throw Object.assign(new HttpError(429, TOO_MANY, waitValues(hit.retryAfterSeconds)), { retryAfterSeconds: hit.retryAfterSeconds });
    }
    const entries = dataExportEntries({ db, storage: deps.storage, baseUrl: deps.baseUrl, logger }, { userId: user.id, timeZone: user.timeZone }, translatorOf(res));
    // The first entry (the profile) before any byte is sent: if the database fails here, the
    // person gets the ordinary error page, not a broken download.
    const first = await entries.next();
    res.status(200).set({
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="edupeak-data-${new Date().toISOString().slice(0, 10)}.zip"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    await streamZip(res, first, entries, logger);
  });

  return router;
}

/**
 * Writes the entries into a ZIP piped to the response, one entry at a time: the next is asked for
 * only once archiver has written the last, and archiver writes only as fast as the client reads, so
 * a slow phone holds back the queries and file reads rather than filling memory. A failure after
 * the headers are out (a file read, the database, the client leaving) cuts the download: the
 * browser reports it failed, rather than saving an archive that looks whole and is not.
 */
async function streamZip(res: Response, first: IteratorResult<ExportEntry>, entries: AsyncGenerator<ExportEntry>, logger: Logger): Promise<void> {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  // Never rejects: its outcome is read at the end (a rejection nobody awaited yet would crash the process).
  const piped = pipeline(archive, res).then(
    () => undefined,
    (error: unknown) => error,
  );
  let current: ExportEntry | undefined;
  try {
    for (let step = first; !step.done; step = await entries.next()) {
      current = step.value;
      await addEntry(archive, step.value);
    }
    current = undefined;
    await archive.finalize();
    const failed = await piped;
    if (failed) throw failed;
  } catch (error) {
    if (current && typeof current.body !== 'string') current.body.destroy();
    await entries.return(undefined).catch(() => undefined);
    archive.destroy();
    res.destroy();
    if (res.writableFinished || (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.info('data export: the client left before the download finished');
    } else {
      logger.error({ err: error }, 'data export failed while streaming');
    }
  }
}

/** Appends one entry and resolves once archiver has written it (or rejects when the archive fails or closes). */
function addEntry(archive: Archiver, entry: ExportEntry): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: unknown) => {
      archive.off('entry', onEntry);
      archive.off('error', onError);
      archive.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    // One entry at a time is in flight, so the next 'entry' is this one.
    const onEntry = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => done(Object.assign(new Error('the archive closed before the entry was written'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    archive.on('entry', onEntry);
    archive.on('error', onError);
    archive.on('close', onClose);
    archive.append(entry.body, { name: entry.name, store: entry.compressed === true });
  });
}
