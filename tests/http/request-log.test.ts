import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { redactUrl, requestLogger } from '../../src/http/request-log.ts';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('request logs', () => {
  it('log method, path and status, but never cookies, authorization, bodies or tokens in the query', async () => {
    const { logger, lines } = capturingLogger();
    const app = express();
    app.use(requestLogger(logger));
    app.use(express.urlencoded({ extended: false }));
    app.post('/auth/reset', (_req, res) => res.sendStatus(204));

    await supertest(app)
      .post('/auth/reset?token=super-secret-token&next=/x')
      .set('Cookie', 'connect.sid=s%3Asession-cookie-value')
      .set('Authorization', 'Bearer bearer-value')
      .type('form')
      .send({ password: 'hunter2-password' })
      .expect(204);

    const log = lines.join('\n');
    expect(log).toContain('"method":"POST"');
    expect(log).toContain('"statusCode":204');
    expect(log).toContain('token=[redacted]');
    for (const secret of ['super-secret-token', 'session-cookie-value', 'bearer-value', 'hunter2-password']) {
      expect(log).not.toContain(secret);
    }
  });

  it('redacts every secret-bearing query parameter', () => {
    expect(redactUrl('/auth/verify?token=abc&x=1')).toBe('/auth/verify?token=[redacted]&x=1');
    expect(redactUrl('/invite?x=1&TOKEN=abc')).toBe('/invite?x=1&TOKEN=[redacted]');
    expect(redactUrl('/plain?q=token')).toBe('/plain?q=token');
  });
});
