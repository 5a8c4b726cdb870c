import type { Request } from 'express';
import type { SessionData } from 'express-session';

type Flash = NonNullable<SessionData['flash']>;

/**
 * A one-time message shown on the next page (after a 303 redirect). The message is the English
 * catalogue message (`msg('Saved.')`) with its ICU values, translated when it is shown (render.ts):
 * the next page's language, which is the reader's.
 */
export function setFlash(req: Request, type: Flash['type'], message: string, values?: Record<string, string | number>): void {
  req.session.flash = values ? { type, message, values } : { type, message };
}

/**
 * The pending flash, forgotten once taken. Taken only by a page that is shown (see render.ts): an
 * image, a poster frame or a stray /favicon.ico request running alongside must not swallow it.
 */
export function takeFlash(req: Request): Flash | undefined {
  const flash = req.session?.flash;
  if (flash) delete req.session.flash;
  return flash;
}
