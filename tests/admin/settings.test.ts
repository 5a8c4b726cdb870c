import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS, SETTING_KEYS, SETTINGS, setting, settingFrom } from '../../src/features/system/settings.ts';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/settings: the registry's keys, edited by a workspace SuperAdmin through each key's schema. */

describe('admin settings', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('systemConfig').execute();
    await t.db.deleteFrom('activityLog').where('entityType', '=', 'system_config').execute();
  });

  async function superAdmin() {
    const a = await signedInAs(t.app, t.db, 'admin', { firstName: 'Sue', lastName: 'Perkins' });
    await addMembership(t.db, a.user.id, 'SuperAdmin');
    return a;
  }
  const stored = (key: string) => t.db.selectFrom('systemConfig').selectAll().where('key', '=', key).executeTakeFirst();
  const audit = (key: string) =>
    t.db.selectFrom('activityLog').selectAll().where('entityType', '=', 'system_config').where('entityId', '=', key).orderBy('createdAt').orderBy('id').execute();
  /** The `<tr>` of one key on the list ('' when absent). */
  const rowOf = (html: string, key: string) => {
    const start = html.indexOf(`<tr id="s-${key}">`);
    return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
  };

  it('the registry reads a stored value through its schema: objects over their default, anything out of range or of the wrong shape as the default', () => {
    expect(settingFrom('blog.engagementPoints', { comment: 7 })).toEqual({ reaction: 1, comment: 7 });
    expect(settingFrom('blog.engagementPoints', { comment: -1 })).toEqual(DEFAULTS['blog.engagementPoints']);
    expect(settingFrom('blog.engagementPoints', [1, 2])).toEqual(DEFAULTS['blog.engagementPoints']);
    expect(settingFrom('assessments.passMark', 100)).toBe(100);
    expect(settingFrom('assessments.passMark', 101)).toBe(60);
    expect(settingFrom('assessments.passMark', 59.5)).toBe(60);
    expect(settingFrom('assessments.passMark', '70')).toBe(60);
    expect(settingFrom('notifications.pruneReadAfterDays', 0)).toBe(180);
    expect(settingFrom('notifications.mailDefaults', { PointsEarned: true }).PointsEarned).toBe(true);
    expect(settingFrom('notifications.mailDefaults', { PointsEarned: 'yes' })).toEqual(DEFAULTS['notifications.mailDefaults']);
    expect(settingFrom('learning.earlyUnlockPoints', null)).toBe(50);
    // Every key has a description, a group and a default its own schema accepts.
    for (const key of SETTING_KEYS) {
      expect(SETTINGS[key].description.length, key).toBeGreaterThan(10);
      expect((SETTINGS[key].schema as { safeParse(v: unknown): { success: boolean } }).safeParse(DEFAULTS[key]).success, key).toBe(true);
    }
  });

  it('lists every key of the registry with its description, current value (default) and default, for any admin; only a SuperAdmin gets Change links', async () => {
    expect(SETTING_KEYS).toEqual(
      expect.arrayContaining([
        'learning.earlyUnlockPoints',
        'learning.badgePoints',
        'assessments.passMark',
        'blog.pointsRequired',
        'blog.engagementPoints',
        'blog.discussionContributorComments',
        'notifications.mailDefaults',
        'notifications.pruneReadAfterDays',
        'workspaces.invitationDays',
      ]),
    );
    const admin = await signedInAs(t.app, t.db, 'admin');
    const page = await admin.agent.get('/admin/settings').expect(200);
    for (const key of SETTING_KEYS) {
      const row = rowOf(page.text, key);
      expect(row, key).toContain(`<code>${key}</code>`);
      expect(row).toContain(SETTINGS[key].description.replace(/'/g, '&#39;'));
      expect(row).toContain('<span class="muted">default</span>');
      expect(row).not.toContain('Change');
    }
    expect(rowOf(page.text, 'assessments.passMark')).toContain('<td data-label="Default">60</td>');
    expect(rowOf(page.text, 'learning.badgePoints')).toContain('First lesson completed: 10; Seven day streak: 25; Hundred percent progress: 50');
    expect(page.text).toContain('Only a workspace SuperAdmin can change them.');

    const boss = await superAdmin();
    const mine = await boss.agent.get('/admin/settings').expect(200);
    for (const key of SETTING_KEYS) expect(rowOf(mine.text, key)).toContain(`href="/admin/settings/${key}"`);
  });

  it('a valid edit is stored with who did it, audited (from, to) and applies at once: the lesson page shows the new unlock price', async () => {
    const course = await createCourse(t.db, { title: 'Settings Course' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 5 * 86_400_000) });
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const lessonUrl = `/learn/${course.slug}/lessons/${lesson.id}`;
    expect((await student.agent.get(lessonUrl).expect(200)).text).toContain('Opening a scheduled lesson early costs 50.');

    const boss = await superAdmin();
    const form = await boss.agent.get('/admin/settings/learning.earlyUnlockPoints').expect(200);
    expect(form.text).toMatch(/<input id="f-value" name="value" type="number"[^>]* min="0" max="10000" required value="50"/);
    const res = await boss.post('/admin/settings/learning.earlyUnlockPoints', { value: ' 75 ' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings');

    const row = await stored('learning.earlyUnlockPoints');
    expect(row).toMatchObject({ value: 75, updatedBy: boss.user.id });
    expect(await setting(t.db, 'learning.earlyUnlockPoints')).toBe(75);
    expect((await student.agent.get(lessonUrl).expect(200)).text).toContain('Opening a scheduled lesson early costs 75.');

    const log = await audit('learning.earlyUnlockPoints');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'setting_updated', userId: boss.user.id });
    expect(log[0]!.metadata).toEqual({ key: 'learning.earlyUnlockPoints', from: { default: 50 }, to: 75 });

    const list = await boss.agent.get('/admin/settings').expect(200);
    expect(list.text).toContain('Saved learning.earlyUnlockPoints');
    const listed = rowOf(list.text, 'learning.earlyUnlockPoints');
    expect(listed).toContain('<td data-label="Current value">75</td>');
    expect(listed).toContain('by Sue Perkins');

    // A second change records where it came from; the same value again writes nothing.
    await boss.post('/admin/settings/learning.earlyUnlockPoints', { value: '0' }).expect(303);
    await boss.post('/admin/settings/learning.earlyUnlockPoints', { value: '0' }).expect(303);
    expect((await audit('learning.earlyUnlockPoints')).map((r) => r.metadata)).toEqual([
      { key: 'learning.earlyUnlockPoints', from: { default: 50 }, to: 75 },
      { key: 'learning.earlyUnlockPoints', from: 75, to: 0 },
    ]);
    expect(await setting(t.db, 'learning.earlyUnlockPoints')).toBe(0);
  });

  it('an invalid value is 422 with the message beside the field and what was typed; nothing is stored or audited', async () => {
    const boss = await superAdmin();
    const cases: Array<[string, string, string]> = [
      ['assessments.passMark', '101', 'Type a number from 0 to 100.'],
      ['assessments.passMark', '-1', 'Type a number from 0 to 100.'],
      ['assessments.passMark', 'sixty', 'Type a whole number.'],
      ['assessments.passMark', '', 'Type a whole number.'],
      ['assessments.passMark', '60.5', 'Type a whole number.'],
      ['learning.earlyUnlockPoints', '10001', 'Type a number from 0 to 10,000.'],
      ['learning.earlyUnlockPoints', '1e3', 'Type a whole number.'],
      ['notifications.pruneReadAfterDays', '0', 'Type a number from 1 to 3,650.'],
      ['blog.discussionContributorComments', '0', 'Type a number from 1 to 10,000.'],
    ];
    for (const [key, value, message] of cases) {
      const res = await boss.post(`/admin/settings/${key}`, { value });
      expect(res.status, `${key}=${value}`).toBe(422);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain(`<p class="error-text" id="f-value-error">${message}</p>`);
      expect(res.text).toContain(`value="${value}" aria-describedby="f-value-hint f-value-error" aria-invalid="true"`);
    }
    // A property of an object: the message beside that property; the others keep what was typed.
    const res = await boss.post('/admin/settings/learning.badgePoints', { FirstLessonCompleted: '12', SevenDayStreak: 'lots', HundredPercentProgress: '99999' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<p class="error-text" id="f-SevenDayStreak-error">Type a whole number.</p>');
    expect(res.text).toContain('<p class="error-text" id="f-HundredPercentProgress-error">Type a number from 0 to 10,000.</p>');
    expect(res.text).toMatch(/name="FirstLessonCompleted"[^>]*value="12"/);
    expect(res.text).toMatch(/name="SevenDayStreak"[^>]*value="lots"/);

    expect(await t.db.selectFrom('systemConfig').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('activityLog').selectAll().where('action', '=', 'setting_updated').execute()).toEqual([]);
  });

  it('objects are edited field by field: badge points as numbers, mail defaults as checkboxes', async () => {
    const boss = await superAdmin();
    const badges = await boss.agent.get('/admin/settings/learning.badgePoints').expect(200);
    expect(badges.text).toMatch(/<label for="f-SevenDayStreak">Seven day streak<\/label>/);
    expect(badges.text).not.toContain('<textarea');
    await boss.post('/admin/settings/learning.badgePoints', { FirstLessonCompleted: '5', SevenDayStreak: '30', HundredPercentProgress: '100' }).expect(303);
    expect(await setting(t.db, 'learning.badgePoints')).toEqual({ FirstLessonCompleted: 5, SevenDayStreak: 30, HundredPercentProgress: 100 });

    const mail = await boss.agent.get('/admin/settings/notifications.mailDefaults').expect(200);
    expect(mail.text).toContain('type="checkbox" id="f-BlogApproved" name="BlogApproved" value="true" checked');
    expect(mail.text).toMatch(/id="f-CommentReceived" name="CommentReceived" value="true"> Comments on your posts/);
    // Only the ticked boxes are sent: every other topic is "no".
    await boss.post('/admin/settings/notifications.mailDefaults', { CommentReceived: 'true', UrgentAnnouncement: 'true' }).expect(303);
    const defaults = await setting(t.db, 'notifications.mailDefaults');
    expect(Object.entries(defaults).filter(([, on]) => on).map(([topic]) => topic).sort()).toEqual(['CommentReceived', 'UrgentAnnouncement']);
    expect(Object.keys(defaults).sort()).toEqual(Object.keys(DEFAULTS['notifications.mailDefaults']).sort());
    const list = await boss.agent.get('/admin/settings').expect(200);
    expect(rowOf(list.text, 'notifications.mailDefaults')).toContain('<td data-label="Current value">Urgent announcement, Comment received</td>');
  });

  it('Reset to default deletes the stored value, audited; resetting again changes nothing', async () => {
    const boss = await superAdmin();
    await boss.post('/admin/settings/assessments.passMark', { value: '80' }).expect(303);
    expect(await setting(t.db, 'assessments.passMark')).toBe(80);
    const form = await boss.agent.get('/admin/settings/assessments.passMark').expect(200);
    expect(form.text).toContain('action="/admin/settings/assessments.passMark/reset"');
    expect(form.text).toContain('value="80"');

    const res = await boss.post('/admin/settings/assessments.passMark/reset');
    expect(res.status).toBe(303);
    expect(await stored('assessments.passMark')).toBeUndefined();
    expect(await setting(t.db, 'assessments.passMark')).toBe(60);
    expect((await boss.agent.get('/admin/settings')).text).toContain('assessments.passMark is back to its default.');
    await boss.post('/admin/settings/assessments.passMark/reset').expect(303);
    expect((await boss.agent.get('/admin/settings')).text).toContain('assessments.passMark was at its default already.');
    const log = (await audit('assessments.passMark')).map((r) => r.metadata);
    expect(log).toEqual([
      { key: 'assessments.passMark', from: { default: 60 }, to: 80 },
      { key: 'assessments.passMark', from: 80, to: { default: 60 }, reset: true },
    ]);
    // Nothing stored: no reset button.
    expect((await boss.agent.get('/admin/settings/assessments.passMark')).text).not.toContain('/reset"');
  });

  it('a plain admin gets 403 on every change and nothing is stored; a student or teacher gets 404 everywhere', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get('/admin/settings/assessments.passMark').expect(403);
    const res = await admin.post('/admin/settings/assessments.passMark', { value: '10' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Only a workspace SuperAdmin can do this.');
    await t.db.insertInto('systemConfig').values({ key: 'assessments.passMark', value: JSON.stringify(70) }).execute();
    await admin.post('/admin/settings/assessments.passMark/reset').expect(403);
    expect((await stored('assessments.passMark'))!.value).toBe(70);

    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/settings').expect(404);
      await who.agent.get('/admin/settings/assessments.passMark').expect(404);
      await who.post('/admin/settings/assessments.passMark', { value: '10' }).expect(404);
      await who.post('/admin/settings/assessments.passMark/reset').expect(404);
    }
    await t.request().get('/admin/settings').expect(303);
    expect((await stored('assessments.passMark'))!.value).toBe(70);
    expect(await audit('assessments.passMark')).toEqual([]);
  });

  it('keys the code does not read are listed apart, read-only (404 to edit); a stored value of the wrong shape shows the default applying', async () => {
    await t.db
      .insertInto('systemConfig')
      .values([
        { key: 'legacy.featureFlag', value: JSON.stringify({ on: '<b>yes</b>' }) },
        { key: 'assessments.passMark', value: JSON.stringify('high') },
      ])
      .execute();
    const boss = await superAdmin();
    const page = await boss.agent.get('/admin/settings').expect(200);
    const unknown = page.text.slice(page.text.indexOf('Other keys in system_config'));
    expect(unknown).toContain('<code>legacy.featureFlag</code>');
    expect(unknown).toContain('{&quot;on&quot;:&quot;&lt;b&gt;yes&lt;/b&gt;&quot;}');
    expect(unknown).not.toContain('href="/admin/settings/legacy');
    await boss.agent.get('/admin/settings/legacy.featureFlag').expect(404);
    await boss.post('/admin/settings/legacy.featureFlag', { value: '1' }).expect(404);
    await boss.post('/admin/settings/legacy.featureFlag/reset').expect(404);
    expect(await stored('legacy.featureFlag')).toBeDefined();

    expect(rowOf(page.text, 'assessments.passMark')).toContain('The stored value does not fit; the default applies.');
    expect(await setting(t.db, 'assessments.passMark')).toBe(60);
  });

  it('the list stays within the page budget with a fixed number of queries and well under a second, with 5 or 10,000 other keys; those are filtered, sorted, paged and exported', async () => {
    const boss = await superAdmin();
    const seed = (n: number, prefix: string) =>
      sql`insert into system_config (key, value, updated_by)
        select ${prefix} || g, jsonb_build_object('note', repeat('x', 300), 'n', g), ${boss.user.id}::uuid from generate_series(1, ${n}::int) g`.execute(t.db);
    await t.db.insertInto('systemConfig').values(SETTING_KEYS.map((key) => ({ key, value: JSON.stringify(DEFAULTS[key]), updatedBy: boss.user.id }))).execute();
    await seed(5, 'few.setting');
    const few = await countQueries(t.db, () => boss.agent.get('/admin/settings').expect(200));
    expect(few.result.text).toContain('5 other keys');
    await t.db.deleteFrom('systemConfig').where('key', 'like', 'few.%').execute();
    await seed(10_000, 'old.setting');

    const started = Date.now();
    const many = await countQueries(t.db, () => boss.agent.get('/admin/settings').expect(200));
    const ms = Date.now() - started;
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(many.result.text).toContain('10000 other keys');
    expect(many.result.text.match(/<code>old\.setting/g)).toHaveLength(20);
    for (const key of SETTING_KEYS) expect(rowOf(many.result.text, key)).toContain(`<code>${key}</code>`);
    const size = expectWithinPageBudget(many.result);
    expect(ms).toBeLessThan(1000);
    console.info(`/admin/settings with 10,000 other keys: ${ms} ms, ${size} bytes gzipped, ${many.count} queries`);

    const filtered = await boss.agent.get('/admin/settings?key=setting9999&sort=key&dir=asc').expect(200);
    expect(filtered.text).toContain('1 other keys');
    expect(filtered.text).toContain('<code>old.setting9999</code>');
    const sorted = await boss.agent.get('/admin/settings?sort=key&dir=asc').expect(200);
    const first = sorted.text.indexOf('<code>old.setting');
    expect(sorted.text.slice(first, first + 25)).toBe('<code>old.setting1</code>');
    const second = await boss.agent.get('/admin/settings?sort=key&dir=asc&page=2').expect(200);
    expect(second.text.match(/<code>old\.setting/g)).toHaveLength(20);
    expect(second.text).not.toContain('<code>old.setting1</code>');
    const csv = await boss.agent.get('/admin/settings?format=csv').expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="other-settings.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('key,value,updated at,updated by');
    expect(lines).toHaveLength(10_001);
    expectWithinPageBudget(await boss.agent.get('/admin/settings/notifications.mailDefaults').expect(200));
  });
});
