import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_EXPORT_RATE_LIMIT } from '../../src/features/accounts/data-export-routes.ts';
import { hitRateLimit } from '../../src/http/rate-limit.ts';
import { createDiskStorage, newKey, type Storage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { unzip } from '../setup/zip.ts';
import {
  createAssignment,
  createAssignmentSubmission,
  createChapter,
  createComment,
  createCourse,
  createEnrollment,
  createLesson,
  createPost,
  createQuestion,
  createQuiz,
  createQuizSubmission,
  createTeacher,
} from '../setup/factories.ts';
import type { Agent } from '../setup/forms.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { createNotifications } from '../setup/notification-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { createSupportCall, createSupportRequest } from '../setup/support-call-factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * "Download my data" (/account/data, issue 22): the ZIP holds the person's rows in every area and
 * their files byte for byte, and nothing of a second person who learns in the same course, comments
 * on the same post and calls the same live help; no password hash, token or quiz key; visitors are
 * sent to sign in; the page is small and its queries do not grow with the person's courses.
 */

const t = useTestApp();
let storage: Storage;

beforeAll(() => {
  storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
});

/** The whole response body as bytes (supertest parses only text by default). */
function download(agent: Agent, url = '/account/data/export.zip') {
  return agent
    .get(url)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

const AREAS = [
  'profile.json',
  'enrollments.json',
  'progress.json',
  'submissions.json',
  'quiz-answers.json',
  'posts.json',
  'comments.json',
  'reactions.json',
  'ratings.json',
  'payments.json',
  'certificates.json',
  'points.json',
  'notifications.json',
  'help-requests.json',
  'support-calls.json',
  'teaching.json',
  'searches.json',
  'login-history.json',
];

/** The course both people learn in, with an assignment, a quiz, a post to discuss and a live call. */
async function sharedWorld() {
  const teacher = await createTeacher(t.db, { email: `teacher-${randomBytes(4).toString('hex')}@example.test` });
  const course = await createCourse(t.db, { userId: teacher.id, price: 1999 });
  const chapter = await createChapter(t.db, { courseId: course.id });
  const lesson = await createLesson(t.db, { chapterId: chapter.id });
  const assignmentLesson = await createLesson(t.db, { chapterId: chapter.id });
  const assignment = await createAssignment(t.db, { lessonId: assignmentLesson.id });
  const quiz = await createQuiz(t.db, { lessonId: lesson.id });
  const question = await createQuestion(t.db, { quizId: quiz.id, question: 'Which is the third letter?', options: ['Alpha', 'Beta', 'Gamma'], correctAnswer: 2 });
  const post = await createPost(t.db, { authorId: teacher.id });
  const call = await createSupportCall(t.db, { courseId: course.id });
  return { teacher, course, lesson, assignment, quiz, question, post, call };
}

type World = Awaited<ReturnType<typeof sharedWorld>>;

/**
 * One person's rows in every area the export covers, each free text carrying `tag`, and their
 * files in storage. Returns what a test looks for: ids, texts and file bytes.
 */
async function fillEveryArea(world: World, user: { id: string; email: string }, tag: string) {
  const db = t.db;
  const put = async (kind: Parameters<typeof newKey>[0], ext: string) => {
    const key = newKey(kind, ext);
    const bytes = Buffer.concat([Buffer.from(`${tag} file `), randomBytes(2048)]);
    await storage.put(key, bytes, { contentType: 'application/octet-stream', contentLength: bytes.length });
    return { key, bytes };
  };
  const picture = await put('avatars', 'webp');
  await db.updateTable('user').set({ bio: `${tag} bio`, image: picture.key }).where('id', '=', user.id).execute();
  await db.insertInto('billingAddress').values({ userId: user.id, firstName: 'Bill', lastName: tag, email: user.email, addressLine1: `${tag} street 1`, city: 'Lisbon', state: 'Lisboa', postalCode: '1000', country: 'PT' }).execute();
  // A provider sign-in with every token the spec's account table can hold: none may leave.
  const oauth = { accessToken: `gho_${tag}_access`, refreshToken: `ghr_${tag}_refresh`, idToken: `eyJ.${tag}.id` };
  await db.insertInto('account').values({ userId: user.id, providerId: 'github', accountId: `gh-${tag}`, ...oauth, scope: 'read:user' }).execute();
  await db.insertInto('verification').values({ identifier: user.email, value: `verify-${tag}-secret`, expiresAt: new Date(Date.now() + 3_600_000) }).execute();

  const enrollment = await createEnrollment(db, { userId: user.id, courseId: world.course.id, amount: 1999 });
  await db.insertInto('paymentTransaction').values({ enrollmentId: enrollment.id, amount: 1999, status: 'Completed', paymentMethod: 'card', stripePaymentId: `pi_${tag}`, stripeSessionId: `cs_${tag}_session` }).execute();
  const certificate = await put('certificates', 'pdf');
  await db.updateTable('enrollment').set({ certificateEarned: true, certificateIssuedAt: new Date(), certificateKey: certificate.key }).where('id', '=', enrollment.id).execute();
  await db.insertInto('studentBadge').values({ enrollmentId: enrollment.id, badgeType: 'FirstLessonCompleted' }).execute();
  await db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: 'CompletedLesson', description: `${tag} completed a lesson` }).execute();
  await db.insertInto('lessonProgress').values({ userId: user.id, lessonId: world.lesson.id, completed: true }).execute();
  await db.insertInto('lessonWatchAnalytics').values({ userId: user.id, lessonId: world.lesson.id, watchDuration: 50, totalDuration: 100, completionRate: 50 }).execute();
  await db.insertInto('earlyUnlock').values({ userId: user.id, lessonId: world.lesson.id, pointsSpent: 5 }).execute();
  await db.insertInto('loginSession').values({ enrollmentId: enrollment.id, userAgent: `${tag} course visit` }).execute();

  const handIn = await put('submissions', 'pdf');
  const submission = await createAssignmentSubmission(db, { assignmentId: world.assignment.id, userId: user.id, description: `${tag} my answer`, fileKey: handIn.key, grade: 90, feedback: `${tag} well done`, status: 'Graded' });
  const quizSubmission = await createQuizSubmission(db, { quizId: world.quiz.id, userId: user.id, answers: JSON.stringify({ [world.question.id]: 0 }), correctAnswers: 0, score: 0 });

  const cover = await put('covers', 'webp');
  const post = await createPost(db, { authorId: user.id, title: `${tag} my post`, coverImageKey: cover.key });
  await db.insertInto('blogTag').values({ blogId: post.id, name: `${tag}-tag`, slug: `${tag.toLowerCase()}-tag` }).execute();
  const comment = await createComment(db, { blogId: world.post.id, authorId: user.id, content: `${tag} my comment` });
  await db.insertInto('blogReaction').values({ blogId: world.post.id, userId: user.id, type: 'Love' }).execute();
  await db.insertInto('courseRating').values({ courseId: world.course.id, userId: user.id, rating: 4, comment: `${tag} good course` }).execute();
  await db.insertInto('pointLedger').values({ userId: user.id, points: 10, reason: 'Quiz', description: `${tag} points for a quiz` }).execute();
  await createNotifications(db, user.id, 2, { title: `${tag} notice` });
  const help = await createHelpRequest(db, { userId: user.id, subject: `${tag} help please`, message: `${tag} the page is blank` });
  await createSupportRequest(db, { supportCallId: world.call.id, userId: user.id, position: tag.startsWith('P') ? 1 : 2, supportType: `${tag} help type` });
  await db.insertInto('teacherApplication').values({ userId: user.id, applicationData: JSON.stringify({ subjects: `${tag} subjects` }) }).execute();
  await db.insertInto('searchAnalytics').values({ userId: user.id, query: `${tag} search`, resultsCount: 3 }).execute();
  await db.insertInto('loginHistory').values({ userId: user.id, success: true, ipAddress: '198.51.100.7', userAgent: `${tag} browser` }).execute();

  return {
    ids: [user.id, enrollment.id, submission.id, quizSubmission.id, post.id, comment.id, help.id],
    files: { picture, certificate, handIn, cover },
    oauth,
  };
}

