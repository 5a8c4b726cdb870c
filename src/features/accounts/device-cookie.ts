import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../../config.ts';
import { cookieValue } from '../../http/cookies.ts';

/**
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that
 * has signed in to an account gets a signed cookie naming that account. Wrong passwords from such a
 * browser count against the device, not against the account, so an attacker guessing from elsewhere
 * cannot lock the owner out; the per-address limit still applies to everyone.
 */

export type DeviceCookieConfig = Pick<Config, 'sessionSecret' | 'isProduction'>;

const MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;
const nameOf = (config: DeviceCookieConfig) => (config.isProduction ? '__Host-edupeak.device' : 'edupeak.device');
const signature = (config: DeviceCookieConfig, email: string, nonce: string) =>
  createHmac('sha256', config.sessionSecret).update(`edupeak-device:${email.toLowerCase()}:${nonce}`).digest('base64url');

/** The device's id when this browser holds a valid device cookie for `email`; else undefined. */
export function trustedDeviceFor(req: Request, config: DeviceCookieConfig, email: string): string | undefined {
  const value = cookieValue(req, nameOf(config));
  const match = value ? /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!match) return undefined;
  const [, nonce, given] = match as unknown as [string, string, string];
  const expected = Buffer.from(signature(config, email, nonce));
  return timingSafeEqual(Buffer.from(given), expected) ? nonce : undefined;
}

/** After a successful sign-in: this browser is now known for `email`. */
export function issueDeviceCookie(res: Response, config: DeviceCookieConfig, email: string): void {
  const nonce = randomBytes(18).toString('base64url');
  res.cookie(nameOf(config), `${nonce}.${signature(config, email, nonce)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.isProduction,
    path: '/',
    maxAge: MAX_AGE_MS,
  });
}
