import compression from 'compression';
import express, { type Express, type Router } from 'express';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { healthRoutes } from './features/health/routes.ts';
import { homeRoutes } from './features/home/routes.ts';
import { buildAssetManifest, serveAssets, type AssetManifest } from './http/assets.ts';
import { handleErrors, handleNotFound } from './http/errors.ts';
import { createViewRenderer } from './http/render.ts';
import { requestLogger } from './http/request-log.ts';
import { securityHeaders } from './http/security.ts';
import type { Logger } from './logger.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Built at start-up when not given; tests share one. */
  assets?: AssetManifest;
  /** Routes mounted after the app's own and before the 404 handler (tests use it for a route that throws). */
  extraRoutes?: Router;
}

/** The whole HTTP application, without listening: server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, db, logger } = deps;
  const assets = deps.assets ?? buildAssetManifest();
  const app = express();

  app.set('env', config.isProduction ? 'production' : 'development');
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.locals.renderView = createViewRenderer({ assets, cache: config.isProduction });

  app.use(requestLogger(logger));
  app.use(securityHeaders(config));
  app.use(compression());
  app.use((_req, res, next) => {
    // The same URL answers a page or an htmx fragment: caches must key on the header.
    res.vary('HX-Request');
    next();
  });
  app.use(serveAssets(assets));
  app.use(healthRoutes({ db }));
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));

  app.use(homeRoutes({ db }));

  if (deps.extraRoutes) app.use(deps.extraRoutes);
  app.use(handleNotFound);
  app.use(handleErrors({ db, logger }));
  return app;
}
