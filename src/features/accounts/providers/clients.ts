import * as oidc from 'openid-client';
import type { Config } from '../../../config.ts';

/**
 * Sign-in providers, through openid-client: Google by OpenID Connect (discovered from its issuer;
 * the ID token's signature, issuer, audience, expiry and nonce are checked by the library), GitHub
 * by plain OAuth 2 (no ID token: who signed in comes from its REST API with the access token).
 * Both use state and PKCE (S256). The access token is used once, here, and never stored: Edupeak
 * calls no provider API after sign-in, so a stored token would be a secret kept for nothing.
 */

export const PROVIDER_IDS = ['google', 'github'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export const isProviderId = (value: unknown): value is ProviderId => (PROVIDER_IDS as readonly unknown[]).includes(value);

/** Who the provider says signed in. */
export interface Identity {
  providerId: ProviderId;
  /** The provider's stable id of the person (Google's `sub`, GitHub's numeric id), never the email. */
  accountId: string;
  email: string | null;
  /** Only a provider's explicit "verified" counts: an unverified email never links or verifies. */
  emailVerified: boolean;
  firstName: string;
  lastName: string | null;
  scope: string | null;
}

/** What the browser's session keeps between the redirect and the callback. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface ProviderClient {
  id: ProviderId;
  /** The provider's name as shown on buttons (a brand: not translated). */
  label: string;
  authorizationUrl(redirectUri: string, checks: FlowChecks): Promise<URL>;
  /** Checks the callback (state, PKCE, and for OIDC the ID token and nonce) and says who signed in. */
  finish(callbackUrl: URL, checks: FlowChecks): Promise<Identity>;
}

export const PROVIDER_LABELS: Record<ProviderId, string> = { google: 'Google', github: 'GitHub' };

/** Plain http is allowed only to a provider on this machine (the tests' provider, a developer's). */
function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}
const insecureIfLoopback = (url: string) => (isLoopback(url) ? { execute: [oidc.allowInsecureRequests] } : {});

function splitName(full: string | undefined | null): { firstName: string; lastName: string | null } {
  const parts = (full ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { firstName: '', lastName: null };
  return { firstName: parts[0]!, lastName: parts.slice(1).join(' ') || null };
}

function googleClient(settings: NonNullable<Config['providers']['google']>): ProviderClient {
  // Discovered on first use and kept; a failed discovery (the provider unreachable) is tried again next time.
  let configuration: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    (configuration ??= oidc
      .discovery(new URL(settings.issuerUrl), settings.clientId, settings.clientSecret, undefined, insecureIfLoopback(settings.issuerUrl))
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      }));
  return {
    id: 'google',
    label: PROVIDER_LABELS.google,
    async authorizationUrl(redirectUri, checks) {
      return oidc.buildAuthorizationUrl(await discover(), {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      });
    },
    async finish(callbackUrl, checks) {
      const tokens = await oidc.authorizationCodeGrant(await discover(), callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      const name = typeof claims.given_name === 'string' ? { firstName: claims.given_name, lastName: typeof claims.family_name === 'string' ? claims.family_name : null } : splitName(claims.name as string | undefined);
      return {
        providerId: 'google',
        accountId: claims.sub,
        email: typeof claims.email === 'string' ? claims.email : null,
        emailVerified: claims.email_verified === true,
        ...name,
        scope: tokens.scope ?? null,
      };
    },
  };
}

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
}
interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function githubClient(settings: NonNullable<Config['providers']['github']>): ProviderClient {
  const web = settings.webUrl.replace(/\/+$/, '');
  const api = settings.apiUrl.replace(/\/+$/, '');
  const configuration = new oidc.Configuration(
    { issuer: web, authorization_endpoint: `${web}/login/oauth/authorize`, token_endpoint: `${web}/login/oauth/access_token` },
    settings.clientId,
    settings.clientSecret,
  );
  if (isLoopback(web)) oidc.allowInsecureRequests(configuration);

  async function get<T>(path: string, accessToken: string): Promise<T> {
    const res = await fetch(`${api}${path}`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/vnd.github+json', 'User-Agent': 'Edupeak' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
    return (await res.json()) as T;
  }

  return {
    id: 'github',
    label: PROVIDER_LABELS.github,
    async authorizationUrl(redirectUri, checks) {
      return oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        // The email addresses, to find the primary one and whether GitHub verified it.
        scope: 'read:user user:email',
        state: checks.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        allow_signup: 'true',
      });
    },
    async finish(callbackUrl, checks) {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, { expectedState: checks.state, pkceCodeVerifier: checks.codeVerifier });
      const [user, emails] = await Promise.all([
        get<GitHubUser>('/user', tokens.access_token),
        get<GitHubEmail[]>('/user/emails', tokens.access_token),
      ]);
      const primary = Array.isArray(emails) ? emails.find((e) => e.primary) : undefined;
      return {
        providerId: 'github',
        accountId: String(user.id),
        email: primary?.email ?? null,
        emailVerified: primary?.verified === true,
        ...splitName(user.name ?? user.login),
        scope: tokens.scope ?? null,
      };
    },
  };
}

/** The configured providers, in the order their buttons appear; built once per app. */
export function providerClients(config: Pick<Config, 'providers'>): Map<ProviderId, ProviderClient> {
  const clients = new Map<ProviderId, ProviderClient>();
  if (config.providers.google) clients.set('google', googleClient(config.providers.google));
  if (config.providers.github) clients.set('github', githubClient(config.providers.github));
  return clients;
}

export const newFlowChecks = (): FlowChecks => ({ state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() });
