import { sql, type Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import type { Locale } from '../src/i18n/locales.ts';

/**
 * Two demo students who read Edupeak in another language (issue 21), so a newcomer sees the
 * Spanish and the right-to-left Arabic pages by signing in, without changing any setting: Sofía
 * reads Spanish, Layla Arabic (user.language). Both enrolled in the free course 4 days ago and have
 * completed nothing, so the follow-up mail has someone to remind in development. Idempotent.
 */
export const DEMO_LANGUAGE_LOGINS = [
  { email: 'estudiante@example.com', firstName: 'Sofía', lastName: 'Ramírez', language: 'es' as Locale, reads: 'Spanish' },
  { email: 'talib@example.com', firstName: 'ليلى', lastName: 'حداد', language: 'ar' as Locale, reads: 'Arabic' },
] as const;

export async function seedDemoLanguages(trx: Transaction<DB>, passwordHash: string, freeCourseSlug: string): Promise<void> {
  const course = await trx.selectFrom('course').select('id').where('slug', '=', freeCourseSlug).executeTakeFirst();
  // Enrolled 4 days before the seed, no lesson completed: the follow-up-mail job (jobs/follow-up-mail.ts,
  // after `learning.followUpAfterDays`, 3 by default) reminds both at its next run, in Spanish and in Arabic.
  const enrolledAt = new Date(Date.now() - 4 * 86_400_000);
  for (const person of DEMO_LANGUAGE_LOGINS) {
    const found = await trx.selectFrom('user').select('id').where(sql<string>`lower(email)`, '=', person.email).executeTakeFirst();
    if (found) continue;
    const user = await trx
      .insertInto('user')
      .values({ email: person.email, firstName: person.firstName, lastName: person.lastName, language: person.language, emailVerified: true, role: 'student', createdAt: new Date(enrolledAt.getTime() - 3_600_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('account').values({ userId: user.id, accountId: user.id, providerId: 'credential', password: passwordHash }).execute();
    if (course) await trx.insertInto('enrollment').values({ userId: user.id, courseId: course.id, status: 'Active', amount: 0, createdAt: enrolledAt }).execute();
  }
}
