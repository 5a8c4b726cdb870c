import type { Readable } from 'node:stream';
import type { Database } from '../../db/database.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { Translator } from '../../i18n/translator.ts';
import type { Logger } from '../../logger.ts';
import { FileNotFoundError, isSafeKey, type Storage } from '../../storage/index.ts';
import * as areas from './data-export-areas.ts';
import * as community from './data-export-community.ts';

/**
 * "Download my data" (issue 22), without HTTP: everything Edupeak holds about one person, as the
 * entries of an archive (a JSON file per area, the person's own uploaded files, a README), yielded
 * one at a time so the caller can stream them into a ZIP (data-export-routes.ts). Nothing is held
 * longer than its entry: an area's rows are read (one query, data-export-areas.ts), written, and
 * dropped before the next area is read, and a stored file is opened only when its turn comes.
 */

export interface ExportEntry {
  /** The path inside the archive ('profile.json', 'files/submissions/….pdf'). */
  name: string;
  body: string | Readable;
  /** Already compressed (pictures, PDFs, archives): stored as is rather than deflated again. */
  compressed?: boolean;
}

export interface DataExportDeps {
  db: Database;
  storage: Storage;
  /** For each certificate's public verification address. */
  baseUrl: string;
  logger?: Logger;
}

/** The archive's files, in the order written, with what the page and the README say of each. */
export const EXPORT_FILES = [
  { file: 'profile.json', label: msg('Profile'), about: msg('Your profile (names, email, links, settings), how you sign in (only the method and when it was added), your billing address, mail choices and workspaces.') },
  { file: 'enrollments.json', label: msg('Enrollments'), about: msg('The courses you joined: when, their state, badges earned, and any restriction a teacher placed.') },
  { file: 'progress.json', label: msg('Lesson progress'), about: msg('Lessons you completed, how much of each video you watched, lessons opened early with points, and your learning activity.') },
  { file: 'submissions.json', label: msg('Assignment submissions'), about: msg('What you handed in for assignments, with the grade and the teacher’s feedback. Your uploaded files are in the files/submissions folder.') },
  { file: 'quiz-answers.json', label: msg('Quiz answers'), about: msg('Your quiz results: for each question, the answer you chose and whether it was right.') },
  { file: 'posts.json', label: msg('Blog posts'), about: msg('The blog posts you wrote, in every state, with their text and tags. Cover pictures are in the files/post-covers folder.') },
  { file: 'comments.json', label: msg('Comments'), about: msg('The comments you wrote on blog posts (only yours, not the rest of the discussion).') },
  { file: 'reactions.json', label: msg('Reactions'), about: msg('Your reactions to blog posts and the comments you upvoted.') },
  { file: 'ratings.json', label: msg('Course ratings'), about: msg('The stars and comments you gave courses.') },
  { file: 'payments.json', label: msg('Payments'), about: msg('Your payments and refunds. There is no card data in it: payments are taken by Stripe, and Edupeak never sees or stores card numbers.') },
  { file: 'certificates.json', label: msg('Certificates'), about: msg('Your course certificates and the address where anyone can check them. The PDFs are in the files/certificates folder.') },
  { file: 'points.json', label: msg('Points'), about: msg('Points you earned and spent, and your places on the leaderboard.') },
  { file: 'notifications.json', label: msg('Notifications'), about: msg('The notices in your inbox.') },
  { file: 'help-requests.json', label: msg('Help requests'), about: msg('Your questions to the help desk and the replies you received.') },
  { file: 'support-calls.json', label: msg('Live help calls'), about: msg('The live help calls you asked to join.') },
  { file: 'teaching.json', label: msg('Teaching'), about: msg('Your applications to teach, and the courses you teach (their titles and states).') },
  { file: 'searches.json', label: msg('Searches'), about: msg('What you searched for while signed in.') },
  { file: 'login-history.json', label: msg('Sign-in history'), about: msg('Every sign-in to your account (and failed attempts), with address and browser, and the devices signed in now.') },
] as const;

export type ExportFileName = (typeof EXPORT_FILES)[number]['file'];

const json = (name: ExportFileName, value: unknown): ExportEntry => ({ name, body: `${JSON.stringify(value, null, 2)}\n` });

/** A stored file to add under files/: where it goes in the archive and its storage key. */
interface StoredFileEntry {
  name: string;
  key: string;
}

const EXTENSION = /\.([A-Za-z0-9]{1,5})$/;
const extensionOf = (key: string) => EXTENSION.exec(key)?.[1]?.toLowerCase() ?? 'bin';
/** Slugs and ids are already safe; this keeps an archive path free of anything else all the same. */
const safeName = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 80) || 'file';
const ALREADY_COMPRESSED = new Set(['webp', 'jpg', 'jpeg', 'png', 'gif', 'pdf', 'zip', 'mp4', 'webm', 'm4a', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'epub']);

/**
 * The person's data as archive entries: each area's JSON, then their files, then README.txt (in
 * the reader's language; it lists any file that could not be read). `userId` must be the signed-in
 * person: every query reads by it and nothing else.
 */
