import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createCourse, createEnrollment } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * An announcement's attachments through /media: its writer and admins always; its audience (the one
 * rule in audience.ts) only while it is Published; anyone else 404, the same as an unknown key.
 */
describe('announcement attachments', () => {
  const t = useTestApp();

  it('go to the writer, admins and the audience of a Published announcement; 404 to everyone else', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const put = async (extension: 'pdf' | 'png', body: Buffer, contentType: string) => {
      const key = newKey('attachments', extension);
      await storage.put(key, body, { contentType, contentLength: body.length });
      return key;
    };
    const pdf = await put('pdf', Buffer.from('%PDF-1.4\n% timetable\n'), 'application/pdf');
    const png = await put('png', await pngImage(40, 30), 'image/png');

    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const student = await signedInAs(t.app, t.db, 'student');
    const elsewhere = await signedInAs(t.app, t.db, 'student');
    const banned = await signedInAs(t.app, t.db, 'student');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id });
    await createEnrollment(t.db, { userId: elsewhere.user.id });
    await createEnrollment(t.db, { userId: banned.user.id, courseId: course.id, banned: true, banType: 'Permanent' });
    await createCourse(t.db, { userId: otherTeacher.user.id });
    const a = await createAnnouncement(t.db, {
      createdById: teacher.user.id,
      targetRole: 'CourseStudents',
      targetCourseId: course.id,
      attachmentKeys: [pdf, png],
      attachmentNames: ['Exam timetable.pdf', 'Room map.png'],
    });
    const get = (who: { agent: typeof student.agent } | null, key: string) => (who ? who.agent : t.request()).get(`/media/${key}`);

    for (const who of [student, teacher, admin]) {
      expect((await get(who, pdf)).status, who.user.email).toBe(200);
      expect((await get(who, png)).status, who.user.email).toBe(200);
    }
    for (const who of [elsewhere, banned, otherTeacher, null]) {
      expect((await get(who, pdf)).status, who?.user.email ?? 'visitor').toBe(404);
      expect((await get(who, png)).status).toBe(404);
    }

    // A document downloads under its name; an image shows in place; never cached publicly.
    const doc = await get(student, pdf);
    expect(doc.headers['content-disposition']).toMatch(/^attachment; filename="Exam timetable\.pdf"/);
    expect(doc.headers['cache-control']).toBe('private, max-age=3600');
    expect(doc.headers['x-content-type-options']).toBe('nosniff');
    const image = await get(student, png);
    expect(image.headers['content-disposition']).toMatch(/^inline; filename="Room map\.png"/);
    expect(image.headers['cache-control']).toMatch(/^private/);

    // Deciding takes one query more than finding the owner, however the audience is made.
    const { count } = await countQueries(t.db, () => get(student, pdf).expect(200));
    const { count: forAdmin } = await countQueries(t.db, () => get(admin, pdf).expect(200));
    expect(count - forAdmin).toBe(1);

    // Not Published (back to Draft, or Expired): the audience loses it; the writer and admins keep it.
    for (const status of ['Draft', 'Expired'] as const) {
      await t.db.updateTable('announcement').set({ status }).where('id', '=', a.id).execute();
      expect((await get(student, pdf)).status, status).toBe(404);
      expect((await get(teacher, pdf)).status, status).toBe(200);
      expect((await get(admin, pdf)).status, status).toBe(200);
    }
  });

  it('AllStudents and SpecificStudents attachments follow the same rule; derived and unknown keys are 404', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const key = newKey('attachments', 'pdf');
    const body = Buffer.from('%PDF-1.4\n% notes\n');
    await storage.put(key, body, { contentType: 'application/pdf', contentLength: body.length });
    const enrolled = await signedInAs(t.app, t.db, 'student');
    const notEnrolled = await signedInAs(t.app, t.db, 'student');
    const listed = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: enrolled.user.id });
    const a = await createAnnouncement(t.db, { targetRole: 'AllStudents', attachmentKeys: [key], attachmentNames: ['Notes.pdf'] });

    await enrolled.agent.get(`/media/${key}`).expect(200);
    await notEnrolled.agent.get(`/media/${key}`).expect(404);
    await listed.agent.get(`/media/${key}`).expect(404);

    await t.db.updateTable('announcement').set({ targetRole: 'SpecificStudents', targetUserIds: [listed.user.id] }).where('id', '=', a.id).execute();
    await listed.agent.get(`/media/${key}`).expect(200);
    await enrolled.agent.get(`/media/${key}`).expect(404);

    // Only the primary key is an attachment: a made-up "-320" copy of it is not.
    await listed.agent.get(`/media/${key.replace(/\.pdf$/, '-320.webp')}`).expect(404);
    await listed.agent.get(`/media/${newKey('attachments', 'pdf')}`).expect(404);
  });
});
