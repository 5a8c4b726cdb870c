import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/free-port.ts';
import { buildTestApp, testConfig } from '../setup/app.ts';
import { launchBrowser, recordProblems, screenshotPath, skipWithoutBrowser } from '../setup/browser.ts';
import { useTestDatabase } from '../setup/database.ts';
import { providerEnv, startGitHubStandIn, startOidcProvider, type GitHubStandIn, type OidcTestProvider } from '../setup/sign-in-providers.ts';

/**
 * A person in Chromium registers with "Continue with Google" (the provider's own sign-in and consent
 * pages, on a real OpenID Connect provider), connects GitHub on /account/sign-in-methods, then
 * disconnects it; once with JavaScript on and once with it off. The app listens on a port chosen
 * first, so that the provider can be told its callback URL.
 */

const SLOW = { timeout: 15_000, interval: 100 };

describe.skipIf(skipWithoutBrowser)('sign-in with providers in a browser', () => {
  const database = useTestDatabase();
  let google: OidcTestProvider;
  let github: GitHubStandIn;
  let server: http.Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    google = await startOidcProvider([`${base}/auth/providers/google/callback`]);
    github = await startGitHubStandIn();
    const config = testConfig({
      BASE_URL: base,
      ...providerEnv(google, github),
    });
    server = http.createServer(buildTestApp(database.db, { config }));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await google?.stop();
    await github?.stop();
  });

  async function journey(javaScriptEnabled: boolean) {
    const label = javaScriptEnabled ? 'providers-js' : 'providers-nojs';
    const sub = `browser-${label}`;
    google.people.set(sub, { email: `${label}@example.test`, email_verified: true, given_name: 'Ada', family_name: label });
    github.person = { id: javaScriptEnabled ? 71 : 72, login: label, name: 'Ada GitHub', emails: [{ email: `${label}@example.test`, primary: true, verified: true }] };
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    // Only the app's pages: the provider's development pages are not ours to judge.
    const problems = recordProblems(page);

    await page.goto(`${base}/auth/login`);
    await page.getByRole('button', { name: 'Continue with Google' }).click();
    // The provider's own pages: its login form, then its consent page.
    await page.locator('input[name="login"]').fill(sub);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as Ada');
    await page.screenshot({ path: screenshotPath(`${label}-1-signed-in`), fullPage: true });

    await page.goto(`${base}/account/sign-in-methods`);
    expect(await page.textContent('main')).toContain('This is your only way to sign in');
    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    await expect.poll(() => page.textContent('main'), SLOW).toContain('GitHub is connected: you can sign in with it now.');
    await page.screenshot({ path: screenshotPath(`${label}-2-github-connected`), fullPage: true });
    await page.getByRole('button', { name: 'Disconnect GitHub' }).click();
    await expect.poll(() => page.textContent('main'), SLOW).toContain('GitHub is disconnected from your account.');

    // The provider's development pages ask for a web font from the internet, which this machine has not.
    expect(problems.filter((p) => !p.includes('fonts.googleapis.com'))).toEqual([]);
    await context.close();
  }

  it('with JavaScript on', () => journey(true), 60_000);
  it('with JavaScript off', () => journey(false), 60_000);
});
