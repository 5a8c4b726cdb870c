import { Router } from 'express';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Mailer } from '../../mail/mailer.ts';
import type { Storage } from '../../storage/index.ts';
import type Stripe from 'stripe';
import { adminAnnouncementRoutes } from '../announcements/writer-routes.ts';
import { blogAdminRoutes } from '../blog/admin-routes.ts';
import { enrollmentAdminRoutes } from './enrollments.ts';
import { paymentAdminRoutes } from './payments.ts';
import { adminHomeRoutes } from './home.ts';
import { activityAdminRoutes } from './activity.ts';
import { errorAdminRoutes } from './errors.ts';
import { loginAdminRoutes } from './logins.ts';
import { searchAdminRoutes } from './search.ts';
import { loadStaffRole } from './staff.ts';
import { settingsAdminRoutes } from './settings-routes.ts';
import { onlineAdminRoutes } from './online.ts';
import { teacherApplicationRoutes } from './teacher-applications.ts';
import { workspaceAdminRoutes } from './workspaces.ts';
import { userAdminRoutes } from './users-routes.ts';
import { impersonationAdminRoutes } from './impersonation-routes.ts';
import { helpAdminRoutes } from '../help/admin-routes.ts';
import { platformAnalyticsRoutes } from '../analytics/platform-routes.ts';

/**
 * The admin area: every admin page under one router, mounted once behind one guard
 * (`app.use('/admin', requireRole('admin'), adminRoutes(...))`), the way Lobsters keeps its
 * moderation under `mod/`. A page added here is guarded by being here; SuperAdmin actions add
 * `requireSuperAdmin` (staff.ts) on their own routes.
 */

export interface AdminDeps {
  db: Database;
  config: Config;
  logger: Logger;
  mailer: Mailer;
  storage: Storage;
  stripe: Stripe | undefined;
}

export function adminRoutes(deps: AdminDeps): Router {
  const { db } = deps;
  const router = Router();
  router.use(loadStaffRole(db));
  router.use('/', adminHomeRoutes({ db }));
  router.use('/teacher-applications', teacherApplicationRoutes({ db }));
  router.use('/payments', paymentAdminRoutes({ db, stripe: deps.stripe, config: deps.config, logger: deps.logger }));
  router.use('/enrollments', enrollmentAdminRoutes({ db }));
  router.use('/', impersonationAdminRoutes({ db }));
  router.use('/users', userAdminRoutes({ db, mailer: deps.mailer, logger: deps.logger, baseUrl: deps.config.baseUrl }));
  router.use('/help', helpAdminRoutes({ db }));
  router.use('/blog', blogAdminRoutes({ db }));
  router.use('/activity', activityAdminRoutes({ db }));
  router.use('/logins', loginAdminRoutes({ db }));
  router.use('/errors', errorAdminRoutes({ db }));
  router.use('/search', searchAdminRoutes({ db }));
  router.use('/analytics', platformAnalyticsRoutes({ db }));
  router.use('/settings', settingsAdminRoutes({ db }));
  router.use('/online', onlineAdminRoutes({ db }));
  router.use('/announcements', adminAnnouncementRoutes({ db, storage: deps.storage, config: deps.config, logger: deps.logger }));
  router.use('/workspaces', workspaceAdminRoutes({ db, config: deps.config, logger: deps.logger, mailer: deps.mailer }));
  return router;
}
