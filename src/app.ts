import compression from 'compression';
import express, { Router, type Express } from 'express';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { accountRoutes } from './features/accounts/account-routes.ts';
import { dataExportRoutes } from './features/accounts/data-export-routes.ts';
import { deletionRoutes } from './features/accounts/deletion-routes.ts';
import { adminRoutes } from './features/admin/routes.ts';
import { refuseWhileImpersonating } from './features/admin/impersonation-limits.ts';
import { impersonationStopRoutes } from './features/admin/impersonation-routes.ts';
import { authRoutes } from './features/accounts/auth-routes.ts';
import { providerClients } from './features/accounts/providers/clients.ts';
import { providerAuthRoutes, signInMethodRoutes } from './features/accounts/providers/routes.ts';
import { loadCurrentUser } from './features/accounts/sessions.ts';
import { trackPresence } from './features/accounts/presence.ts';
import { billingRoutes } from './features/billing/routes.ts';
import { checkoutSuccessRoutes, enrollRoutes } from './features/enrollments/routes.ts';
import { catalogRoutes } from './features/catalog/routes.ts';
import { certificateRoutes } from './features/certificates/routes.ts';
import { healthRoutes } from './features/health/routes.ts';
import { leaderboardRoutes } from './features/leaderboard/routes.ts';
import { dashboardRoutes } from './features/learning/dashboard.ts';
import { learningRoutes } from './features/learning/routes.ts';
import { mediaRoutes } from './features/media/routes.ts';
import { offlineCheckRoutes, serviceWorkerRoutes } from './features/video/offline-routes.ts';
import { applyRoutes } from './features/teaching/apply-routes.ts';
import { teachRoutes } from './features/teaching/routes.ts';
import { homeRoutes } from './features/home/routes.ts';
import { styleguideRoutes } from './features/styleguide/routes.ts';
import { buildAssetManifest, serveAssets, type AssetManifest } from './http/assets.ts';
import { refuseControlCharactersInForm, refuseControlCharactersInUrl } from './http/control-characters.ts';
import { csrfProtection } from './http/csrf.ts';
import { resolveLocale } from './i18n/negotiate.ts';
import { languageRoutes } from './features/language/routes.ts';
import { handleErrors, handleNotFound } from './http/errors.ts';
import { publicRouter, requireRole, requireUser, requireVerified } from './http/guards.ts';
import { createViewRenderer } from './http/render.ts';
import { requestLogger } from './http/request-log.ts';
import { securityHeaders } from './http/security.ts';
import { saveBeforeRedirect, sessions } from './http/session.ts';
import { bodyDeadline } from './http/timeouts.ts';
import type { Logger } from './logger.ts';
import { discussionRoutes } from './features/blog/discussion-routes.ts';
import { readingRoutes } from './features/blog/reading-routes.ts';
import { writingRoutes } from './features/blog/writing-routes.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { createMailOutbox } from './features/notifications/outbox.ts';
import { notificationPreferenceRoutes, notificationRoutes } from './features/notifications/routes.ts';
import { readerRoutes } from './features/announcements/reader-routes.ts';
import { helpRoutes } from './features/help/routes.ts';
import { invitationPageRoutes, invitationRoutes } from './features/workspaces/invitation-routes.ts';
import { loadUnread } from './features/announcements/unread.ts';
import { testCheckoutRoutes, webhookRoutes } from './payments/routes.ts';
import { createStripe } from './payments/stripe.ts';
import { createStorage, type Storage } from './storage/index.ts';
import { createJobQueue, type JobQueue } from './queue/boss.ts';
import { resolveDataSaver } from './features/video/data-saver.ts';
import type Stripe from 'stripe';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Built at start-up when not given; tests share one. */
  assets?: AssetManifest;
  /** From the configuration when not given (SMTP, or the file outbox). */
  mailer?: Mailer;
  /** From the configuration when not given (S3, or DATA_DIR/uploads). */
  storage?: Storage;
  /** From STRIPE_SECRET_KEY (and STRIPE_API_URL) when not given; none: the test checkout. */
  stripe?: Stripe;
  /** The background job queue (pg-boss on `db`) when not given; requests only send to it, server.ts works it. */
  queue?: JobQueue;
  /** Routes mounted after the app's own and before the 404 handler (tests use it for a route that throws). */
  extraRoutes?: Router;
}

