import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { csrfTokenOf } from '../setup/login.ts';

/**
 * Shared by the fault suites (tests/server/faults-*.test.ts): the app as a child process in
 * production mode, a visitor with a cookie jar that speaks to it over real HTTP, and a timed fetch.
 */

export const root = fileURLToPath(new URL('../../', import.meta.url));

export const SESSION_SECRET = 'fault-test-secret-fault-test-secret-0123456789';

export interface AppProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `node --import tsx src/server.ts` as `npm start` runs it, in production mode: DATABASE_URL, a
 * session secret, and loopback trusted as a proxy (requests say `X-Forwarded-Proto: https`, as
 * nginx would, so the Secure session cookie is set).
 */
export function spawnApp(env: Record<string, string>): AppProcess {
  const clean = { ...process.env };
  for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'NODE_ENV', 'SESSION_SECRET', 'PORT', 'BASE_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) delete clean[key];
  const port = Number(env.PORT);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...clean,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SESSION_SECRET,
      BASE_URL: `http://127.0.0.1:${port}`,
      TRUST_PROXY: 'loopback',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

export async function waitForOutput(app: AppProcess, pattern: RegExp, timeoutMs = 60_000): Promise<number> {
  const began = Date.now();
  while (!pattern.test(app.output())) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`the app exited early:\n${app.output()}`);
    if (Date.now() - began > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${app.output()}`);
    await sleep(50);
  }
  return Date.now() - began;
}

export async function startApp(env: Record<string, string>): Promise<AppProcess & { startMs: number }> {
  const app = spawnApp(env);
  const startMs = await waitForOutput(app, /running at/);
  return Object.assign(app, { startMs });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const began = Date.now();
  while (!(await check())) {
    if (Date.now() - began > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - began;
}

export interface Answer {
  /** 0 when no HTTP answer came (connection refused or reset, or our own deadline). */
  status: number;
  ms: number;
  text: string;
  headers: Headers;
  error?: string;
}

/** One request with a hard deadline: whatever happens, it answers within `deadlineMs`. */
export async function timedFetch(url: string, init: RequestInit = {}, deadlineMs = 15_000): Promise<Answer> {
  const began = Date.now();
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(deadlineMs) });
    const text = await res.text();
    return { status: res.status, ms: Date.now() - began, text, headers: res.headers };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { status: 0, ms: Date.now() - began, text: '', headers: new Headers(), error: cause?.code ?? (error as Error).name };
  }
}

/** A browser: a cookie jar, the CSRF token of the last page, and `X-Forwarded-Proto: https`. */
export class Visitor {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(public base: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { 'X-Forwarded-Proto': 'https', ...(cookie ? { Cookie: cookie } : {}), ...extra };
  }

  private keep(answer: Answer): Answer {
    for (const line of answer.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    if (answer.status === 200) {
      try {
        this.csrf = csrfTokenOf(answer.text);
      } catch {
        // a page without a form
      }
    }
    return answer;
  }

  async get(path: string, deadlineMs?: number): Promise<Answer> {
    return this.keep(await timedFetch(this.base + path, { headers: this.headers() }, deadlineMs));
  }

  async post(path: string, fields: Record<string, string> = {}, deadlineMs?: number): Promise<Answer> {
    const body = new URLSearchParams({ ...fields, _csrf: this.csrf }).toString();
    return this.keep(
      await timedFetch(this.base + path, { method: 'POST', body, headers: this.headers({ 'Content-Type': 'application/x-www-form-urlencoded' }) }, deadlineMs),
    );
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.get('/auth/login');
    const res = await this.post('/auth/login', { email, password });
    if (res.status !== 303) throw new Error(`sign-in as ${email} answered ${res.status}: ${res.text.slice(0, 300)}`);
    // A page for a fresh CSRF token of the signed-in session.
    const page = await this.get('/dashboard');
    if (page.status !== 200) throw new Error(`/dashboard after sign-in answered ${page.status}`);
  }

  cookieHeader(): string {
    return this.headers().Cookie ?? '';
  }
}

/** What a page answers while the database is down: a clear 503 page, no hang, no stack trace. */
export function outageProblems(answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status !== 503) problems.push(`status ${answer.status}${answer.error ? ` (${answer.error})` : ''}`);
  if (answer.status === 503) {
    if (answer.headers.get('retry-after') !== '30') problems.push(`Retry-After ${answer.headers.get('retry-after')}`);
    if (!answer.text.includes('briefly unavailable')) problems.push('no outage message');
  }
  if (/ECONNREFUSED|\bat .*\.(ts|js):\d+|node_modules/.test(answer.text)) problems.push('a stack trace or error code in the body');
  return problems;
}
