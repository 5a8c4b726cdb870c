import { createApp } from './app.ts';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/connect.ts';
import { EmbeddedPostgresError } from './db/embedded.ts';
import { migrateToLatest } from './db/migrator.ts';
import { createHttpServer } from './http/timeouts.ts';
import { serverJobs, startJobs } from './jobs/schedule.ts';
import { createMailer } from './mail/mailer.ts';
import { createShutdown } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { createStorage } from './storage/index.ts';
import { discardUnfinishedUploads } from './uploads/receive.ts';
import { createJobQueue } from './queue/boss.ts';
import { startVideoWorkers } from './features/video/worker.ts';
import { cleanUploadTemp, uploadTempDir } from './uploads/temp-dir.ts';
import { DEMO_LOGINS, DEMO_PASSWORD, hasAnyUser, seedDemo } from '../seeds/demo.ts';
import { DEMO_LANGUAGE_LOGINS } from '../seeds/demo-languages.ts';

/** Process entry: config -> database -> migrate -> (demo data) -> app -> listen; cron; graceful shutdown. */

const SHUTDOWN_GRACE_MS = 10_000;
const PARENT_CHECK_MS = 1_000;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

loadDotEnv();
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const logger = createLogger(config);

const started = Date.now();
let database: OpenDatabase;
try {
  database = await openDatabase(config, logger);
} catch (error) {
  if (error instanceof EmbeddedPostgresError) fail(error.message);
  fail(`DATABASE_URL: cannot connect (${error instanceof Error ? error.message : String(error)})`);
}
const { db } = database;

try {
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
} catch (error) {
  await database.close();
  fail(error instanceof Error ? error.message : String(error));
}

let seeded = false;
if (!config.isProduction && !(await hasAnyUser(db))) {
  await seedDemo(db, { env: config.env, storage: createStorage(config) });
  seeded = true;
}

// Uploads cut by a crash or a kill leave temp files that nothing else would remove.
const swept = await cleanUploadTemp(uploadTempDir(config));
if (swept.removed > 0) logger.info(swept, 'stale upload temp files removed');

// One storage for the app and the jobs (the sweep of unreferenced files).
const storage = createStorage(config);
// One mailer for the app and the deliver-mail job.
const mailer = createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, dataDir: config.dataDir, logger });
// The background queue (pg-boss on our pool): requests send to it; this instance also works the
// video queue unless VIDEO_WORKERS=0. A shutdown aborts ffmpeg runs in flight: the queue retries them.
const queue = createJobQueue({ db, logger });
const stopWork = new AbortController();
await queue.start();
await startVideoWorkers({ db, storage, logger, queue, config, signal: stopWork.signal });
const app = createApp({ config, db, logger, storage, mailer, queue });
// Header, body, upload-pace, idle and keep-alive limits: see src/http/timeouts.ts.
const server = createHttpServer(app);
server.on('error', async (error: NodeJS.ErrnoException) => {
  await database.close().catch(() => {});
  fail(
    error.code === 'EADDRINUSE'
      ? `PORT: port ${config.port} is already in use; stop the other program or set PORT to a free port`
      : `PORT: cannot listen on ${config.port} (${error.code ?? error.message})`,
  );
});
const jobs = startJobs({ db, logger, schedule: serverJobs({ db, storage, mailer, logger, baseUrl: config.baseUrl }) });

server.listen(config.port, () => {
  const lines = [
    '',
    `Edupeak is running at ${config.baseUrl}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `Database: ${database.embedded ? `embedded PostgreSQL in ${config.dataDir}/postgres` : 'DATABASE_URL'}${seeded ? ' (demo data added)' : ''}`,
  ];
  if (!config.isProduction) {
    lines.push('Demo logins (password for all: ' + DEMO_PASSWORD + '):');
    for (const login of DEMO_LOGINS) lines.push(`  ${login.role.padEnd(8)} ${login.email}`);
    for (const login of DEMO_LANGUAGE_LOGINS) lines.push(`  student  ${login.email} (reads ${login.reads})`);
  }
  lines.push('Press Ctrl+C to stop.', '');
  console.log(lines.join('\n'));
});

const shutdown = createShutdown({
  server,
  graceMs: SHUTDOWN_GRACE_MS,
  logger,
  // Temp files of uploads the shutdown cut go first: their requests never reach their own cleanup.
  after: [
    () => discardUnfinishedUploads().then(() => {}),
    () => jobs.stop(),
    () => {
      stopWork.abort();
      // ffmpeg gets SIGTERM, then SIGKILL 3 s later (video/ffmpeg.ts): 8 s covers that on a busy machine.
      return queue.stop({ timeoutMs: 8_000 });
    },
    () => database.close(),
  ],
});

function onSignal(signal: NodeJS.Signals): void {
  logger.info({ signal }, 'shutting down');
  // A hung step must not keep the process alive forever.
  setTimeout(() => {
    console.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_GRACE_MS + 10_000).unref();
  void shutdown().then(() => {
    logger.info('stopped');
    logger.flush(() => process.exit(0));
  });
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// `npm start` runs this process with `exec` (package.json), so npm hands a SIGTERM or SIGINT
// straight to it. A wrapper that dies without passing the signal on (a shell, a package manager
// killed with SIGKILL) would leave us running with our PostgreSQL: when the process that started
// us is gone (we are re-parented), stop as if it had sent SIGTERM.
const parentAtStart = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parentAtStart) return;
  clearInterval(parentWatch);
  logger.warn({ parentAtStart }, 'the process that started us is gone');
  onSignal('SIGTERM');
}, PARENT_CHECK_MS).unref();
