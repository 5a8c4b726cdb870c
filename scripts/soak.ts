import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { DEMO_PASSWORD, seedDemo } from '../seeds/demo.ts';
import { freePort } from '../src/lib/free-port.ts';

/**
 * `npm run soak` (not part of `npm test`): the app in production mode on a private PostgreSQL,
 * under mixed traffic at a steady rate for SOAK_SECONDS (600): anonymous pages (home, catalog, a
 * search, a course page), a signed-in student's lesson page, and completion toggles (a form POST).
 * Every 10 s it samples the app's RSS (/proc/<pid>/status, VmRSS) and its database connections
 * (pg_stat_activity for the app's database, by state: the pool as PostgreSQL sees it; nothing new is
 * exposed by the app). Prints a table and writes bench/results/soak-<date>.md.
 *
 * Environment: SOAK_SECONDS (600), SOAK_RATE (requests per second, 50), SOAK_NOTE (a line for the
 * report), SOAK_NO_WRITE (print only).
 *
 * The load is open-loop: a request starts every 1/rate s whether or not earlier ones have answered
 * (so a slow app shows up as latency and requests in flight, not as a lower rate). A request that
 * has not answered within 10 s counts as an error.
 */

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 50);
const SAMPLE_MS = 10_000;
const DEADLINE_MS = 10_000;
const ROOT = path.resolve(import.meta.dirname, '..');


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const mb = (kb: number) => (kb / 1024).toFixed(1);