/** The whole HTTP application, without listening: server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, db, logger } = deps;
  const assets = deps.assets ?? buildAssetManifest();
  const mailer = deps.mailer ?? createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, dataDir: config.dataDir, logger });
  const storage = deps.storage ?? createStorage(config);
  // Mail that notifications and announcements queued in a request's transaction goes out after its response.
  const outbox = createMailOutbox({ db, mailer, logger, baseUrl: config.baseUrl });
  // Google and GitHub, when configured (config.providers): their buttons, flows and the sign-in methods page.
  const clients = providerClients(config);
  const accounts = { db, mailer, logger, baseUrl: config.baseUrl, storage, config, clients, signInProviders: [...clients.values()].map(({ id, label }) => ({ id, label })) };
  const queue = deps.queue ?? createJobQueue({ db, logger });
  const media = { db, storage, config, logger, queue };
  const payments = { db, stripe: deps.stripe ?? createStripe(config), config, logger };
  const app = express();

  app.set('env', config.isProduction ? 'production' : 'development');
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.locals.renderView = createViewRenderer({ assets, cache: config.isProduction });

  app.use(requestLogger(logger));
  app.use((_req, res, next) => {
    res.on('finish', () => outbox.kickIfQueued());
    next();
  });
  app.use(bodyDeadline);
  app.use(securityHeaders(config));
  app.use(refuseControlCharactersInUrl);
  app.use(compression());
  app.use((_req, res, next) => {
    // The same URL answers a page or an htmx fragment: caches must key on the header.
    res.vary('HX-Request');
    next();
  });
  app.use(serveAssets(assets));
  // Browsers ask for /favicon.ico whatever the page says; answer it before sessions and users.
  app.use(publicRouter(Router().get('/favicon.ico', (_req, res) => res.redirect(301, assets.url('img/favicon.svg')))));
  // The offline lessons' service worker, at its stable URL (no session needed).
  app.use(serviceWorkerRoutes());
  // Probes and static files need no session, body or user.
  app.use(publicRouter(healthRoutes({ db })));
  // Before any body parser: Stripe's signature is over the raw bytes.
  app.use(webhookRoutes(payments));
  // A lesson's text (Markdown, up to 100,000 characters, lib/markdown.ts) makes a larger form than
  // any other: its own limit, so that text too long is told so (422) with the text kept, not a 413.
  app.use('/teach/lessons', express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }));
  // An announcement's Markdown (up to 20,000 characters) and up to 500 addresses outgrow the default.
  app.use(['/admin/announcements', '/teach/courses/:courseId/announcements'], express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }));
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.use(refuseControlCharactersInForm);
  app.use(sessions({ db, config }));
  app.use(saveBeforeRedirect);
  app.use(csrfProtection(config));
  app.use(loadCurrentUser(db));
  // Data saver for this request (the user's choice, else Save-Data): res.locals.dataSaver, Vary: Save-Data.
  app.use(resolveDataSaver);
  // The request's language (the person's choice, the visitor's cookie, Accept-Language): res.locals.t for every view.
  app.use(resolveLocale);
  // Who is online (/admin/online): at most one upsert a minute per signed-in device, none in between.
  app.use(trackPresence(db));
  // The nav's unread count and the urgent announcement banner: one query per page a signed-in person is shown.
  app.use(loadUnread(db));
  // While an admin views as someone: payments, password, email, devices and sign-in refused (403), in one list.
  app.use(refuseWhileImpersonating({ db }));

  // Each router is mounted behind its guard (tests/security/guards.test.ts checks every one).
  app.use(publicRouter(languageRoutes({ db, secureCookies: config.isProduction })));
  app.use(publicRouter(homeRoutes({ db, cacheMs: config.catalogCacheMs })));
  app.use('/auth/providers', providerAuthRoutes(accounts));
  app.use('/auth', authRoutes(accounts));
  app.use(catalogRoutes({ db, cacheMs: config.catalogCacheMs }));
  app.use(mediaRoutes(media));
  app.use(certificateRoutes({ db, storage, baseUrl: config.baseUrl, logger }));
  app.use(leaderboardRoutes({ db }));
  app.use('/account/sign-in-methods', requireUser, signInMethodRoutes(accounts));
  app.use('/account', requireUser, accountRoutes(accounts));
  app.use('/account', requireUser, billingRoutes({ db }));
  app.use('/account', requireUser, notificationPreferenceRoutes({ db }));
  app.use('/account', requireUser, dataExportRoutes({ db, storage, logger, baseUrl: config.baseUrl }));
  app.use('/account', requireUser, deletionRoutes(accounts));
  // Before /teach: anyone signed in may apply to teach.
  app.use('/teach/apply', requireUser, applyRoutes({ db }));
  app.use('/teach', requireRole('teacher', 'admin'), teachRoutes({ ...media, mailer, stripe: payments.stripe }));
  app.use('/courses/:slug/enroll', requireVerified, enrollRoutes(payments));
  app.use(testCheckoutRoutes(payments));
  app.use('/checkout', requireUser, checkoutSuccessRoutes(payments));
  app.use('/dashboard', requireUser, dashboardRoutes({ db }));
  // Stop viewing as: reached by the viewed-as (non-admin) browser, so outside /admin.
  app.use('/impersonation', requireUser, impersonationStopRoutes({ db }));
  app.use('/notifications', requireUser, notificationRoutes({ db }));
  app.use('/announcements', requireUser, readerRoutes({ db }));
  // The help desk: my requests and their threads (the admin side is /admin/help).
  app.use('/help', requireUser, helpRoutes({ db }));
  // Workspace invitations: the link's page is public (sign in or register from it); accepting needs the invited person signed in.
  app.use('/invitations', invitationPageRoutes({ db }));
  app.use('/invitations', requireUser, invitationRoutes({ db }));
  // Before /learn/:slug: which saved offline chapters this browser may keep (features/video/offline-routes.ts).
  app.use('/learn/offline', requireUser, offlineCheckRoutes({ db }));
  app.use('/learn/:slug', requireUser, learningRoutes({ db, storage, config, logger, assets }));
  // The admin area: one router behind one guard (features/admin/routes.ts).
  app.use('/admin', requireRole('admin'), adminRoutes({ db, config, logger, mailer, storage, stripe: payments.stripe }));
  // Blog writing (the author's side): /blog/new, /blog/posts/:postId/..., /account/posts; before the public reading routes.
  const blogWriting = writingRoutes(media);
  app.use('/blog/new', requireVerified, blogWriting.newPost);
  app.use('/blog/posts', requireUser, blogWriting.posts);
  app.use('/account', requireUser, blogWriting.account);
  // Blog discussion (comments, upvotes, reactions): each route guards itself; before the public reading routes.
  app.use('/blog', discussionRoutes({ db }));
  // Blog reading (public): /blog, /blog/feed.xml, /blog/:slug; after the writing and discussion routes.
  app.use('/blog', publicRouter(readingRoutes({ db, baseUrl: config.baseUrl, cacheMs: config.catalogCacheMs, secureCookies: config.isProduction })));

  // The design system's components on one page, for development only (a 404 in production).
  if (!config.isProduction) app.use('/styleguide', publicRouter(styleguideRoutes()));
  if (deps.extraRoutes) app.use(deps.extraRoutes);
  app.use(handleNotFound);
  app.use(handleErrors({ db, logger }));
  return app;
}
