import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/mail/mailer.ts';
import { notify } from '../../src/features/notifications/notify.ts';
import { deliverAllMail, deliverMail, MAX_ATTEMPTS } from '../../src/features/notifications/outbox.ts';
import { silentLogger } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createUser } from '../setup/factories.ts';

const t = useTestDatabase();

/** A mailer that counts what it sends, slowly enough for two deliveries to overlap; `failing` throws. */
function fakeMailer(options: { failing?: () => boolean; delayMs?: number } = {}) {
  const sent: MailMessage[] = [];
  return {
    sent,
    async send(message: MailMessage) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      if (options.failing?.()) throw new Error('SMTP is down');
      sent.push(message);
    },
  };
}
const deps = (mailer: { send(m: MailMessage): Promise<void> }) => ({ db: t.db, mailer, logger: silentLogger, baseUrl: 'http://edupeak.test' });

/** Queues one AdminReply mail (mailed whatever the preference) to each of `n` new users; their ids. */
async function queue(n: number): Promise<string[]> {
  const users = await Promise.all(Array.from({ length: n }, () => createUser(t.db)));
  await t.db.transaction().execute((trx) =>
    notify(
      trx,
      users.map((u, i) => ({ userId: u.id, type: 'AdminReply' as const, title: `Reply ${i}`, message: 'We looked at it.', link: '/account', mail: 'always' as const })),
    ),
  );
  return users.map((u) => u.id);
}
const rowsFor = (userIds: string[]) => t.db.selectFrom('mailOutbox').select(['userId', 'sentAt', 'attempts', 'error']).where('userId', 'in', userIds).execute();

describe('the mail outbox', () => {
  it('two deliveries at once never send the same row twice, and together send every row', async () => {
    const ids = await queue(30);
    const mailer = fakeMailer({ delayMs: 5 });
    const [a, b] = await Promise.all([deliverMail(deps(mailer), 20), deliverMail(deps(mailer), 20)]);
    await deliverAllMail(deps(mailer));
    expect(a.sent + b.sent).toBeGreaterThan(0);
    const mine = mailer.sent.filter((m) => m.subject.startsWith('Reply '));
    expect(mine).toHaveLength(30);
    expect(new Set(mine.map((m) => m.to)).size).toBe(30);
    expect((await rowsFor(ids)).every((r) => r.sentAt !== null && r.attempts === 1)).toBe(true);
  });

  it('a send that fails is put back with the error and sent on the next try', async () => {
    const [id] = await queue(1);
    let down = true;
    const mailer = fakeMailer({ failing: () => down });
    expect(await deliverAllMail(deps(mailer))).toMatchObject({ failed: 1 });
    expect(await rowsFor([id!])).toEqual([{ userId: id, sentAt: null, attempts: 1, error: 'SMTP is down' }]);
    down = false;
    await deliverAllMail(deps(mailer));
    expect(mailer.sent.filter((m) => m.subject === 'Reply 0')).toHaveLength(1);
    const [row] = await rowsFor([id!]);
    expect(row!.sentAt).toBeInstanceOf(Date);
    expect(row!.attempts).toBe(2);
  });

  it(`a row is never sent after ${MAX_ATTEMPTS} failed tries`, async () => {
    const [id] = await queue(1);
    const failing = fakeMailer({ failing: () => true });
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) await deliverAllMail(deps(failing));
    expect((await rowsFor([id!]))[0]).toMatchObject({ sentAt: null, attempts: MAX_ATTEMPTS });
    const working = fakeMailer();
    await deliverAllMail(deps(working));
    expect(working.sent.filter((m) => m.subject === 'Reply 0')).toEqual([]);
  });

  it('notify() in a transaction that rolls back leaves no notice and no mail', async () => {
    const user = await createUser(t.db);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await notify(trx, { userId: user.id, type: 'AdminReply', title: 'Never', message: 'm', mail: 'always' });
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(await t.db.selectFrom('notification').select('id').where('userId', '=', user.id).execute()).toEqual([]);
    expect(await rowsFor([user.id])).toEqual([]);
  });
});
