import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createNotifications } from '../setup/notification-factories.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

describe('notifications on the dashboard', () => {
  it('shows the last ten, unread ones marked, each opened through the inbox (which marks it read), and links to all of them', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const notes = await createNotifications(t.db, me.user.id, 12);
    await t.db.updateTable('notification').set({ read: true }).where('id', '=', notes[1]!.id).execute();
    const page = await me.agent.get('/dashboard').expect(200);
    const section = page.text.slice(page.text.indexOf('id="my-notes"'));
    expect(section).toContain('<a href="/notifications">All notifications</a>');
    expect(section).toContain('Notice 10');
    expect(section).not.toContain('Notice 11');
    expect(section).toContain('<span class="sr-only">, unread:</span></span> <strong>Notice 1</strong>');
    expect(section).toMatch(/<li>Notice 2 <span class="muted">/);
    expect(section).toContain(`href="/notifications/${notes[0]!.id}/open"`);
    await me.agent.get(`/notifications/${notes[0]!.id}/open`).expect(303);
    const after = (await me.agent.get('/dashboard').expect(200)).text;
    expect(after).toMatch(/<li>Notice 1 <span class="muted">/);
  });
});
