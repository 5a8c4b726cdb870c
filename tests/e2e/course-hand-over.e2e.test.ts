import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectProblems, flash, heading, noSidewaysScroll, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';

/**
 * An admin hands a leaving teacher's course over to another teacher in Chromium, with JavaScript on
 * and off, on a phone-sized window: from the users table to the teacher's page, a mistyped address
 * refused with the message at the field (what was typed kept), then the hand-over and its message.
 */

const SLOW = { timeout: 15_000, interval: 100 };

describe.skipIf(skipWithoutBrowser)('handing a course over in a browser', () => {
  const t = useTestApp({ config: { BASE_URL: 'http://127.0.0.1:0' } });
  const b = useBrowser(() => t.app);

  async function journey(javaScript: boolean) {
    const label = javaScript ? 'js' : 'nojs';
    const admin = await createUser(t.db, { role: 'admin', email: `admin-${label}@example.test` });
    const leaving = await createUser(t.db, { role: 'teacher', firstName: 'Lea', lastName: `Leaving ${label}` });
    const taking = await createUser(t.db, { role: 'teacher', firstName: 'Tom', lastName: `Taking ${label}`, email: `taking-${label}@example.test` });
    const course = await createCourse(t.db, { userId: leaving.id, title: `Clay ${label}`, status: 'Published' });
    await createEnrollment(t.db, { userId: (await createUser(t.db)).id, courseId: course.id, status: 'Active' });

    const w = await openWindow(b.browser, { javaScript, width: 360, anyErrorStatus: false });
    await signInThroughForm(w.page, b.url, admin, '/admin/users');
    await w.page.getByRole('link', { name: `Lea Leaving ${label}` }).click();
    await expect.poll(() => heading(w.page), SLOW).toBe(`Lea Leaving ${label}`);
    await w.page.getByText('Hand over a course').click();
    await w.page.getByLabel('Course', { exact: true }).selectOption({ label: `Clay ${label} (1 student)` });

    // A mistyped address: the page again, the message at the field, the address kept.
    await w.page.getByLabel('Email address of the teacher who takes it over').fill('tom@nowhere.example');
    await w.page.getByRole('button', { name: 'Hand over' }).click();
    await expect.poll(async () => (await w.body()) ?? '', SLOW).toContain('No one has an account with that email address.');
    expect(await w.page.getByLabel('Email address of the teacher who takes it over').inputValue()).toBe('tom@nowhere.example');
    await noSidewaysScroll(w.page);
    await w.page.screenshot({ path: screenshotPath(`course-hand-over-refused-${label}`), fullPage: true });

    await w.page.getByLabel('Email address of the teacher who takes it over').fill(taking.email);
    await w.page.getByRole('button', { name: 'Hand over' }).click();
    await expect.poll(() => flash(w.page), SLOW).toContain(`“Clay ${label}” is now taught by Tom Taking ${label}.`);
    expect(await w.page.locator('#courses-title').count()).toBe(0);
    const owner = await t.db.selectFrom('course').select('userId').where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(owner.userId).toBe(taking.id);
    // The refused form was a plain 422 page, the only error answer.
    expectProblems(w.problems);
    await w.context.close();
  }

  it('with JavaScript on', () => journey(true), 60_000);
  it('with JavaScript off', () => journey(false), 60_000);
});
