import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectProblems, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';

/**
 * Deleting one's account in Chromium, with JavaScript on and off: from the profile's link to the
 * page, a wrong password (422, said on the form), the right one (signed out, told the date, mailed),
 * then signing in again within the grace, which keeps the account and says so.
 */

const SLOW = { timeout: 15_000, interval: 100 };

describe.skipIf(skipWithoutBrowser)('deleting one’s account in a browser', () => {
  const t = useTestApp({ config: { BASE_URL: 'http://127.0.0.1:0' } });
  const b = useBrowser(() => t.app);

  async function journey(javaScript: boolean) {
    const label = javaScript ? 'js' : 'nojs';
    const user = await createUser(t.db, { firstName: `Leaving ${label}` });
    const w = await openWindow(b.browser, { javaScript, width: 360 });
    const { page } = w;

    await signInThroughForm(page, b.url, user, '/account');
    await page.getByRole('link', { name: 'Delete my account' }).click();
    await page.waitForURL((url) => url.pathname === '/account/delete');
    expect(await w.body()).toContain('For 7 days nothing is removed');
    expectProblems(w.problems);

    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(w.body, SLOW).toContain('That is not your password. Nothing was changed.');
    expectProblems(w.problems, [`POST ${b.url}/account/delete answered 422`]);
    await page.screenshot({ path: screenshotPath(`account-deletion-${label}-1-wrong-password`), fullPage: true });

    await page.getByLabel('Your password').fill(user.password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(w.body, SLOW).toContain('Your account will be deleted on');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.textContent('header')).not.toContain('Signed in as');
    await page.screenshot({ path: screenshotPath(`account-deletion-${label}-2-requested`), fullPage: true });
    const mail = await waitForMailTo(t.config.dataDir, user.email, 'Your Edupeak account will be deleted');
    expect(mail.text).toContain('Sign in before then to keep it');
    expect((await t.db.selectFrom('user').select('deletionRequestedAt').where('id', '=', user.id).executeTakeFirstOrThrow()).deletionRequestedAt).not.toBeNull();

    // Back within the grace: signing in keeps the account.
    await signInThroughForm(page, b.url, user, '/dashboard');
    await expect.poll(w.body, SLOW).toContain('Welcome back: your account will not be deleted.');
    expect(await page.textContent('header')).toContain('Signed in as');
    await page.screenshot({ path: screenshotPath(`account-deletion-${label}-3-kept`), fullPage: true });
    expect((await t.db.selectFrom('user').select('deletionRequestedAt').where('id', '=', user.id).executeTakeFirstOrThrow()).deletionRequestedAt).toBeNull();

    expectProblems(w.problems);
    await w.context.close();
  }

  it('with JavaScript on', () => journey(true), 60_000);
  it('with JavaScript off', () => journey(false), 60_000);
});
