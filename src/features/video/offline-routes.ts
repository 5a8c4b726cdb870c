import { readFileSync } from 'node:fs';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { AssetManifest } from '../../http/assets.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import type { Storage } from '../../storage/index.ts';
import type { Learner } from '../learning/context.ts';
import { allowedChapters, offlineAssets, offlineManifest } from './offline.ts';

/**
 * Offline lessons, over HTTP:
 * - GET /learn/:slug/chapters/:chapterId/offline.json (inside the learning router: the learner is
 *   loaded, enrolled or managing): what saving the chapter takes, for the service worker.
 * - POST /learn/offline/check: which of the chapters this browser saved the user may still open.
 * - GET /sw.js: the service worker, at a stable URL whose scope covers /learn/ and /media/.
 */

const manifestParams = z.object({ chapterId: z.uuid() });
const manifestQuery = z.object({ kind: z.enum(['audio']).optional() });

export function offlineManifestRoutes({ db, storage, assets }: { db: Database; storage: Storage; assets: AssetManifest }): Router {
  const router = Router({ mergeParams: true });
  const assetList = offlineAssets(assets);

  router.get('/chapters/:chapterId/offline.json', async (req, res) => {
    const params = manifestParams.safeParse(req.params);
    if (!params.success) throw notFound();
    const query = manifestQuery.safeParse(req.query);
    if (!query.success) throw new HttpError(400, 'kind may only be "audio".');
    const learner = res.locals.learner as Learner;
    const manifest = await offlineManifest(db, storage, {
      user: learner.user,
      course: learner.course,
      manages: learner.preview,
      chapterId: params.data.chapterId,
      // The student's data saver (their choice, else Save-Data: the browser sends it on fetch too).
      dataSaver: res.locals.dataSaver === true,
      audioOnly: query.data.kind === 'audio',
      assets: assetList,
    });
    if (!manifest) throw notFound();
    // Who may open what changes (an enrollment cancelled): never kept by a cache.
    res.set('Cache-Control', 'private, no-store').json(manifest);
  });

  return router;
}

// "<course slug>/<chapter id>", as the service worker names its caches.
const savedChapter = z
  .string()
  .max(150)
  .regex(/^[a-z0-9-]{1,100}\/[0-9a-f-]{36}$/)
  .transform((value) => {
    const at = value.lastIndexOf('/');
    return { slug: value.slice(0, at), chapterId: value.slice(at + 1) };
  })
  .pipe(z.object({ slug: z.string(), chapterId: z.uuid() }));
const asList = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const checkInput = z
  .object({ chapters: z.unknown().optional(), 'chapters[]': z.unknown().optional() })
  .transform((body) => [...asList(body.chapters), ...asList(body['chapters[]'])])
  .pipe(z.array(savedChapter).max(100, 'At most 100 chapters at once.'));

/**
 * POST /learn/offline/check (mounted behind requireUser), a form (`chapters[]=<slug>/<id>`, repeated)
 * or JSON (`{ "chapters": [...] }`), with the CSRF token in the x-csrf-token header (a JSON body is
 * read after the CSRF check). Answers `{ allowed: [...] }` in the same notation.
 */
export function offlineCheckRoutes({ db }: { db: Database }): Router {
  const router = Router();
  router.post('/check', express.json({ limit: '16kb' }), async (req, res) => {
    const input = checkInput.safeParse(req.body ?? {});
    if (!input.success) throw new HttpError(422, 'chapters must be a list of "<course slug>/<chapter id>".');
    const allowed = await allowedChapters(db, currentUser(res)!, input.data);
    res.set('Cache-Control', 'private, no-store').json({ allowed: allowed.map((c) => `${c.slug}/${c.chapterId}`) });
  });
  return router;
}

const workerSource = readFileSync(new URL('./offline-sw.js', import.meta.url));

/**
 * GET /sw.js: not fingerprinted (a service worker must keep its URL), so no-cache: the browser
 * checks it on every registration and navigation, and a new deployment's worker replaces the old.
 * At the root, its scope may cover /learn/ and /media/ without a Service-Worker-Allowed header.
 * Outside public/ on purpose: pages never load it (only a student who saves a chapter registers
 * it), so it is not part of the 3 KB of script a page may carry.
 */
export function serviceWorkerRoutes(): Router {
  return publicRouter(
    Router().get('/sw.js', (_req, res) => {
      res.set({ 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }).send(workerSource);
    }),
  );
}
