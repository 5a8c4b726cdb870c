import { Router } from 'express';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { assertSafeKey, type Storage } from '../../storage/index.ts';
import { sendStoredFile } from '../../storage/send.ts';
import { primaryKeysOf } from '../../storage/variants.ts';
import { canOpenLesson, isCourseOut, managesCourse } from '../access/course-policy.ts';
import { inAudienceSql, VISIBLE_STATUS } from '../announcements/audience.ts';

/**
 * GET /media/<key>: the one way stored files go out. The key is looked up to find what it belongs
 * to, then: course images of published (or archived) courses to anyone; lesson videos, lesson
 * images, lesson attachments and an assignment's file to those who may open the lesson; a student's
 * submitted file to that student, the course's teacher and admins only; profile pictures to anyone;
 * drafts' files to their teacher and admins; a blog post's cover to anyone once the post is Published,
 * before that (and after an unpublish) to its author and admins; an announcement's attachment to
 * its writer, admins and, once Published, its audience; anything else, or any key we do not know, 404. A course image's 320 px
 * copy (storage/variants.ts) is served by the rules of the course image it was made from.
 */

interface Owner {
  kind: 'course-thumbnail' | 'lesson-thumbnail' | 'lesson-video' | 'lesson-attachment' | 'assignment-file' | 'submission-file' | 'avatar' | 'blog-cover' | 'announcement-attachment';
  courseStatus: string | null;
  ownerId: string;
  lessonId: string | null;
  name: string;
  /** For a submitted file: the student who handed it in. */
  studentId: string | null;
}

async function findOwner(db: Database, key: string): Promise<Owner | undefined> {
  const { rows } = await sql<Owner>`
    select 'course-thumbnail' as kind, c.status::text as "courseStatus", c.user_id as "ownerId", null::uuid as "lessonId", c.slug as name, null::uuid as "studentId"
      from course c where c.file_key = ${key}
    union all
    select 'lesson-thumbnail', c.status::text, c.user_id, l.id, l.title, null
      from lesson l join chapter ch on ch.id = l.chapter_id join course c on c.id = ch.course_id where l.thumbnail_key = ${key}
    union all
    select 'lesson-video', c.status::text, c.user_id, l.id, l.title, null
      from lesson l join chapter ch on ch.id = l.chapter_id join course c on c.id = ch.course_id where l.video_key = ${key}
    union all
    select 'lesson-attachment', c.status::text, c.user_id, l.id, a.file_name, null
      from lesson_attachment a join lesson l on l.id = a.lesson_id join chapter ch on ch.id = l.chapter_id join course c on c.id = ch.course_id
      where a.file_key = ${key}
    union all
    select 'assignment-file', c.status::text, c.user_id, l.id, a.title, null
      from assignment a join lesson l on l.id = a.lesson_id join chapter ch on ch.id = l.chapter_id join course c on c.id = ch.course_id
      where a.file_key = ${key}
    union all
    select 'submission-file', c.status::text, c.user_id, l.id, a.title || ' - ' || u.first_name || ' ' || u.last_name, s.user_id
      from assignment_submission s join "user" u on u.id = s.user_id join assignment a on a.id = s.assignment_id
      join lesson l on l.id = a.lesson_id join chapter ch on ch.id = l.chapter_id join course c on c.id = ch.course_id
      where s.file_key = ${key}
    union all
    select 'avatar', null, u.id, null, u.first_name, null from "user" u where u.image = ${key}
    union all
    select 'blog-cover', case when b.status = 'Published' and not b.is_draft then 'Published' else 'hidden' end, b.author_id, null, b.slug, null
      from blog b where b.cover_image_key = ${key}
    union all
    -- Last: only keys nothing else owns get this far (attachment_keys has a GIN index for the @> test).
    -- courseStatus carries the announcement's status; the name is the one at the key's position.
    select 'announcement-attachment', a.status::text, a.created_by_id, null, a.attachment_names[array_position(a.attachment_keys, ${key}::text)], null
      from announcement a where a.attachment_keys @> array[${key}::text]
    limit 1`.execute(db.withoutPlugins());
  return rows[0];
}

