import { msg } from '../../../i18n/catalogue.ts';
import type { Translator } from '../../../i18n/translator.ts';
import type { MailMessage } from '../../../mail/mailer.ts';
import { html } from '../mails.ts';

/** Proves an existing account before a provider is connected to it (someone without, or not using, its password). */
export function providerLinkMail(user: { email: string; firstName: string }, provider: string, link: string, tr: Translator): MailMessage {
  const lines = [
    tr.t(msg('Hello {name},'), { name: user.firstName }),
    tr.t('Someone signed in with {provider} using this email address and asked to connect it to your Edupeak account. The link works for 1 hour, once, in the browser where it was asked for.', { provider }),
  ];
  return {
    to: user.email,
    subject: tr.t('Connect {provider} to your Edupeak account', { provider }),
    text: `${lines.join('\n\n')}\n\n${link}\n\n${tr.t('If it was not you, ignore this mail: nothing is connected without this link.')}\n`,
    html: html(lines, { href: link, label: tr.t('Connect {provider}', { provider }) }, tr),
  };
}
