import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShutdown } from '../../src/lifecycle.ts';
import { discardUnfinishedUploads } from '../../src/uploads/receive.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { mp4Video } from '../setup/media.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * An upload cut half-way (the client goes away, or shutdown closes the connection) must not leave
 * its temp file in DATA_DIR/tmp. These run a real HTTP server over createApp, because supertest
 * cannot stop a request in the middle of its body.
 */

const MiB = 1024 * 1024;
const DECLARED_BYTES = 40 * MiB;
const BOUNDARY = 'edupeak-test-boundary';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
const bytesIn = (dir: string): number => filesIn(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);

describe('an upload cut half-way leaves no temp file', () => {
  const t = useTestApp({ config: { UPLOAD_MAX_MB: '100' } });
  let server: http.Server;
  let port: number;
  let cookie: string;
  let csrf: string;
  let lessonId: string;

  beforeAll(async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    ({ cookie, csrf } = teacher);
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    lessonId = (await createLesson(t.db, { chapterId: chapter.id })).id;
    server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    // The cut requests' handlers run on after their sockets are gone (error page, session save):
    // let them finish before this file's database is dropped.
    await sleep(500);
  });

  const tmpDir = () => path.join(t.config.dataDir, 'tmp');

  /**
   * Starts a 40 MB video upload, sends a few megabytes of it, and waits until the server has
   * written part of it to DATA_DIR/tmp. Returns the open request, still unfinished.
   */
  async function startUpload(): Promise<http.ClientRequest> {
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="video"; filename="long.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/teach/lessons/${lessonId}/video?_csrf=${encodeURIComponent(csrf)}`,
      headers: {
        cookie,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(head.length + DECLARED_BYTES + tail.length),
      },
    });
    // The response never comes (the body never ends) and the socket is cut: both are expected.
    request.on('error', () => {});
    request.write(head);
    const chunk = mp4Video(MiB);
    for (let i = 0; i < 4; i++) request.write(chunk);
    const written = await until(() => bytesIn(tmpDir()) >= 2 * MiB);
    expect(written, 'the server wrote part of the upload to DATA_DIR/tmp').toBe(true);
    return request;
  }

  it('when the client goes away', async () => {
    const request = await startUpload();
    request.destroy();
    expect(await until(() => filesIn(tmpDir()).length === 0), `left in tmp: ${filesIn(tmpDir()).join(', ')}`).toBe(true);
  });

  it('when the server closes the connection (shutdown after its grace period)', async () => {
    await startUpload();
    // What lifecycle.ts does to requests still running when the grace period is over.
    server.closeAllConnections();
    expect(await until(() => filesIn(tmpDir()).length === 0), `left in tmp: ${filesIn(tmpDir()).join(', ')}`).toBe(true);
  });

  it('by the time a graceful shutdown has finished (the process exits right after)', async () => {
    await startUpload();
    // server.ts's order: once drained, discardUnfinishedUploads, then jobs and the database close.
    // Without that step the temp file was still there when the last step ran: the server reports
    // itself drained before the cut request's socket has even closed.
    let leftAtLastStep: string[] | undefined;
    const shutdown = createShutdown({
      server,
      graceMs: 100,
      logger: silentLogger,
      after: [async () => void (await discardUnfinishedUploads()), async () => void (leftAtLastStep = filesIn(tmpDir()))],
    });
    await shutdown();
    expect(leftAtLastStep).toEqual([]);
  });
});