/** Whether the user is in the audience of a Published announcement that carries this attachment (one query). */
async function mayReadAttachment(db: Database, userId: string, key: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select exists (
      select 1 from announcement a join "user" u on u.id = ${userId}
      where a.attachment_keys @> array[${key}::text] and a.status = ${VISIBLE_STATUS} and ${inAudienceSql('a', 'u')}
    ) as ok`.execute(db.withoutPlugins());
  return rows[0]?.ok === true;
}

const PUBLIC_IMAGE = 'public, max-age=86400';
const RENDITION_NAMES: Record<string, string> = { '360p.mp4': 'small', '720p.mp4': 'HD', 'audio.m4a': 'audio only', 'poster.webp': 'poster' };
const PRIVATE = 'private, max-age=3600';

export function mediaRoutes({ db, storage }: { db: Database; storage: Storage }): Router {
  const router = publicRouter(Router());

  router.get('/media/*key', async (req, res) => {
    const key = ([] as string[]).concat((req.params as { key?: string | string[] }).key ?? []).join('/');
    try {
      assertSafeKey(key);
    } catch {
      throw notFound();
    }
    // A derived file (a course image's 320 px copy, a video's renditions and poster) belongs to
    // whatever its primary key belongs to. A rendition's name does not keep the original's
    // extension: .mp4 is tried first (most uploads), then .webm.
    const primaries = primaryKeysOf(key);
    let owner: Owner | undefined;
    for (const candidate of primaries.length > 0 ? primaries : [key]) {
      owner = await findOwner(db, candidate);
      if (owner) break;
    }
    const derived = primaries.length > 0;
    if (!owner || (derived && owner.kind !== 'course-thumbnail' && owner.kind !== 'blog-cover' && owner.kind !== 'lesson-video')) throw notFound();
    const user = currentUser(res);
    const isOwner = managesCourse(user, owner.ownerId);
    const courseIsOut = owner.kind !== 'blog-cover' && owner.courseStatus !== null && isCourseOut(owner.courseStatus);
    const extension = key.slice(key.lastIndexOf('.'));

    let allowed: boolean;
    let cacheControl = PUBLIC_IMAGE;
    switch (owner.kind) {
      case 'avatar':
        allowed = true;
        break;
      // A blog post's cover (courseStatus carries the post's visibility): a Published post's to
      // anyone; a draft, Pending, Rejected or unpublished post's to its author and admins only.
      case 'blog-cover':
        allowed = owner.courseStatus === 'Published' || (!!user && (user.id === owner.ownerId || user.role === 'admin'));
        if (owner.courseStatus !== 'Published') cacheControl = PRIVATE;
        break;
      case 'course-thumbnail':
        allowed = courseIsOut || isOwner;
        if (!courseIsOut) cacheControl = PRIVATE;
        break;
      // A lesson's poster is part of the lesson: a draft or unreleased lesson's image would tell
      // what is coming (and the player is the only page that shows it).
      case 'lesson-thumbnail':
      case 'lesson-video':
      // A lesson's attached file: images show in the lesson text; the player links every file to
      // its download route (learning/downloads.ts), which counts the download.
      case 'lesson-attachment':
      // The teacher's file for an assignment: part of the lesson, like an attachment.
      case 'assignment-file':
        allowed = await canOpenLesson(db, user, owner.lessonId!);
        cacheControl = PRIVATE;
        break;
      // A student's work: theirs, and their teacher's (and admins') to grade; nobody else's, not
      // even other students of the course. Kept by the student even after the enrollment ends.
      case 'submission-file':
        allowed = isOwner || (!!user && user.id === owner.studentId);
        cacheControl = 'private, no-store';
        break;
      // An announcement's attachment: its writer, admins, and the audience once it is Published
      // (the one audience rule, audience.ts); a student of another course, a banned student, a
      // teacher of another course: 404.
      case 'announcement-attachment':
        allowed = !!user && (user.id === owner.ownerId || user.role === 'admin' || (await mayReadAttachment(db, user.id, key)));
        cacheControl = PRIVATE;
        break;
    }
    if (!allowed) throw notFound();
    if (owner.kind === 'assignment-file' || owner.kind === 'submission-file') {
      // Named after the assignment (and the student): the key says nothing; images show in place.
      const image = /\.(?:jpe?g|png|webp|gif)$/.test(key);
      return sendStoredFile(req, res, storage, key, { disposition: image ? 'inline' : 'attachment', filename: owner.name + extension, cacheControl });
    }
    if (owner.kind === 'lesson-attachment' || owner.kind === 'announcement-attachment') {
      // The name already has its extension; only images are shown in place, anything else downloads.
      const image = /\.(?:jpe?g|png|webp|gif)$/.test(key);
      return sendStoredFile(req, res, storage, key, { disposition: image ? 'inline' : 'attachment', filename: owner.name, cacheControl });
    }
    // A video's rendition is named for what it is ("Lists and tables (audio only).m4a").
    const rendition = owner.kind === 'lesson-video' && derived ? ` (${RENDITION_NAMES[key.slice(key.lastIndexOf('-') + 1)] ?? 'copy'})` : '';
    await sendStoredFile(req, res, storage, key, { disposition: 'inline', filename: owner.name + rendition + extension, cacheControl });
  });

  return router;
}
