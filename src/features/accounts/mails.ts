import type { MailMessage } from '../../mail/mailer.ts';

/** Short mails: plain text first (all some readers show), and a small HTML twin with no images. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function html(lines: string[], link: { href: string; label: string }): string {
  return (
    `<div style="font-family:sans-serif;line-height:1.5;max-width:32rem">` +
    lines.map((l) => `<p>${escape(l)}</p>`).join('') +
    `<p><a href="${escape(link.href)}" style="color:#1d4ed8">${escape(link.label)}</a></p>` +
    `<p style="color:#52606d;font-size:.9em">Edupeak</p></div>`
  );
}

export function verificationMail(to: string, firstName: string, link: string): MailMessage {
  const lines = [`Hello ${firstName},`, 'Please confirm your email address for Edupeak. The link works for 24 hours, once.'];
  return {
    to,
    subject: 'Confirm your email address',
    text: `${lines.join('\n\n')}\n\n${link}\n\nIf you did not create an Edupeak account, ignore this mail.\n`,
    html: html(lines, { href: link, label: 'Confirm my email address' }),
  };
}

export function passwordResetMail(to: string, firstName: string, link: string): MailMessage {
  const lines = [`Hello ${firstName},`, 'Someone asked to reset the password of your Edupeak account. The link works for 1 hour, once.'];
  return {
    to,
    subject: 'Reset your password',
    text: `${lines.join('\n\n')}\n\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
    html: html(lines, { href: link, label: 'Choose a new password' }),
  };
}

/** Sent instead of a confirmation link when someone registers with an address that has an account. */
export function registrationAttemptMail(to: string, firstName: string, links: { signIn: string; reset: string }): MailMessage {
  const lines = [
    `Hello ${firstName},`,
    'Someone tried to create an Edupeak account with this email address, which already has one. If it was you, sign in, or reset your password if you forgot it.',
  ];
  return {
    to,
    subject: 'You already have an Edupeak account',
    text: `${lines.join('\n\n')}\n\nSign in: ${links.signIn}\nReset your password: ${links.reset}\n\nIf it was not you, ignore this mail: nothing was changed.\n`,
    html: html(lines, { href: links.signIn, label: 'Sign in to Edupeak' }),
  };
}
