import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectProblems, heading, noSidewaysScroll, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createEnrollment, createUser } from '../setup/factories.ts';
import { unzip } from '../setup/zip.ts';

/**
 * "Download my data" in Chromium, with JavaScript on and off, on a phone-sized window: from the
 * profile page to /account/data, then the download button saves a ZIP that holds the person's profile
 * and enrollment.
 */

const SLOW = { timeout: 15_000, interval: 100 };

/** The names and texts of a ZIP's entries. */
const entriesOf = async (zip: Buffer) => new Map([...(await unzip(zip))].map(([name, bytes]) => [name, bytes.toString('utf8')]));

describe.skipIf(skipWithoutBrowser)('download my data in a browser', () => {
  const t = useTestApp({ config: { BASE_URL: 'http://127.0.0.1:0' } });
  const b = useBrowser(() => t.app);

  async function journey(javaScript: boolean) {
    const label = javaScript ? 'js' : 'nojs';
    const user = await createUser(t.db, { firstName: 'Dana', email: `data-${label}@example.test` });
    const enrollment = await createEnrollment(t.db, { userId: user.id });
    const w = await openWindow(b.browser, { javaScript, width: 360 });
    await signInThroughForm(w.page, b.url, user, '/account');

    await w.page.getByRole('link', { name: 'Download everything Edupeak holds about you' }).click();
    await expect.poll(() => heading(w.page), SLOW).toBe('Your data');
    expect(new URL(w.page.url()).pathname).toBe('/account/data');
    expect(await w.body()).toContain('profile.json');
    await noSidewaysScroll(w.page);
    await w.page.screenshot({ path: screenshotPath(`data-export-${label}`), fullPage: true });

    const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.getByRole('link', { name: 'Download my data (ZIP)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^edupeak-data-\d{4}-\d{2}-\d{2}\.zip$/);
    const file = await download.path();
    const entries = await entriesOf(await readFile(file));
    expect(JSON.parse(entries.get('profile.json')!)).toMatchObject({ id: user.id, email: user.email, firstName: 'Dana' });
    expect(JSON.parse(entries.get('enrollments.json')!)).toEqual([expect.objectContaining({ id: enrollment.id })]);
    expect(entries.get('README.txt')).toContain('Your Edupeak data');
    // Downloading leaves the page where it was.
    expect(new URL(w.page.url()).pathname).toBe('/account/data');
    expectProblems(w.problems);
    await w.context.close();
  }

  it('with JavaScript on', () => journey(true), 60_000);
  it('with JavaScript off', () => journey(false), 60_000);
});
