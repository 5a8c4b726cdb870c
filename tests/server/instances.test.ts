import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser, TEST_PASSWORD } from '../setup/factories.ts';
import { FIREFOX_LINUX } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { pngImage } from '../setup/media.ts';
import { freePort } from '../setup/postgres.ts';
import { startS3rverProcess } from '../setup/s3-process.ts';

/**
 * Two production instances behind nginx, started with deploy/nginx.conf (only ports, certificate,
 * log path and `proxy_bind` changed), sharing one PostgreSQL database and one S3 bucket (s3rver),
 * each with a DATA_DIR of its own. nginx terminates TLS with a certificate made here, as in
 * production, so cookies are Secure and X-Forwarded-Proto is really https.
 *
 * nginx connects to the instances from 127.0.0.2 (`proxy_bind`) and the instances trust exactly
 * that address (TRUST_PROXY=127.0.0.2): the test, on 127.0.0.1, can then hit an instance directly
 * and be told apart from the proxy, as a client on another machine would be. (With TRUST_PROXY=
 * loopback, the sample's setting, a process on the same host is trusted like nginx: on one machine
 * the two are indistinguishable.)
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const NGINX = process.env.NGINX_PATH || '/usr/sbin/nginx';
const PROXY_ADDRESS = '127.0.0.2';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function spawnProc(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, output: () => out, exited };
}

async function waitUntil(what: string, proc: Proc, ready: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const begin = Date.now();
  while (!(await ready())) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited early:\n${proc.output()}`);
    if (Date.now() - begin > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await sleep(100);
  }
}

async function stop(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await proc.exited;
}

function startInstance(name: string, env: NodeJS.ProcessEnv): Proc {
  const clean = { ...process.env };
  // Nothing of the test run's own settings leaks into the instance.
  for (const key of Object.keys(clean)) {
    if (/^(NODE_ENV|DATABASE_URL|TEST_DATABASE_URL|SESSION_SECRET|PORT|BASE_URL|DATA_DIR|TRUST_PROXY|LOG_LEVEL|S3_.*|STRIPE_.*|SMTP_URL|VITEST.*)$/.test(key)) delete clean[key];
  }
  return spawnProc(name, process.execPath, ['--import', 'tsx', 'src/server.ts'], { ...clean, ...env });
}

/** deploy/nginx.conf with this machine's ports and files; every change must match, or the sample changed under the test. */
function testSiteConfig(
  sample: string,
  o: { upstreams: [number, number]; httpPort: number; httpsPort: number; cert: string; key: string; accessLog: string; proxyBind: string },
): string {
  const replacements: Array<[RegExp, string]> = [
    [/server 127\.0\.0\.1:3001 /, `server 127.0.0.1:${o.upstreams[0]} `],
    [/server 127\.0\.0\.1:3002 /, `server 127.0.0.1:${o.upstreams[1]} `],
    [/^\s*listen \[::\]:80;\n/m, ''],
    [/listen 80;/, `listen 127.0.0.1:${o.httpPort};`],
    [/^\s*listen \[::\]:443 ssl http2;\n/m, ''],
    [/listen 443 ssl http2;/, `listen 127.0.0.1:${o.httpsPort} ssl http2;`],
    [/ssl_certificate \S+;/, `ssl_certificate ${o.cert};`],
    [/ssl_certificate_key \S+;/, `ssl_certificate_key ${o.key};`],
    [/access_log \S+ edupeak;/, `access_log ${o.accessLog} edupeak;`],
    [/(proxy_set_header X-Forwarded-Proto \$scheme;\n)/, `$1    proxy_bind ${o.proxyBind};\n`],
  ];
  let conf = sample;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(conf)) throw new Error(`deploy/nginx.conf no longer has ${pattern}: update tests/server/instances.test.ts`);
    conf = conf.replace(pattern, replacement);
  }
  return conf;
}

