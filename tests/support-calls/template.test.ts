import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp({ config: { SUPPORT_CALL_URL_TEMPLATE: 'https://meet.example.org/{room}' } });

describe('starting a call with SUPPORT_CALL_URL_TEMPLATE', () => {
  it('makes an unguessable room per call, kept in streamCallId, and the link from the template; no link is asked for', async () => {
    const me = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: me.user.id });
    const base = `/teach/courses/${course.id}/support-calls`;
    const form = await me.agent.get(base);
    expect(form.text).not.toContain('name="meetingUrl"');
    // A pasted link is ignored: the provider makes the room.
    await me.post(base, { title: 'Week 1', meetingUrl: 'https://evil.example/x' }).expect(303);
    const first = await t.db.selectFrom('supportCall').selectAll().where('courseId', '=', course.id).executeTakeFirstOrThrow();
    expect(first.streamCallId).toMatch(/^edupeak-[0-9a-f]{32}$/);
    expect(first.meetingUrl).toBe(`https://meet.example.org/${first.streamCallId}`);
    await me.post(`${base}/${first.id}/end`).expect(303);

    await me.post(base, { title: 'Week 2' }).expect(303);
    const calls = await t.db.selectFrom('supportCall').select(['id', 'streamCallId', 'meetingUrl']).where('courseId', '=', course.id).execute();
    expect(new Set(calls.map((c) => c.streamCallId)).size).toBe(2);
    const second = calls.find((c) => c.id !== first.id)!;
    const page = await me.agent.get(`${base}/${second.id}`);
    expect(page.text).toContain(`href="https://meet.example.org/${second.streamCallId}"`);
    expect(page.text).not.toContain('evil.example');
  });
});

describe('SUPPORT_CALL_URL_TEMPLATE in the configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'edupeak-config-'));
  const load = (value: string, env = 'test') => loadConfig({ NODE_ENV: env, DATA_DIR: dataDir(), SUPPORT_CALL_URL_TEMPLATE: value, SESSION_SECRET: 'x'.repeat(32), BASE_URL: 'https://edupeak.example' });

  it('is optional, and kept as given when valid', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).supportCallUrlTemplate).toBeUndefined();
    expect(load('https://meet.example.org/{room}').supportCallUrlTemplate).toBe('https://meet.example.org/{room}');
    expect(load('https://video.example.org/join?room={room}&lang=en', 'production').supportCallUrlTemplate).toBe('https://video.example.org/join?room={room}&lang=en');
    expect(load('http://localhost:8443/{room}', 'development').supportCallUrlTemplate).toBe('http://localhost:8443/{room}');
  });

  it.each([
    ['https://meet.example.org/room', 'test', /must contain \{room\}/],
    ['meet.example.org/{room}', 'test', /absolute https/],
    ['http://meet.example.org/{room}', 'production', /must be an https:\/\/ URL/],
    ['http://meet.example.org/{room}', 'test', /must be an https:\/\/ URL/],
    ['javascript:{room}', 'development', /must be an http:\/\/ or https:\/\/ URL/],
  ])('refuses %s (%s) with one line naming the variable', (value, env, message) => {
    expect(() => load(value, env)).toThrow(ConfigError);
    expect(() => load(value, env)).toThrow(/^SUPPORT_CALL_URL_TEMPLATE: /);
    expect(() => load(value, env)).toThrow(message);
  });
});