describe('download my data', () => {
  let world: World;
  let person: SignedIn;
  let other: SignedIn;
  let mine: Awaited<ReturnType<typeof fillEveryArea>>;
  let theirs: Awaited<ReturnType<typeof fillEveryArea>>;
  let entries: Map<string, Buffer>;
  let zipResponse: Awaited<ReturnType<typeof download>>;
  const PERSON = `P${randomBytes(5).toString('hex')}`;
  const OTHER = `O${randomBytes(5).toString('hex')}`;
  const read = (name: string) => JSON.parse(entries.get(name)!.toString('utf8'));
  const everything = () => [...entries.values()].map((b) => b.toString('latin1')).join('\n');

  beforeAll(async () => {
    world = await sharedWorld();
    person = await signedInAs(t.app, t.db, 'student', { firstName: 'Petra', email: `petra-${PERSON}@example.test` });
    other = await signedInAs(t.app, t.db, 'student', { firstName: 'Oskar', email: `oskar-${OTHER}@example.test` });
    mine = await fillEveryArea(world, person.user, PERSON);
    theirs = await fillEveryArea(world, other.user, OTHER);
    // The other person replies to my comment and reacts to my post: still nothing of theirs in my archive.
    const myPost = await t.db.selectFrom('blog').select('id').where('authorId', '=', person.user.id).executeTakeFirstOrThrow();
    await createComment(t.db, { blogId: myPost.id, authorId: other.user.id, content: `${OTHER} a reply on your post` });
    await t.db.insertInto('blogReaction').values({ blogId: myPost.id, userId: other.user.id, type: 'Funny' }).execute();
    zipResponse = await download(person.agent).expect(200);
    entries = await unzip(zipResponse.body as Buffer);
  });

  it('is a ZIP download named by the day, never cached', () => {
    expect(zipResponse.headers['content-type']).toBe('application/zip');
    expect(zipResponse.headers['content-disposition']).toBe(`attachment; filename="edupeak-data-${new Date().toISOString().slice(0, 10)}.zip"`);
    expect(zipResponse.headers['cache-control']).toBe('no-store');
    console.info(`[data export] ${(zipResponse.body as Buffer).length} bytes, ${entries.size} entries`);
  });

  it('holds a JSON file per area, a README, and the person’s own rows in every one', () => {
    for (const area of AREAS) expect([...entries.keys()], area).toContain(area);
    expect([...entries.keys()]).toContain('README.txt');
    for (const area of AREAS.filter((a) => !['enrollments.json', 'certificates.json', 'quiz-answers.json', 'reactions.json', 'support-calls.json'].includes(a))) {
      expect(entries.get(area)!.toString('utf8'), area).toContain(PERSON);
    }
    const profile = read('profile.json');
    expect(profile).toMatchObject({ id: person.user.id, email: person.user.email, firstName: 'Petra', bio: `${PERSON} bio`, picture: expect.stringMatching(/^files\/profile-picture\.webp$/) });
    expect(profile.signInMethods.map((m: { method: string }) => m.method).sort()).toEqual(['github', 'password']);
    expect(profile.billingAddress).toMatchObject({ addressLine1: `${PERSON} street 1` });
    const [enrollment] = read('enrollments.json');
    expect(enrollment).toMatchObject({ id: mine.ids[1], course: world.course.title, amountCents: 1999, badges: [expect.objectContaining({ badgeType: 'FirstLessonCompleted' })] });
    const progress = read('progress.json');
    expect(progress.lessons).toEqual([expect.objectContaining({ lesson: world.lesson.title, completed: true })]);
    expect(progress.videos).toHaveLength(1);
    expect(progress.earlyUnlocks).toEqual([expect.objectContaining({ lesson: world.lesson.title, pointsSpent: 5 })]);
    const [submission] = read('submissions.json');
    expect(submission).toMatchObject({ id: mine.ids[2], grade: 90, feedback: `${PERSON} well done`, file: `files/submissions/${mine.ids[2]}.pdf` });
    const [quiz] = read('quiz-answers.json');
    expect(quiz).toMatchObject({ id: mine.ids[3], answers: [{ question: 'Which is the third letter?', options: ['Alpha', 'Beta', 'Gamma'], yourAnswer: 'Alpha', answeredRight: false }] });
    const [post] = read('posts.json');
    expect(post).toMatchObject({ id: mine.ids[4], title: `${PERSON} my post`, tags: [{ name: `${PERSON}-tag` }] });
    expect(read('comments.json')).toEqual([expect.objectContaining({ id: mine.ids[5], content: `${PERSON} my comment`, post: world.post.title })]);
    expect(read('reactions.json').postReactions).toEqual([expect.objectContaining({ post: world.post.title, type: 'Love' })]);
    expect(read('payments.json')).toEqual([expect.objectContaining({ amountCents: 1999, status: 'Completed', stripePaymentReference: `pi_${PERSON}` })]);
    expect(read('certificates.json')).toEqual([expect.objectContaining({ id: mine.ids[1], revoked: false, verifyAt: `http://edupeak.test/certificates/${mine.ids[1]}` })]);
    expect(read('support-calls.json')).toEqual([expect.objectContaining({ course: world.course.title, supportType: `${PERSON} help type` })]);
    expect(read('help-requests.json')[0].messages).toEqual([expect.objectContaining({ from: 'you', body: `${PERSON} the page is blank` })]);
    expect(read('login-history.json').devices.length).toBeGreaterThan(0);
    expect(read('notifications.json')).toHaveLength(2);
  });

  it('holds the person’s files byte for byte: picture, hand-in, post cover and certificate', () => {
    const submission = read('submissions.json')[0];
    const post = read('posts.json')[0];
    const certificate = read('certificates.json')[0];
    expect(entries.get('files/profile-picture.webp')!.equals(mine.files.picture.bytes)).toBe(true);
    expect(entries.get(submission.file)!.equals(mine.files.handIn.bytes)).toBe(true);
    expect(entries.get(post.coverImage)!.equals(mine.files.cover.bytes)).toBe(true);
    expect(entries.get(certificate.pdf)!.equals(mine.files.certificate.bytes)).toBe(true);
    const fileEntries = [...entries.keys()].filter((n) => n.startsWith('files/'));
    expect(fileEntries).toHaveLength(4);
  });

  it('holds nothing of the other person: no id, email, text or file of theirs, nor the teacher’s email', () => {
    const all = everything();
    expect(all).not.toContain(OTHER);
    for (const id of theirs.ids) expect(all).not.toContain(id);
    expect(all).not.toContain(other.user.email);
    expect(all).not.toContain(world.teacher.email);
    expect(all).not.toContain(world.teacher.id);
    for (const file of Object.values(theirs.files)) expect([...entries.values()].some((b) => b.equals(file.bytes))).toBe(false);
  });

  it('holds no secret: password hash, session or verification token, provider token, Stripe session, nor a quiz’s right option', async () => {
    const all = everything();
    const account = await t.db.selectFrom('account').select('password').where('userId', '=', person.user.id).where('providerId', '=', 'credential').executeTakeFirstOrThrow();
    expect(account.password).toBeTruthy();
    expect(all).not.toContain(account.password!);
    expect(all).not.toMatch(/\$argon2/);
    const sessions = await t.db.selectFrom('session').select('token').where('userId', '=', person.user.id).execute();
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(all).not.toContain(s.token);
    for (const token of Object.values(mine.oauth)) expect(all).not.toContain(token);
    expect(all).not.toContain(`verify-${PERSON}-secret`);
    expect(all).not.toContain(`cs_${PERSON}_session`);
    expect(all).not.toMatch(/"(password|token|accessToken|refreshToken|idToken|correctAnswer|stripeSessionId|metadata)"\s*:/);
  });

  it('explains itself in a README, in the reader’s language', async () => {
    const readme = entries.get('README.txt')!.toString('utf8');
    expect(readme).toContain('Your Edupeak data');
    expect(readme).toContain('payments.json: ');
    expect(readme).toContain('Edupeak never has them');
    const spanish = await download(person.agent).set('Accept-Language', 'es').expect(200);
    const es = (await unzip(spanish.body as Buffer)).get('README.txt')!.toString('utf8');
    expect(es).toContain('Tus datos de Edupeak');
  });

  it('lists a file the database names but storage lacks in the README, and still finishes', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    await createAssignmentSubmission(t.db, { assignmentId: world.assignment.id, userId: someone.user.id, fileKey: newKey('submissions', 'pdf') });
    const res = await download(someone.agent).expect(200);
    const got = await unzip(res.body as Buffer);
    expect([...got.keys()].filter((n) => n.startsWith('files/'))).toEqual([]);
    expect(got.get('README.txt')!.toString('utf8')).toMatch(/could not be read from storage[^\n]*files\/submissions\//);
  });
});