/** A browser: cookies, the last page's CSRF token, and `X-Forwarded-Proto: https` as nginx would send. */
class Browser {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(private base: string) {}
  async request(pathname: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + pathname, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        'X-Forwarded-Proto': 'https',
        'Accept-Encoding': 'gzip',
        ...(cookie ? { Cookie: cookie } : {}),
        ...(init.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams({ ...init.form, _csrf: this.csrf }).toString() : undefined,
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const text = await res.text();
    const token = /name="csrf-token" content="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, text };
  }
}

interface Window {
  requests: number;
  errors: number;
  latencies: number[];
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'edupeak-soak-'));
  let app: ChildProcess | undefined;
  let stopDatabase = async () => {};
  try {
    console.log(`soak: ${SECONDS} s at ${RATE} requests/s; a private PostgreSQL in ${work}`);
    const server = await startEmbeddedPostgres({ directory: path.join(work, 'postgres'), port: await freePort(), database: 'edupeak_soak' });
    stopDatabase = server.stop;
    const seeding = createDatabase({ connectionString: server.url, max: 2 });
    await migrateToLatest(seeding);
    await seedDemo(seeding, { env: 'development' });
    await seeding.destroy();
    // One connection of our own (for the samples and a few reads), left out of the counts by its pid.
    const db = createDatabase({ connectionString: server.url, max: 1 });

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const clean = { ...process.env };
    for (const key of ['DATABASE_URL', 'NODE_ENV', 'SESSION_SECRET', 'PORT', 'BASE_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) delete clean[key];
    // As `npm start` runs it (node --import tsx src/server.ts), without npm between us and its pid.
    app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: {
        ...clean,
        NODE_ENV: 'production',
        PORT: String(port),
        BASE_URL: base,
        DATABASE_URL: server.url,
        SESSION_SECRET: randomBytes(32).toString('base64url'),
        TRUST_PROXY: 'loopback',
        DATA_DIR: path.join(work, 'data'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let appErrors = '';
    app.stderr!.on('data', (chunk: Buffer) => (appErrors = (appErrors + chunk.toString()).slice(-20_000)));
    const pid = app.pid!;
    for (let waited = 0; ; waited += 200) {
      if (waited > 60_000 || app.exitCode !== null) throw new Error(`the app did not start:\n${appErrors}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }

    // The demo student, signed in through the form; a course they are enrolled in and its open lessons.
    const student = new Browser(base);
    await student.request('/auth/login');
    const login = await student.request('/auth/login', { method: 'POST', form: { email: 'student@example.com', password: DEMO_PASSWORD } });
    if (login.status !== 303) throw new Error(`sign-in answered ${login.status}`);
    await student.request('/dashboard');
    // Enrolled as a student would be: the enroll button of a free course.
    const free = await db.selectFrom('course').select('slug').where('status', '=', 'Published').where('price', '=', 0).orderBy('createdAt').executeTakeFirstOrThrow();
    await student.request(`/courses/${free.slug}`);
    const enrolled = await student.request(`/courses/${free.slug}/enroll`, { method: 'POST', form: {} });
    if (enrolled.status !== 303) throw new Error(`enrolling answered ${enrolled.status}`);
    const lessons = await db
      .selectFrom('enrollment as e')
      .innerJoin('user as u', 'u.id', 'e.userId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .innerJoin('chapter as ch', 'ch.courseId', 'c.id')
      .innerJoin('lesson as l', 'l.chapterId', 'ch.id')
      .select(['c.slug', 'l.id'])
      .where('u.email', '=', 'student@example.com')
      .where('e.status', '=', 'Active')
      .where('l.status', '=', 'Published')
      .where('ch.status', '=', 'Published')
      .orderBy('ch.position')
      .orderBy('l.position')
      .limit(4)
      .execute();
    if (lessons.length === 0) throw new Error('the demo student has no open lesson');
    const course = await db.selectFrom('course').select('slug').where('status', '=', 'Published').orderBy('createdAt').executeTakeFirstOrThrow();
    const lessonPage = (i: number) => `/learn/${lessons[i % lessons.length]!.slug}/lessons/${lessons[i % lessons.length]!.id}`;
    // The first lesson's page once: its CSRF token for the toggles.
    if ((await student.request(lessonPage(0))).status !== 200) throw new Error('the student cannot open the lesson');

    const anonymous = new Browser(base);
    // The mix (out of 20): home 5, catalog 4, search 1, course page 3, lesson page 5, completion toggle 2.
    const mix: Array<[string, (n: number) => Promise<{ status: number }>]> = [
      ...Array(5).fill(['home', () => anonymous.request('/')]),
      ...Array(4).fill(['catalog', () => anonymous.request('/courses')]),
      ['search', () => anonymous.request('/courses?q=web')],
      ...Array(3).fill(['course', () => anonymous.request(`/courses/${course.slug}`)]),
      ...Array(5).fill(['lesson', (n: number) => student.request(lessonPage(n))]),
      ...Array(2).fill(['toggle', (n: number) => student.request(`${lessonPage(n)}/complete`, { method: 'POST', form: {} })]),
    ];
    const ok = (name: string, status: number) => (name === 'toggle' ? status === 303 : status === 200);

    const total: Window = { requests: 0, errors: 0, latencies: [] };
    let window: Window = { requests: 0, errors: 0, latencies: [] };
    const errorsByKind = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const fire = (n: number) => {
      const [name, run] = mix[n % mix.length]!;
      const began = performance.now();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      run(n)
        .then(
          (res) => (ok(name, res.status) ? undefined : `${name} ${res.status}`),
          (error: Error) => `${name} ${error.name}`,
        )
        .then((problem) => {
          inFlight--;
          const ms = performance.now() - began;
          for (const w of [total, window]) {
            w.requests++;
            w.latencies.push(ms);
            if (problem) w.errors++;
          }
          if (problem) errorsByKind.set(problem, (errorsByKind.get(problem) ?? 0) + 1);
        });
    };

    const samples: Array<{ t: number; requests: number; errors: number; rps: number; p50: number; p99: number; rssKb: number; connections: number; active: number; inFlight: number }> = [];
    const sample = async (t: number, elapsedMs: number) => {
      const { rows } = await sql<{ total: number; active: number }>`
        select count(*)::int as total, count(*) filter (where state = 'active')::int as active
        from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`.execute(db);
      const sorted = window.latencies.sort((a, b) => a - b);
      samples.push({
        t,
        requests: window.requests,
        errors: window.errors,
        rps: window.requests / (elapsedMs / 1000),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        rssKb: rssKb(pid),
        connections: rows[0]!.total,
        active: rows[0]!.active,
        inFlight,
      });
      const s = samples.at(-1)!;
      console.log(
        `${String(t).padStart(4)} s  ${s.requests} req (${s.rps.toFixed(1)}/s)  errors ${s.errors}  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  RSS ${mb(s.rssKb)} MB  connections ${s.connections} (active ${s.active})  in flight ${s.inFlight}`,
      );
      window = { requests: 0, errors: 0, latencies: [] };
    };

    // The report is named by the time the load began.
    const date = new Date().toISOString().replace(/[:T]/g, '-').slice(0, 16);
    const startRss = rssKb(pid);
    console.log(`app pid ${pid}, RSS at start ${mb(startRss)} MB; loading ...`);
    const began = performance.now();
    const interval = 1000 / RATE;
    let n = 0;
    let lastSample = began;
    // A fixed schedule (request n starts at began + n / rate), caught up in small batches if a timer fires late.
    while (performance.now() - began < SECONDS * 1000) {
      const due = Math.floor((performance.now() - began) / interval);
      while (n <= due) fire(n++);
      const now = performance.now();
      if (now - lastSample >= SAMPLE_MS) {
        await sample(Math.round((now - began) / 1000), now - lastSample);
        lastSample = now;
      }
      await sleep(Math.max(1, interval / 2));
    }
    const waitedFrom = Date.now();
    while (inFlight > 0 && Date.now() - waitedFrom < DEADLINE_MS + 1000) await sleep(50);
    if (window.requests > 0) await sample(Math.round((performance.now() - began) / 1000), performance.now() - lastSample);
    await db.destroy();

    // The first minute warms up (JIT, view caches, the pool filling): growth is judged after it.
    const steady = samples.filter((s) => s.t >= 60);
    const rss = samples.map((s) => s.rssKb);
    const after = steady.length >= 2 ? steady : samples;
    const growth = after.at(-1)!.rssKb - after[0]!.rssKb;
    // RSS swings by tens of MB with each major GC: the trend is the median of the first third of the
    // steady samples against the median of the last third.
    const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
    const third = Math.max(1, Math.floor(after.length / 3));
    const [early, late] = [median(after.slice(0, third).map((s) => s.rssKb)), median(after.slice(-third).map((s) => s.rssKb))];
    const sortedAll = total.latencies.sort((a, b) => a - b);
    const lines = [
      `# Soak ${date} (${os.availableParallelism()} cores)`,
      '',
      `\`npm run soak\`: the app in production mode (\`node --import tsx src/server.ts\`, pool of 10) on a private embedded PostgreSQL with the demo data, ` +
        `${SECONDS} s of open-loop mixed traffic at ${RATE} requests/s from one fetch-based client on loopback: home 25 %, catalog 20 %, search 5 %, ` +
        `course page 15 %, signed-in lesson page 25 %, completion toggle (form POST) 10 %. Sampled every 10 s.` +
        (process.env.SOAK_NOTE ? ` ${process.env.SOAK_NOTE}` : ''),
      '',
      '| figure | value |',
      '|---|---|',
      `| requests | ${total.requests} (${(total.requests / SECONDS).toFixed(1)}/s) |`,
      `| errors | ${total.errors}${errorsByKind.size ? ` (${[...errorsByKind].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''} |`,
      `| latency p50 / p99 / max | ${percentile(sortedAll, 50).toFixed(1)} / ${percentile(sortedAll, 99).toFixed(1)} / ${sortedAll.at(-1)!.toFixed(1)} ms |`,
      `| requests in flight, max | ${maxInFlight} |`,
      `| RSS start / end / max | ${mb(startRss)} / ${mb(rss.at(-1)!)} / ${mb(Math.max(...rss))} MB |`,
      `| RSS after the first minute: first / last sample (growth) | ${mb(after[0]!.rssKb)} / ${mb(after.at(-1)!.rssKb)} MB (${growth >= 0 ? '+' : ''}${mb(growth)} MB) |`,
      `| RSS after the first minute, median of the first / last third | ${mb(early)} / ${mb(late)} MB (${late >= early ? '+' : ''}${mb(late - early)} MB) |`,
      `| app connections to PostgreSQL min / max (active max) | ${Math.min(...samples.map((s) => s.connections))} / ${Math.max(...samples.map((s) => s.connections))} (${Math.max(...samples.map((s) => s.active))}) |`,
      '',
      '| t (s) | requests | req/s | errors | p50 ms | p99 ms | RSS MB | connections (active) | in flight |',
      '|---|---|---|---|---|---|---|---|---|',
      ...samples.map(
        (s) =>
          `| ${s.t} | ${s.requests} | ${s.rps.toFixed(1)} | ${s.errors} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${mb(s.rssKb)} | ${s.connections} (${s.active}) | ${s.inFlight} |`,
      ),
      '',
    ];
    const report = lines.join('\n');
    console.log('\n' + report);
    if (!process.env.SOAK_NO_WRITE) {
      const dir = path.join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `soak-${date}.md`);
      writeFileSync(file, report);
      console.log(`written to ${path.relative(ROOT, file)}`);
    }
    if (app.exitCode !== null) throw new Error(`the app exited during the soak:\n${appErrors}`);
    if (total.errors > 0) process.exitCode = 1;
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((resolve) => app!.once('exit', resolve));
      app.kill('SIGTERM');
      await exited;
    }
    await stopDatabase();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
