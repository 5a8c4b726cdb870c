import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { waitForMailTo } from '../setup/outbox.ts';

/**
 * Issue 12.5 in a browser: registering guesses the time zone from the browser (public/js/time-zone.js)
 * where JavaScript runs; with it off the account is UTC. The profile then offers "Use this device's
 * zone" (JavaScript only).
 */

const SLOW = { timeout: 15_000, interval: 100 };

describe.skipIf(skipWithoutBrowser)('time zone in a browser', () => {
  const t = useTestApp({ config: { BASE_URL: 'http://127.0.0.1:0' } });
  const b = useBrowser(() => t.app);

  async function registerIn(javaScriptEnabled: boolean) {
    const label = javaScriptEnabled ? 'js' : 'nojs';
    const email = `tz-${label}@example.test`;
    // The browser says it is in Tokyo; only a script can tell the server so.
    const context = await b.browser.newContext({ javaScriptEnabled, timezoneId: 'Asia/Tokyo', viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });

    await page.goto(b.url + '/auth/register');
    if (javaScriptEnabled) await expect.poll(() => page.locator('input[name="timeZone"]').inputValue(), SLOW).toBe('Asia/Tokyo');
    await page.getByLabel('First name').fill('Zoned');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a browser password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Check your email');
    // Registration mails a confirmation link: the account exists by then.
    await waitForMailTo(t.config.dataDir, email);
    const { timeZone } = await t.db.selectFrom('user').select('timeZone').where('email', '=', email).executeTakeFirstOrThrow();
    expect(problems).toEqual([]);
    return { context, page, timeZone, email, label };
  }

  it('with JavaScript on, the account takes the browser’s zone, and the profile offers it', async () => {
    const { context, page, timeZone, email } = await registerIn(true);
    expect(timeZone).toBe('Asia/Tokyo');

    // Signed in (confirmed), the profile's button puts this device's zone back after a change.
    await t.db.updateTable('user').set({ emailVerified: true, timeZone: 'UTC' }).where('email', '=', email).execute();
    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a browser password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as Zoned');
    await page.goto(b.url + '/account');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('UTC');
    await page.getByRole('button', { name: 'Use this device’s zone' }).click();
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Asia/Tokyo');
    await page.screenshot({ path: screenshotPath('time-zone-profile'), fullPage: true });
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Your profile is saved.');
    const saved = await t.db.selectFrom('user').select('timeZone').where('email', '=', email).executeTakeFirstOrThrow();
    expect(saved.timeZone).toBe('Asia/Tokyo');
    await context.close();
  }, 60_000);

  it('with JavaScript off, the account is UTC and the profile has no device button', async () => {
    const { context, page, timeZone, email } = await registerIn(false);
    expect(timeZone).toBe('UTC');
    await t.db.updateTable('user').set({ emailVerified: true }).where('email', '=', email).execute();
    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a browser password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as Zoned');
    await page.goto(b.url + '/account');
    expect(await page.getByRole('button', { name: 'Use this device’s zone' }).isVisible()).toBe(false);
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.textContent('body'), SLOW).toContain('Your profile is saved.');
    const saved = await t.db.selectFrom('user').select('timeZone').where('email', '=', email).executeTakeFirstOrThrow();
    expect(saved.timeZone).toBe('America/New_York');
    await context.close();
  }, 60_000);
});