describe('the /account/data page', () => {
  it('sends visitors to sign in, for the page and the download', async () => {
    const page = await t.request().get('/account/data').expect(303);
    expect(page.headers.location).toBe('/auth/login?next=%2Faccount%2Fdata');
    const zip = await t.request().get('/account/data/export.zip').expect(303);
    expect(zip.headers.location).toBe('/auth/login?next=%2Faccount%2Fdata%2Fexport.zip');
  });

  it('is linked from the profile page', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    const profile = await someone.agent.get('/account').expect(200);
    expect(profile.text).toContain('href="/account/data"');
  });

  it('says what the download holds, with counts, within the page budget and with a fixed number of queries', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: someone.user.id });
    await someone.agent.get('/account/data').expect(200);
    const one = await countQueries(t.db, () => someone.agent.get('/account/data').expect(200));
    for (let i = 0; i < 4; i++) await createEnrollment(t.db, { userId: someone.user.id });
    const five = await countQueries(t.db, () => someone.agent.get('/account/data').expect(200));
    expect(five.count, five.queries.join('\n')).toBe(one.count);
    const res = five.result;
    const bytes = expectWithinPageBudget(res);
    console.info(`[data page] ${bytes} bytes gzipped, ${five.count} queries`);
    expect(res.text).toContain('href="/account/data/export.zip"');
    expect(res.text).toContain('Download my data (ZIP)');
    expect(res.text).toMatch(/Enrollments <span class="muted">\(5\)<\/span>/);
    expect(res.text).toContain('Edupeak never has them');
  });

  it('builds the ZIP with a fixed number of queries, however many courses', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: someone.user.id });
    await download(someone.agent).expect(200);
    const one = await countQueries(t.db, () => download(someone.agent).expect(200));
    for (let i = 0; i < 4; i++) {
      const e = await createEnrollment(t.db, { userId: someone.user.id });
      await t.db.insertInto('paymentTransaction').values({ enrollmentId: e.id, amount: 500, status: 'Completed' }).execute();
    }
    const five = await countQueries(t.db, () => download(someone.agent).expect(200));
    expect(five.count, five.queries.join('\n')).toBe(one.count);
    const got = await unzip(five.result.body as Buffer);
    expect(JSON.parse(got.get('enrollments.json')!.toString('utf8'))).toHaveLength(5);
    console.info(`[data export] ${five.count} queries per download`);
  });

  it('survives a client that leaves in the middle: nothing logged as an error, and the next download is whole', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    // A 6 MB picture (stored, not deflated): the archive takes many writes, so the client leaves mid-way.
    const big = randomBytes(6 * 1024 * 1024);
    const key = newKey('avatars', 'webp');
    await storage.put(key, big, { contentType: 'image/webp', contentLength: big.length });
    await t.db.updateTable('user').set({ image: key }).where('id', '=', someone.user.id).execute();
    const server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const received = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/account/data/export.zip', headers: { cookie: someone.cookie } }, (res) => {
          expect(res.statusCode).toBe(200);
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > 64 * 1024) {
              req.destroy();
              resolve(bytes);
            }
          });
          res.on('end', () => reject(new Error('the download finished before the client left')));
        });
        req.on('error', () => undefined);
      });
      expect(received).toBeLessThan(big.length);
      await new Promise((r) => setTimeout(r, 300));
      expect(await t.db.selectFrom('errorLog').select('id').where('userId', '=', someone.user.id).execute()).toEqual([]);
      const whole = await download(someone.agent).expect(200);
      expect((await unzip(whole.body as Buffer)).get('files/profile-picture.webp')!.equals(big)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('allows a few downloads an hour, then answers 429 with when to try again', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    for (let i = 0; i < DATA_EXPORT_RATE_LIMIT.limit; i++) await hitRateLimit(t.db, DATA_EXPORT_RATE_LIMIT, someone.user.id);
    const res = await someone.agent.get('/account/data/export.zip').expect(429);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/You have downloaded your data several times in the last hour\. Please try again in \d+ minutes?\./);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Someone else is not held back by it.
    const another = await signedInAs(t.app, t.db, 'student');
    await download(another.agent).expect(200);
  });

  it('answers HEAD with the headers alone: no archive built, no download spent', async () => {
    const someone = await signedInAs(t.app, t.db, 'student');
    const counted = () => t.db.selectFrom('rateLimit').select(['key', 'hits']).where('key', 'like', `%${someone.user.id}%`).execute();
    const before = await counted();
    const head = await someone.agent.head('/account/data/export.zip').expect(200);
    expect(head.headers['content-type']).toBe('application/zip');
    expect(await counted()).toEqual(before);
    // Visitors are still sent to sign in.
    expect((await request(t.app).head('/account/data/export.zip')).status).toBe(303);
  });
});
