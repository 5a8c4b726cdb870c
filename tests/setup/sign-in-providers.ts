import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * The other end of "Sign in with …" for tests: a real OpenID Connect provider (the `oidc-provider`
 * package, certified by the OpenID Foundation) on a loopback port standing in for Google, and a small
 * stand-in for GitHub's OAuth and REST endpoints. Both speak to the app over real HTTP.
 */

export interface ProviderPerson {
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
}

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface OidcTestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The people who can sign in, by their `sub`. */
  people: Map<string, ProviderPerson>;
  stop(): Promise<void>;
}

/** The provider warns, once per process, that its in-memory store, keys and login form are for development: as here. */
function quietDevelopmentWarnings(): void {
  const warn = console.warn;
  if ((warn as { quiet?: boolean }).quiet) return;
  const quiet = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING')) return;
    warn(...args);
  };
  console.warn = Object.assign(quiet, { quiet: true });
}

export async function startOidcProvider(redirectUris: string[]): Promise<OidcTestProvider> {
  quietDevelopmentWarnings();
  const people = new Map<string, ProviderPerson>();
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'edupeak-test';
  const clientSecret = randomBytes(24).toString('hex');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    async findAccount(_ctx: unknown, sub: string) {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] },
    // The id token carries the claims (as Google's does): the app reads them there.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // Set, so that the provider does not print a notice for each default it falls back to.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    // Quiet: the provider's own error log would fill the test output with the refusals we provoke.
    renderError: async (ctx: { type: string; body: unknown }, out: unknown) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return { issuer, clientId, clientSecret, people, stop: () => close(server) };
}

/**
 * A person's browser at the provider: follows its redirects, signs in on its (development) login
 * form as `sub`, consents, and returns the URL the provider finally sends the browser back to.
 */
export async function authorizeAtOidcProvider(authorizationUrl: string, sub: string): Promise<URL> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 12; step++) {
    const res = await fetch(url, { method: body ? 'POST' : 'GET', body, redirect: 'manual', headers: { cookie: cookieHeader() } });
    keep(res);
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url);
      if (next.origin !== url.origin && next.origin !== new URL(authorizationUrl).origin) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`unexpected page at the provider: ${html.slice(0, 300)}`);
    url = new URL(action.replaceAll('&amp;', '&'), url);
    body = new URLSearchParams(prompt === 'login' ? { prompt, login: sub, password: 'any' } : { prompt });
  }
  throw new Error('the provider never sent the browser back');
}

export interface GitHubPerson {
  id: number;
  login: string;
  name: string | null;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

export interface GitHubStandIn {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Who "signs in" at the next authorization. */
  person: GitHubPerson;
  stop(): Promise<void>;
}

/**
 * GitHub's /login/oauth/authorize (approves at once as `person`), /login/oauth/access_token (checks
 * the client secret, the code once, the redirect URI and the PKCE verifier) and /user, /user/emails.
 */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const clientId = 'Iv1.edupeaktest';
  const clientSecret = randomBytes(20).toString('hex');
  const codes = new Map<string, { person: GitHubPerson; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GitHubPerson>();
  const standIn = { clientId, clientSecret, person: { id: 1, login: 'octo', name: 'Octo Cat', emails: [] } as GitHubPerson } as GitHubStandIn;
  const json = (res: http.ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'bad_request' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, { person: standIn.person, challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString() : '';
      const [id, secret] = basic ? basic.split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
      if (id !== clientId || secret !== clientSecret) return json(res, 401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!grant || grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== challenge) return json(res, 400, { error: 'bad_verification_code' });
      const token = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(token, grant.person);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const person = tokens.get(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
    if (!person) return json(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(res, 200, { id: person.id, login: person.login, name: person.name });
    if (url.pathname === '/user/emails') return json(res, 200, person.emails);
    json(res, 404, { message: 'Not Found' });
  });
  const port = await listen(server);
  standIn.url = `http://127.0.0.1:${port}`;
  standIn.stop = () => close(server);
  return standIn;
}

/** The app's environment for both providers (GOOGLE_*, GITHUB_*), pointed at the test's own. */
export const providerEnv = (google: OidcTestProvider, github: GitHubStandIn): NodeJS.ProcessEnv => ({
  GOOGLE_CLIENT_ID: google.clientId,
  GOOGLE_CLIENT_SECRET: google.clientSecret,
  GOOGLE_ISSUER_URL: google.issuer,
  GITHUB_CLIENT_ID: github.clientId,
  GITHUB_CLIENT_SECRET: github.clientSecret,
  GITHUB_URL: github.url,
  GITHUB_API_URL: github.url,
});