/** The http block of Debian's /etc/nginx/nginx.conf (gzip on included), with paths in `dir`. */
function mainConfig(dir: string, site: string): string {
  return [
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    'events { worker_connections 512; }',
    'http {',
    '  sendfile on; tcp_nopush on; types_hash_max_size 2048;',
    '  include /etc/nginx/mime.types; default_type application/octet-stream;',
    '  ssl_protocols TLSv1.2 TLSv1.3; ssl_prefer_server_ciphers on;',
    `  access_log ${path.join(dir, 'access.log')};`,
    '  gzip on;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, t)};`),
    `  include ${site};`,
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// A small HTTP(S) client with a cookie jar that, like a browser on https, sends Secure cookies;
// it also sends them on plain http to an instance, as a client forging its way past nginx would.

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

class Client {
  jar = new Map<string, string>();
  /** Every Set-Cookie header received, as sent. */
  setCookies: string[] = [];
  constructor(private ca: Buffer) {}

  request(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; cookies?: boolean } = {}): Promise<Res> {
    const target = new URL(url);
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = { 'user-agent': FIREFOX_LINUX, ...options.headers };
    if (this.jar.size > 0 && options.cookies !== false) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['content-length'] = String(body.length);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(target, { method: options.method ?? 'GET', headers, ca: this.ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          for (const raw of res.headers['set-cookie'] ?? []) {
            this.setCookies.push(raw);
            const [pair] = raw.split(';');
            const eq = pair!.indexOf('=');
            const name = pair!.slice(0, eq).trim();
            const value = pair!.slice(eq + 1).trim();
            if (/max-age=0|expires=thu, 01 jan 1970/i.test(raw) || value === '') this.jar.delete(name);
            else this.jar.set(name, value);
          }
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body: all, text: all.toString('utf8') });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request(url, { headers });
  }

  postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  postFile(url: string, field: string, file: Buffer, filename: string, type: string) {
    const boundary = `----edupeak${randomBytes(8).toString('hex')}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return this.request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
  }
}

// ---------------------------------------------------------------------------------------------

describe('two instances behind nginx (deploy/nginx.conf)', () => {
  let dir: string;
  let database: TestDatabase;
  let s3: Awaited<ReturnType<typeof startS3rverProcess>> | undefined;
  let instances: Proc[] = [];
  let nginx: Proc | undefined;
  let ca: Buffer;
  /** https://127.0.0.1:<port>: nginx. */
  let site: string;
  let plainSite: string;
  /** http://127.0.0.1:<port> of instance A and B, for hitting them directly. */
  let direct: [string, string];
  let accessLog: string;
  let cronFixturesAt: Date;
  let cron: { enrollmentId: string; lessonId: string };

  const db = () => database.db;
  const loginHistoryOf = (userId: string) =>
    db().selectFrom('loginHistory').select(['ipAddress', 'success', 'failureReason']).where('userId', '=', userId).orderBy('createdAt').execute();
  /**
   * Access-log lines (format `edupeak` of the sample) matching `pattern`, with the instance that
   * answered. nginx writes a line in its log phase, after the response has gone out, so the client
   * can read the answer before the line exists: wait (up to 5 s) until `atLeast` lines are there.
   */
  const served = async (pattern: RegExp, atLeast = 1) => {
    const begin = Date.now();
    for (;;) {
      const lines = readFileSync(accessLog, 'utf8').split('\n').filter((line) => pattern.test(line));
      if (lines.length >= atLeast || Date.now() - begin > 5_000) return lines.map((line) => /upstream=(\S+)/.exec(line)?.[1]);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: install Debian's nginx package (.ci/run does) or set NGINX_PATH`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-instances-'));
    [database, s3] = await Promise.all([createTestDatabase(), startS3rverProcess()]);

    // A certificate for 127.0.0.1, as a real deployment has one for its name.
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    ca = readFileSync(cert);

    const [portA, portB, httpPort, httpsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    site = `https://127.0.0.1:${httpsPort}`;
    plainSite = `http://127.0.0.1:${httpPort}`;
    direct = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];

    const shared = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      BASE_URL: site,
      TRUST_PROXY: PROXY_ADDRESS,
      S3_BUCKET: s3.options.bucket,
      S3_REGION: s3.options.region,
      S3_ENDPOINT: s3.options.endpoint!,
      S3_ACCESS_KEY_ID: s3.options.accessKeyId!,
      S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey!,
      S3_FORCE_PATH_STYLE: 'true',
      // `debug` logs each cron run ("job ran"): the cron test counts them across both instances.
      LOG_LEVEL: 'debug',
    };
    instances = (['A', 'B'] as const).map((name, i) =>
      startInstance(name, { ...shared, PORT: String([portA, portB][i]), DATA_DIR: path.join(dir, `instance-${name}`) }),
    );
    await Promise.all(instances.map((p) => waitUntil(`instance ${p.name} to listen`, p, () => /running at/.test(p.output()), 90_000)));

    accessLog = path.join(dir, 'nginx', 'edupeak.access.log');
    const nginxDir = path.join(dir, 'nginx');
    mkdirSync(nginxDir);
    const siteConf = path.join(nginxDir, 'edupeak.conf');
    writeFileSync(
      siteConf,
      testSiteConfig(readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8'), { upstreams: [portA, portB], httpPort, httpsPort, cert, key, accessLog, proxyBind: PROXY_ADDRESS }),
    );
    writeFileSync(path.join(nginxDir, 'nginx.conf'), mainConfig(nginxDir, siteConf));
    nginx = spawnProc('nginx', NGINX, ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-g', `daemon off; pid ${path.join(nginxDir, 'nginx.pid')}; error_log stderr;`], process.env);
    const probe = new Client(ca);
    await waitUntil('nginx to answer', nginx, () => probe.get(`${site}/healthz`).then((r) => r.status === 200, () => false), 15_000);

    // The cron test's work, made once both instances run, so that both fire for the tick that does it
    // (and not in the last seconds of a minute, so that one tick finds all of it).
    while (new Date().getSeconds() >= 57) await sleep(250);
    const teacher = await createTeacher(db());
    const course = await createCourse(db(), { userId: teacher.id });
    const chapter = await createChapter(db(), { courseId: course.id });
    const lesson = await createLesson(db(), { chapterId: chapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() - 60_000) });
    const enrollment = await createEnrollment(db(), { courseId: course.id, banned: true, banType: 'Temporary', banReason: 'Spam', banUntil: new Date(Date.now() - 60_000) });
    cron = { enrollmentId: enrollment.id, lessonId: lesson.id };
    cronFixturesAt = new Date();
  }, 180_000);

  afterAll(async () => {
    await stop(nginx, 'SIGQUIT');
    const codes = await Promise.all(instances.map(async (p) => (await stop(p), p.child.exitCode)));
    await s3?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Each instance stops cleanly on SIGTERM, as systemd's KillSignal sends it (B may be stopped already).
    expect(codes.every((c) => c === 0 || c === null)).toBe(true);
  }, 60_000);

  // Every test starts with no sign-in attempts counted: they all come from 127.0.0.1.
  beforeEach(async () => {
    await db().deleteFrom('rateLimit').execute();
  });

  it('proxies to both instances over TLS; plain HTTP redirects; static files keep the app gzip and year-long cache', async () => {
    const client = new Client(ca);
    const redirect = await client.get(`${plainSite}/courses?q=x`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://127.0.0.1/courses?q=x');

    const home = await client.get(`${site}/`);
    expect(home.status).toBe(200);
    const css = /href="(\/static\/css\/app\.[0-9a-f]+\.css)"/.exec(home.text)?.[1];
    expect(css, 'the layout links the hashed stylesheet').toBeDefined();
    const sheet = await client.get(`${site}${css}`, { 'accept-encoding': 'gzip' });
    expect(sheet.status).toBe(200);
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(sheet.headers['content-encoding']).toBe('gzip');

    // least_conn with nothing in flight goes round: both instances answer.
    for (let i = 0; i < 6; i++) expect((await client.get(`${site}/healthz`)).status).toBe(200);
    const upstreams = new Set(await served(/"GET \/healthz /, 6));
    expect(upstreams).toEqual(new Set(direct.map((u) => u.replace('http://', ''))));
  });

  it('a sign-in through nginx (Secure cookie) is honoured by each instance', async () => {
    const user = await createUser(db(), { firstName: 'Amira' });
    const browser = new Client(ca);
    const form = await browser.get(`${site}/auth/login`);
    const signIn = await browser.postForm(`${site}/auth/login`, { email: user.email, password: TEST_PASSWORD, _csrf: csrfTokenOf(form.text) });
    expect(signIn.status).toBe(303);
    const sessionCookie = browser.setCookies.find((c) => c.startsWith('edupeak.sid='));
    // X-Forwarded-Proto: https reached the app (trusted from the proxy), so the cookie was sent, Secure.
    expect(sessionCookie).toMatch(/; Secure/i);

    for (const base of [site, ...direct]) {
      const page = await browser.get(`${base}/dashboard`);
      expect(page.status, base).toBe(200);
      expect(page.text, base).toContain('Amira');
    }
    // And a form posted to either instance is accepted: the CSRF token lives in the shared session.
    const csrf = csrfTokenOf((await browser.get(`${direct[0]}/`)).text);
    const out = await browser.postForm(`${direct[1]}/auth/logout`, { _csrf: csrf });
    expect(out.status).toBe(303);
    expect((await browser.get(`${direct[0]}/dashboard`)).status).not.toBe(200);
  });

  it('sign-in rate limits are shared: wrong passwords alternating between the instances are refused on both', async () => {
    const user = await createUser(db());
    const attacker = new Client(ca);
    // A signed-out form token from A is good on B: the same SESSION_SECRET signs it.
    const csrf = csrfTokenOf((await attacker.get(`${direct[0]}/auth/login`)).text);
    const attempt = (i: number, password: string) => attacker.postForm(`${direct[i % 2]}/auth/login`, { email: user.email, password, _csrf: csrf });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(i, 'wrong password')).status);
    expect(statuses).toEqual([422, 422, 422, 422, 422]);
    const sixth = await attempt(5, 'wrong password'); // on B
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('Too many attempts');
    // Refused on A too, even with the right password.
    expect((await attempt(6, TEST_PASSWORD)).status).toBe(429);
    expect((await loginHistoryOf(user.id)).map((r) => r.failureReason)).toEqual([...Array(5).fill('wrong_password'), 'rate_limited', 'rate_limited']);
  });

  it('a course image uploaded through nginx is served by the other instance too (files in S3)', async () => {
    const teacher = await createTeacher(db());
    const course = await createCourse(db(), { userId: teacher.id, status: 'Draft', fileKey: null });
    const browser = new Client(ca);
    const form = await browser.get(`${site}/auth/login`);
    expect((await browser.postForm(`${site}/auth/login`, { email: teacher.email, password: TEST_PASSWORD, _csrf: csrfTokenOf(form.text) })).status).toBe(303);
    const csrf = csrfTokenOf((await browser.get(`${site}/teach/courses/${course.id}`)).text);

    const action = `/teach/courses/${course.id}/thumbnail`;
    const upload = await browser.postFile(`${site}${action}?_csrf=${encodeURIComponent(csrf)}`, 'thumbnail', await pngImage(), 'photo.png', 'image/png');
    expect(upload.status, upload.text.slice(0, 300)).toBe(303);
    const { fileKey } = await db().selectFrom('course').select('fileKey').where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(fileKey).toMatch(/^thumbnails\//);

    // Which instance took the upload (nginx's log), then the other one serves it.
    const [receiver] = await served(new RegExp(`"POST ${action}\\?`));
    expect(receiver).toMatch(/^127\.0\.0\.1:\d+$/);
    const other = direct.find((u) => !u.endsWith(receiver!))!;
    expect(other).toBeDefined();
    const images: Buffer[] = [];
    for (const base of [other, site]) {
      const media = await browser.get(`${base}/media/${fileKey}`);
      // S3 storage: a short-lived presigned URL of the shared bucket.
      expect(media.status, base).toBe(302);
      expect(media.headers.location).toContain(s3!.options.endpoint!);
      const image = await browser.request(media.headers.location!, { cookies: false });
      expect(image.status).toBe(200);
      images.push(image.body);
    }
    expect(await sharp(images[0]).metadata()).toMatchObject({ format: 'webp', width: 640, height: 360 });
    expect(Buffer.compare(images[0]!, images[1]!)).toBe(0);
  });

  it('X-Forwarded-For is trusted only from the proxy: a forged one changes neither the recorded IP nor the rate limit', async () => {
    const user = await createUser(db());
    const browser = new Client(ca);
    const forged = { 'x-forwarded-for': '1.2.3.4' };

    // Through nginx: the header is overwritten with the client's address.
    const form = await browser.get(`${site}/auth/login`, forged);
    const signIn = await browser.postForm(`${site}/auth/login`, { email: user.email, password: TEST_PASSWORD, _csrf: csrfTokenOf(form.text) }, forged);
    expect(signIn.status).toBe(303);
    const device = await db().selectFrom('session').select('ipAddress').where('userId', '=', user.id).executeTakeFirstOrThrow();
    expect(device.ipAddress).toBe('127.0.0.1');

    // Straight to an instance, from an address that is not the proxy: the header is ignored.
    const stranger = new Client(ca);
    const csrf = csrfTokenOf((await stranger.get(`${direct[1]}/auth/login`)).text);
    expect((await stranger.postForm(`${direct[1]}/auth/login`, { email: user.email, password: 'wrong', _csrf: csrf }, { 'x-forwarded-for': '5.6.7.8' })).status).toBe(422);
    const history = await loginHistoryOf(user.id);
    expect(history.map((r) => r.ipAddress)).toEqual(['127.0.0.1', '::ffff:127.0.0.1']);

    // The per-address limit (30 in 15 minutes) holds whatever address each attempt claims.
    await db().deleteFrom('rateLimit').execute();
    const guesser = new Client(ca);
    const guessToken = csrfTokenOf((await guesser.get(`${site}/auth/login`)).text);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await guesser.postForm(
        `${site}/auth/login`,
        { email: `nobody-${i}@example.test`, password: 'guess', _csrf: guessToken },
        { 'x-forwarded-for': `10.0.${i}.1` },
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 422)).toBe(true);
    expect(statuses[30]).toBe(429);
    const keys = (await db().selectFrom('rateLimit').select(['key', 'hits']).where('key', 'like', 'login-ip:%').execute()).map((r) => `${r.key}=${r.hits}`);
    expect(keys).toEqual(['login-ip:127.0.0.1=31']);
  }, 60_000);

  it('each cron job runs once per tick across both instances (a scheduled lesson, an expired course ban)', async () => {
    const firstTickAfter = async () =>
      db().selectFrom('jobRun').selectAll().where('job', '=', 'lift-expired-bans').where('tick', '>', cronFixturesAt).orderBy('tick').executeTakeFirst();
    // node-cron fires at the start of each minute: wait for the first tick after the work was set up.
    const begin = Date.now();
    let run = await firstTickAfter();
    while (!run && Date.now() - begin < 75_000) {
      await sleep(500);
      run = await firstTickAfter();
    }
    const jobLines = () => instances.map((p) => p.output().split('\n').filter((l) => /job/.test(l)).slice(-6).join('\n')).join('\n');
    expect(run, `a minute tick came; job_run: ${JSON.stringify(await db().selectFrom('jobRun').selectAll().execute())}\n${jobLines()}`).toBeDefined();
    // Both instances have fired for it by now (they fire within milliseconds of each other).
    await sleep(2_000);

    const enrollment = await db().selectFrom('enrollment').select(['banned']).where('id', '=', cron.enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment.banned).toBe(false);
    const lesson = await db().selectFrom('lesson').select('status').where('id', '=', cron.lessonId).executeTakeFirstOrThrow();
    expect(lesson.status).toBe('Published');
    const unbans = await db().selectFrom('activityLog').select('metadata').where('action', '=', 'student_unbanned').where('entityId', '=', cron.enrollmentId).execute();
    expect(unbans).toHaveLength(1);

    // Each instance logs the runs it made: across both, one per job and tick, as many as job_run rows.
    const runs = instances.flatMap((p) =>
      p
        .output()
        .split('\n')
        .filter((line) => line.includes('"job ran"'))
        .map((line) => JSON.parse(line) as { job: string; tick: string; result: unknown })
        .map((r) => ({ instance: p.name, key: `${r.job}@${r.tick}`, result: r.result })),
    );
    const keys = runs.map((r) => r.key);
    console.info(`cron runs (job@tick): ${instances.map((p) => `${p.name}: ${runs.filter((r) => r.instance === p.name).map((r) => r.key).join(', ')}`).join('; ')}`);
    expect(new Set(keys).size, `runs: ${JSON.stringify(runs)}`).toBe(keys.length);
    const rows = await db().selectFrom('jobRun').select(['job', 'tick']).where('job', 'in', ['lift-expired-bans', 'release-scheduled-content']).execute();
    expect(new Set(keys.filter((k) => /^(lift-expired-bans|release-scheduled-content)@/.test(k)))).toEqual(
      new Set(rows.map((r) => `${r.job}@${r.tick.toISOString()}`)),
    );
    // The work was done once, by one run on one instance. Not necessarily by the first tick after the
    // fixtures: on a loaded machine the previous minute's run can start after they were made (its
    // tick is earlier) and do it then; the next tick then finds nothing (CI once saw exactly that).
    const did = (job: string, done: (result: Record<string, number>) => boolean) =>
      runs.filter((r) => r.key.startsWith(`${job}@`) && done(r.result as Record<string, number>)).map((r) => r.result);
    expect(did('lift-expired-bans', (r) => (r.enrollments ?? 0) > 0 || (r.users ?? 0) > 0)).toEqual([{ users: 0, enrollments: 1 }]);
    expect(did('release-scheduled-content', (r) => (r.lessons ?? 0) > 0 || (r.chapters ?? 0) > 0)).toEqual([{ chapters: 0, lessons: 1 }]);
  }, 90_000);

  it('with one instance stopped, pages keep coming from the other (passive health check, GETs retried)', async () => {
    await stop(instances[1]);
    expect(instances[1]!.child.exitCode).toBe(0);
    const client = new Client(ca);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await client.get(`${site}/courses`)).status);
    expect(statuses).toEqual(Array(8).fill(200));
  });
});
