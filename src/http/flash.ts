import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';

type Flash = NonNullable<SessionData['flash']>;

/** A one-time message shown on the next page (after a 303 redirect). */
export function setFlash(req: Request, type: Flash['type'], message: string): void {
  req.session.flash = { type, message };
}

/** Moves the pending flash into res.locals for this render, and forgets it. */
export const takeFlash: RequestHandler = (req, res, next) => {
  if (req.session?.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
};
