import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Three projects over one PostgreSQL:
 * - `fast`: everything in-process (supertest over createApp, real HTTP servers in the test process);
 *   `npm run test:fast` runs only this one.
 * - `slow`: the suites that start a browser or other processes (the server, PostgreSQL clusters of
 *   their own, kysely-codegen, s3rver in a child process), and `slow-alone`, one of them that runs
 *   first, on its own.
 * `npm test` (scripts/test.mjs) runs them all, with the type check beside them.
 *
 * globalSetup is the root's only: Vitest runs the root project's global setup once per run and
 * hands what it provides to every project. A project that listed it again (or `extends: true`,
 * which would copy it) would start a second PostgreSQL.
 */
export const SLOW = [
  'tests/e2e/**', // Chromium
  'tests/server/process.test.ts', // the real server process and its embedded PostgreSQL
  'tests/server/root-checkout.test.ts', // npm start as root, from a checkout the postgres user cannot reach
  'tests/db/embedded.test.ts', // PostgreSQL clusters of its own; a tsx child process
  'tests/db/types.test.ts', // kysely-codegen in a child process
  'tests/storage/list.test.ts', // s3rver in a child process
  'tests/server/npm-start.test.ts', // npm start, its server and embedded PostgreSQL
  'tests/server/instances.test.ts', // two production instances, nginx and s3rver in child processes
  'tests/server/faults-*.test.ts', // fault injection: app processes, a private PostgreSQL stopped and killed
  'tests/video/transcode.test.ts', // ffmpeg transcodes, on disk and on s3rver (about 10 s)
  'tests/video/worker.test.ts', // ffmpeg transcodes through pg-boss workers; a worker in a tsx child process killed mid-run (about 25 s)
  'tests/video/demo-seed.test.ts', // the demo seed's six videos transcoded by ffmpeg (about 4 s)
];

/**
 * Also slow (s3rver in a child process), and run alone before everything else: its S3 case allows
 * a few hundred milliseconds between two sweeps (S3 dates are whole seconds), which a busy 2-core
 * machine overruns (it failed in 2 of 3 runs beside the other files). First rather than last: the
 * type check (scripts/test.mjs) uses the core it leaves idle.
 */
export const ALONE = [
  'tests/jobs/collect-unreferenced-files.test.ts',
  // ffmpeg transcodes with deadlines, and workers killed and waited for: beside the browser walks
  // their runs overran the tests' limits on 2 cores (108 s and 127 s instead of about 10 s and 25 s).
  'tests/video/transcode.test.ts',
  'tests/video/worker.test.ts',
];

/**
 * The page walks (every page type in Chromium: the design checks at three widths, 200 % zoom in
 * three languages, axe at two widths, a file per width so that it is not the one long pole of the
 * group; several hundred page loads each): last, two at a time, after everything else. Run beside the other files on 2 cores they took 600, 250 and 820 s and pushed
 * timing-sensitive files (transcodes, server start-up, query counts at scale) past their limits.
 */
export const LAST = ['tests/e2e/design.e2e.test.ts', 'tests/e2e/zoom.e2e.test.ts', 'tests/e2e/a11y-phone.e2e.test.ts', 'tests/e2e/a11y-desktop.e2e.test.ts'];

const shared = {
  pool: 'forks' as const,
  testTimeout: 20_000,
  hookTimeout: 120_000,
  env: { NODE_ENV: 'test' },
  // Cheap argon2 under NODE_ENV=test (src/features/accounts/password.ts).
  setupFiles: ['tests/setup/password.ts'],
  // A worker keeps its loaded modules from one file to the next instead of importing the app again
  // for each (Vitest counted 130 s of imports with isolation, 19 s without, in the fast project).
  // Every file still has a database and an app of its own; src/ keeps no module state that one app
  // could leave to the next (checked: no vi.mock, no process.env writes in tests).
  isolate: false,
};

export default defineConfig({
  test: {
    // One PostgreSQL for the run, a migrated template database; each file clones its own database.
    globalSetup: ['tests/setup/global.ts'],
    // The tests mostly wait (on PostgreSQL, timers, child processes), so more files at once than
    // cores pays. Vitest's default is cores - 1: one worker on 2 cores. Measured there, the fast
    // project without isolation took 84 s with 2 workers, 72 s with 3, 60 s with 4, 62 s with 6 and
    // 68 s with 8 (and 184 s with 2 workers and isolation).
    maxWorkers: Math.max(4, os.availableParallelism()),
    projects: [
      // Groups run one after the other, lowest groupOrder first; in a group, files of every project
      // share the workers.
      { test: { ...shared, name: 'slow-alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 0 } } },
      {
        test: {
          ...shared,
          name: 'fast',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/bench/**', 'node_modules/**', ...SLOW, ...ALONE],
          sequence: { groupOrder: 1 },
        },
      },
      { test: { ...shared, name: 'slow', include: SLOW, exclude: ['tests/bench/**', 'node_modules/**', ...ALONE, ...LAST], sequence: { groupOrder: 1 } } },
      { test: { ...shared, name: 'slow-last', include: LAST, maxWorkers: 2, sequence: { groupOrder: 2 } } },
    ],
  },
});
