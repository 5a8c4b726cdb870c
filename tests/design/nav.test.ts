import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { newAgent } from '../setup/forms.ts';
import { startSession } from '../setup/users.ts';
import { designFixture } from './fixture.ts';

/**
 * The nav's bell carries one unread count (notifications and announcements) on every page a
 * signed-in person opens. Found by the design checks' screenshots: on the inbox itself the page's
 * own unread number took the nav's place and the badge vanished.
 */
describe("the nav's unread badge", () => {
  const t = useTestApp();

  it('shows the same count on every signed-in page, the inbox and the announcement pages included', async () => {
    const f = await designFixture(t.db);
    const student = newAgent(t.app);
    await startSession(student, t.db, f.student);
    // The fixture: two unread notifications, the urgent announcement unread (the course's one is read).
    for (const path of ['/dashboard', f.paths.notifications, f.paths.notificationMail, f.paths.announcements, '/account']) {
      const res = await student.get(path).expect(200);
      const bell = /<a id="nav-unread"[^>]*>[\s\S]*?<\/a>/.exec(res.text)?.[0];
      expect(bell, path).toContain('<span class="count" aria-hidden="true">3</span>');
      expect(bell, path).toContain('3 unread notifications and announcements');
    }
    // The inbox's heading still counts its own unread notifications.
    const inbox = await student.get(f.paths.notifications).expect(200);
    expect(inbox.text).toMatch(/<span id="unread-count" class="status status-pending">2 unread<\/span>/);
  });
});
