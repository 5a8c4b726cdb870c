import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import { html } from './mails.ts';

/**
 * The account deletion's mails (features/accounts/deletion.ts), written like the other account
 * mails (mails.ts): plain text first, a small HTML twin, in the recipient's language.
 */

const GREETING = msg('Hello {name},');

/** The link that confirms the deletion, for someone with no password (they sign in with a provider only). */
export function deletionLinkMail(to: string, firstName: string, link: string, tr: Translator = translatorFor('en')): MailMessage {
  const lines = [
    tr.t(GREETING, { name: firstName }),
    tr.t('You asked to delete your Edupeak account. Open the link and press the button to confirm; the link works for 1 hour, once.'),
    tr.t('After you confirm, you have 7 days to change your mind: signing in during them keeps your account.'),
  ];
  return {
    to,
    subject: tr.t('Confirm the deletion of your Edupeak account'),
    text: `${lines.join('\n\n')}\n\n${link}\n\n${tr.t('If it was not you, ignore this mail: nothing happens without the confirmation.')}\n`,
    html: html(lines, { href: link, label: tr.t('Confirm the deletion') }, tr),
  };
}

/** Sent when the deletion is confirmed: the day it happens, and how to call it off. */
export function deletionScheduledMail(
  to: string,
  firstName: string,
  when: { date: string; zone: string },
  signInLink: string,
  tr: Translator = translatorFor('en'),
): MailMessage {
  const lines = [
    tr.t(GREETING, { name: firstName }),
    tr.t('Your Edupeak account will be deleted on {date} ({zone}), with everything that belongs to it. You were signed out on every device.', when),
    tr.t('Sign in before then to keep it: signing in cancels the deletion.'),
    tr.t('Payment records are kept for accounting, without your name and email address.'),
  ];
  return {
    to,
    subject: tr.t('Your Edupeak account will be deleted'),
    text: `${lines.join('\n\n')}\n\n${signInLink}\n\n${tr.t('If you did not ask for this, sign in now to keep your account, then look at its signed-in devices.')}\n`,
    html: html(lines, { href: signInLink, label: tr.t('Sign in to keep my account') }, tr),
  };
}
