import { describe, expect, it } from 'vitest';
import { jobs } from '../../src/jobs/schedule.ts';
import { closeResolvedHelp } from '../../src/jobs/close-resolved-help.ts';
import { useTestApp } from '../setup/app.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { createUser } from '../setup/factories.ts';

/** close-resolved-help: Resolved requests quiet for help.autoCloseResolvedDays days are Closed (issue 18). */

describe('the close-resolved-help job', () => {
  const t = useTestApp();
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
  const statusOf = async (id: string) => (await t.db.selectFrom('helpRequest').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('runs hourly', () => {
    expect(jobs.find((j) => j.name === 'close-resolved-help')).toMatchObject({ schedule: '37 * * * *', run: closeResolvedHelp });
  });

  it('closes only requests Resolved for 14 days since their last message, each with an audit row; the setting changes the wait', async () => {
    const user = await createUser(t.db);
    const old = await createHelpRequest(t.db, { userId: user.id, status: 'Resolved', createdAt: daysAgo(30), respondedAt: daysAgo(15) });
    const recent = await createHelpRequest(t.db, { userId: user.id, status: 'Resolved', createdAt: daysAgo(30), respondedAt: daysAgo(10) });
    // Answered long ago, but the person wrote since: the quiet time counts from the reply.
    const repliedSince = await createHelpRequest(t.db, { userId: user.id, status: 'Resolved', createdAt: daysAgo(30), respondedAt: daysAgo(20), userRepliedAt: daysAgo(3) });
    const open = await createHelpRequest(t.db, { userId: user.id, status: 'InProgress', createdAt: daysAgo(60), respondedAt: daysAgo(50) });
    const pending = await createHelpRequest(t.db, { userId: user.id, status: 'Pending', createdAt: daysAgo(60) });

    expect(await t.db.transaction().execute((trx) => closeResolvedHelp(trx))).toEqual({ closed: 1 });
    expect(await statusOf(old.id)).toBe('Closed');
    for (const r of [recent, repliedSince]) expect(await statusOf(r.id)).toBe('Resolved');
    expect(await statusOf(open.id)).toBe('InProgress');
    expect(await statusOf(pending.id)).toBe('Pending');
    const audit = await t.db.selectFrom('activityLog').select(['userId', 'action', 'entityType', 'metadata', 'ipAddress']).where('entityId', '=', old.id).execute();
    expect(audit).toEqual([{ userId: user.id, action: 'help_request_closed', entityType: 'help_request', metadata: { by: 'close-resolved-help', from: 'Resolved', days: 14 }, ipAddress: null }]);

    // Again: nothing more to do.
    expect(await closeResolvedHelp(t.db)).toEqual({ closed: 0 });
    await t.db.insertInto('systemConfig').values({ key: 'help.autoCloseResolvedDays', value: JSON.stringify(7) }).execute();
    expect(await closeResolvedHelp(t.db)).toEqual({ closed: 1 });
    expect(await statusOf(recent.id)).toBe('Closed');
    expect(await statusOf(repliedSince.id)).toBe('Resolved');
  });
});