export async function* dataExportEntries(deps: DataExportDeps, who: { userId: string; timeZone: string }, tr: Translator): AsyncGenerator<ExportEntry> {
  const { db, storage } = deps;
  const { userId } = who;
  const files: StoredFileEntry[] = [];
  const fileFor = (key: string | null, name: string): string | null => {
    // user.image may be a sign-in provider's picture URL: only our own keys are files to copy.
    if (!key || !isSafeKey(key)) return null;
    const path = `files/${name}.${extensionOf(key)}`;
    files.push({ name: path, key });
    return path;
  };

  const profile = await areas.profileArea(db, userId);
  if (!profile) throw new Error(`data export: no user ${userId}`);
  const { image, signInMethods, ...person } = profile;
  const picture = fileFor(image, 'profile-picture');
  const exportedAt = new Date();
  yield json('profile.json', {
    ...person,
    picture: picture ?? image,
    // 'credential' is Edupeak's own email-and-password sign-in; the others are providers' names.
    signInMethods: signInMethods.map((m) => ({ method: m.providerId === 'credential' ? 'password' : m.providerId, linkedAt: m.linkedAt })),
    exportedAt,
  });

  yield json('enrollments.json', await areas.enrollmentsArea(db, userId));
  yield json('progress.json', await areas.progressArea(db, userId));

  const submissions = await areas.submissionsArea(db, userId);
  yield json(
    'submissions.json',
    submissions.map(({ fileKey, ...s }) => ({ ...s, file: fileFor(fileKey, `submissions/${safeName(s.id)}`) })),
  );

  yield json('quiz-answers.json', await areas.quizAnswersArea(db, userId));

  const posts = await community.postsArea(db, userId);
  yield json(
    'posts.json',
    posts.map(({ coverImageKey, ...p }) => ({ ...p, coverImage: fileFor(coverImageKey, `post-covers/${safeName(p.slug)}`) })),
  );

  yield json('comments.json', await community.commentsArea(db, userId));
  yield json('reactions.json', await community.reactionsArea(db, userId));
  yield json('ratings.json', await community.ratingsArea(db, userId));
  yield json('payments.json', await areas.paymentsArea(db, userId));

  const certificates = await areas.certificatesArea(db, userId);
  yield json(
    'certificates.json',
    certificates.map(({ certificateKey, ...c }) => ({
      ...c,
      verifyAt: `${deps.baseUrl}/certificates/${c.id}`,
      // A revoked certificate's PDF is no longer valid: it is not handed out again.
      pdf: c.revoked ? null : fileFor(certificateKey, `certificates/${safeName(c.courseSlug)}`),
    })),
  );

  yield json('points.json', await community.pointsArea(db, userId));
  yield json('notifications.json', await community.notificationsArea(db, userId));
  yield json('help-requests.json', await community.helpRequestsArea(db, userId));
  yield json('support-calls.json', await community.supportCallsArea(db, userId));
  yield json('teaching.json', await community.teachingArea(db, userId));
  yield json('searches.json', await community.searchesArea(db, userId));
  yield json('login-history.json', await areas.loginHistoryArea(db, userId));

  // The files, one open at a time: the caller pulls the next entry once this one is written.
  const missing: string[] = [];
  for (const file of files) {
    let body: Readable;
    try {
      body = await storage.read(file.key);
    } catch (error) {
      if (!(error instanceof FileNotFoundError)) throw error;
      deps.logger?.warn({ key: file.key }, 'data export: a file the database names is not in storage');
      missing.push(file.name);
      continue;
    }
    yield { name: file.name, body, compressed: ALREADY_COMPRESSED.has(extensionOf(file.key)) };
  }

  yield { name: 'README.txt', body: readme(tr, { name: [person.firstName, person.lastName].filter(Boolean).join(' '), email: person.email, exportedAt, timeZone: who.timeZone, missing }) };
}

/** What the archive holds, in the reader's language (the file names and JSON fields stay English). */
function readme(tr: Translator, about: { name: string; email: string; exportedAt: Date; timeZone: string; missing: string[] }): string {
  const lines = [
    tr.t('Your Edupeak data'),
    '',
    tr.t('Everything Edupeak holds about {name} ({email}), as of {when}.', { name: about.name, email: about.email, when: tr.dateTime(about.exportedAt, about.timeZone) }),
    tr.t('Each .json file is UTF-8 JSON that any text editor or spreadsheet can open. Times are in UTC (ISO 8601); amounts of money are in cents of the currency named beside them.'),
    '',
    ...EXPORT_FILES.map((f) => `${f.file}: ${tr.t(f.about)}`),
    `files/: ${tr.t('The files you uploaded (your profile picture, assignment files, post covers) and your certificates.')}`,
    '',
    tr.t('Not included, on purpose: your password (Edupeak keeps only a one-way hash of it, useless to anyone), the secret codes that keep you signed in, and the keys of accounts you sign in with. Card numbers are not included because Edupeak never has them: Stripe takes payments.'),
  ];
  if (about.missing.length > 0) {
    lines.push('', tr.t('These files could not be read from storage and are missing from this archive: {files}', { files: about.missing.join(', ') }));
  }
  return `${lines.join('\n')}\n`;
}
