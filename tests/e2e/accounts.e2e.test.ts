import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { waitForMailTo } from '../setup/outbox.ts';

/**
 * A person in Chromium: register, confirm the email from the outbox, sign in (a wrong password
 * first), sign out;
 * once with JavaScript on and once with it off. Screenshots go to test-results/e2e (git-ignored).
 */

// Pages load while the rest of the suite runs in parallel: give them time.
const SLOW = { timeout: 15_000, interval: 100 };

// Skipped only locally without Chromium; in CI (.ci/run installs it) they always run.
describe.skipIf(skipWithoutBrowser)('accounts in a browser', () => {
  const t = useTestApp({ config: { BASE_URL: 'http://127.0.0.1:0' } });
  const b = useBrowser(() => t.app);

  async function journey(javaScriptEnabled: boolean) {
    const label = javaScriptEnabled ? 'js' : 'nojs';
    const email = `browser-${label}@example.test`;
    const password = 'a browser password';
    const context = await b.browser.newContext({ javaScriptEnabled, viewport: { width: 360, height: 800 } });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // The 422 of the wrong password is the page working; CSP violations and script errors are not.
      if (m.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(b.url + '/');
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByLabel('First name').fill('Browser');
    await page.getByLabel('Last name').fill(label.toUpperCase());
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    // The same page whether or not the address already has an account: check the mail.
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Check your email');
    await page.screenshot({ path: screenshotPath(`${label}-1-registered`), fullPage: true });

    // The link in the mail points at BASE_URL; follow its path on this server.
    const mail = await waitForMailTo(t.config.dataDir, email);
    const link = new URL(mail.links.find((l) => l.includes('/auth/verify'))!);
    await page.goto(b.url + link.pathname + link.search);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Your email address is confirmed');
    await page.screenshot({ path: screenshotPath(`${label}-2-verified`), fullPage: true });

    // Confirming leads to the sign-in form.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('the wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Email or password is incorrect.');
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    await page.screenshot({ path: screenshotPath(`${label}-3-wrong-password`), fullPage: true });

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as Browser');
    expect(await page.textContent('body')).not.toContain('Please confirm your email address');
    await page.screenshot({ path: screenshotPath(`${label}-4-signed-in`), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('You are signed out.');
    expect(await page.textContent('header')).not.toContain('Signed in as');

    expect(problems).toEqual([]);
    await context.close();
  }

  it('with JavaScript on', () => journey(true), 60_000);
  it('with JavaScript off', () => journey(false), 60_000);
});
