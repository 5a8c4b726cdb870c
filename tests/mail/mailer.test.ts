import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/mailer.ts';
import { silentLogger } from '../setup/app.ts';
import { readOutbox } from '../setup/outbox.ts';

const message = {
  to: 'learner@example.test',
  subject: 'Confirm your email address',
  text: 'Hello,\n\nhttp://localhost:3000/auth/verify?token=abc.def\n',
  html: '<p>Hello, <a href="http://localhost:3000/auth/verify?token=abc.def">confirm</a></p>',
};

describe('mail', () => {
  it('without SMTP_URL, writes each message to DATA_DIR/mail as an .eml file and logs its links', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-mail-'));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'Edupeak <no-reply@edupeak.test>', dataDir, logger });
    await mailer.send(message);
    await mailer.send({ ...message, subject: 'Second' });

    const outbox = await readOutbox(dataDir);
    expect(outbox.map((m) => m.subject)).toEqual(['Confirm your email address', 'Second']);
    expect(outbox[0]).toMatchObject({ to: 'learner@example.test' });
    expect(outbox[0]!.file).toMatch(/\.eml$/);
    expect(outbox[0]!.text).toContain('/auth/verify?token=abc.def');
    expect(outbox[0]!.html).toContain('<a href=');
    expect(lines.join('')).toContain('http://localhost:3000/auth/verify?token=abc.def');
  });

  it('with SMTP_URL, sends through nodemailer to the SMTP server', async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk));
        stream.on('end', () => {
          received.push(data);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    try {
      const mailer = createMailer({
        smtpUrl: `smtp://127.0.0.1:${port}/?ignoreTLS=true`,
        mailFrom: 'Edupeak <no-reply@edupeak.test>',
        dataDir: '/nonexistent',
        logger: silentLogger,
      });
      await mailer.send(message);
      expect(received).toHaveLength(1);
      expect(received[0]).toContain('Subject: Confirm your email address');
      expect(received[0]).toContain('To: learner@example.test');
      expect(received[0]).toContain('From: Edupeak <no-reply@edupeak.test>');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
