import { describe, expect, it } from 'vitest';
import { markAnnouncementRead } from '../../src/features/announcements/read.ts';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createUser } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/** Reading is exact under concurrency: one read row per reader and viewCount + 1, however many requests race. */
const t = useTestApp();

const stateOf = async (id: string) => ({
  rows: (await t.db.selectFrom('announcementReadStatus').select('userId').where('announcementId', '=', id).execute()).length,
  viewCount: (await t.db.selectFrom('announcement').select('viewCount').where('id', '=', id).executeTakeFirstOrThrow()).viewCount,
});

describe('read marks under concurrency', () => {
  it('30 parallel GETs of the page by one reader leave one read row and viewCount + 1', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const a = await createAnnouncement(t.db, { viewCount: 7 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => reader.agent.get(`/announcements/${a.id}`)));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(await stateOf(a.id)).toEqual({ rows: 1, viewCount: 8 });
  });

  it('30 parallel markAnnouncementRead by one user mark once; two readers count two', async () => {
    const a = await createAnnouncement(t.db);
    const [one, two] = [await createUser(t.db), await createUser(t.db)];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => markAnnouncementRead(t.db, a.id, (i % 2 ? one : two).id)));
    expect(results.filter((r) => r.marked)).toHaveLength(2);
    expect(results.every((r) => r.addressed)).toBe(true);
    expect(await stateOf(a.id)).toEqual({ rows: 2, viewCount: 2 });
  });

  it('marks nothing for someone outside the audience or for an announcement that is not Published', async () => {
    const student = await createUser(t.db);
    const forTeachers = await createAnnouncement(t.db, { targetRole: 'AllTeachers' });
    const draft = await createAnnouncement(t.db, { status: 'Draft', publishedAt: null });
    for (const a of [forTeachers, draft]) {
      expect(await markAnnouncementRead(t.db, a.id, student.id)).toEqual({ addressed: false, marked: false });
      expect(await stateOf(a.id)).toEqual({ rows: 0, viewCount: 0 });
    }
    expect(await markAnnouncementRead(t.db, crypto.randomUUID(), student.id)).toEqual({ addressed: false, marked: false });
  });
});
