import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import type { MailMessage } from '../../mail/mailer.ts';

/**
 * Short mails: plain text first (all some readers show), and a small HTML twin with no images.
 * Each is written in its recipient's language (`tr`: translatorFor(user.language), or the language
 * of the request that asked for it when the person has not chosen one).
 */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML body; given the mail's translator, it is marked with its language and direction (Arabic reads right to left). */
export function html(lines: string[], link: { href: string; label: string }, tr?: Translator): string {
  const lang = tr ? ` lang="${tr.locale}" dir="${tr.dir}"` : '';
  return (
    `<div${lang} style="font-family:sans-serif;line-height:1.5;max-width:32rem">` +
    lines.map((l) => `<p>${escape(l)}</p>`).join('') +
    `<p><a href="${escape(link.href)}" style="color:#1d4ed8">${escape(link.label)}</a></p>` +
    `<p style="color:#52606d;font-size:.9em">Edupeak</p></div>`
  );
}

const GREETING = msg('Hello {name},');

export function verificationMail(to: string, firstName: string, link: string, tr: Translator = translatorFor('en')): MailMessage {
  const lines = [tr.t(GREETING, { name: firstName }), tr.t('Please confirm your email address for Edupeak. The link works for 24 hours, once.')];
  return {
    to,
    subject: tr.t('Confirm your email address'),
    text: `${lines.join('\n\n')}\n\n${link}\n\n${tr.t('If you did not create an Edupeak account, ignore this mail.')}\n`,
    html: html(lines, { href: link, label: tr.t('Confirm my email address') }, tr),
  };
}

export function passwordResetMail(to: string, firstName: string, link: string, tr: Translator = translatorFor('en')): MailMessage {
  const lines = [tr.t(GREETING, { name: firstName }), tr.t('Someone asked to reset the password of your Edupeak account. The link works for 1 hour, once.')];
  return {
    to,
    subject: tr.t('Reset your password'),
    text: `${lines.join('\n\n')}\n\n${link}\n\n${tr.t('If it was not you, ignore this mail: your password stays as it is.')}\n`,
    html: html(lines, { href: link, label: tr.t('Choose a new password') }, tr),
  };
}

/** Sent instead of a confirmation link when someone registers with an address that has an account. */
export function registrationAttemptMail(
  to: string,
  firstName: string,
  links: { signIn: string; reset: string },
  tr: Translator = translatorFor('en'),
): MailMessage {
  const lines = [
    tr.t(GREETING, { name: firstName }),
    tr.t('Someone tried to create an Edupeak account with this email address, which already has one. If it was you, sign in, or reset your password if you forgot it.'),
  ];
  return {
    to,
    subject: tr.t('You already have an Edupeak account'),
    text:
      `${lines.join('\n\n')}\n\n${tr.t('Sign in: {link}', { link: links.signIn })}\n${tr.t('Reset your password: {link}', { link: links.reset })}\n\n` +
      `${tr.t('If it was not you, ignore this mail: nothing was changed.')}\n`,
    html: html(lines, { href: links.signIn, label: tr.t('Sign in to Edupeak') }, tr),
  };
}
