import type { RequestHandler } from 'express';
import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Data saver: small video by default, images at their small width, nothing fetched ahead. A
 * signed-in user's choice on /account (user.dataSaver: true / false) decides; while they have not
 * chosen (null), or for a visitor, the browser's `Save-Data: on` header does, request by request.
 */

export function dataSaverOn({ choice, saveDataHeader }: { choice: boolean | null | undefined; saveDataHeader: string | undefined }): boolean {
  if (choice === true || choice === false) return choice;
  // The header's only defined token is "on" (Save-Data: on); anything else is not a request to save.
  return saveDataHeader?.trim().toLowerCase() === 'on';
}

/**
 * Puts the resolved flag in `res.locals.dataSaver` for every view, after loadCurrentUser (which
 * reads user.dataSaver in its one query). Every HTML answer varies on Save-Data (http/render.ts
 * and the anonymous page cache say so): a page rendered for a Save-Data request differs (its
 * images, its default video). Media and files do not: the same bytes whatever the header, so a
 * browser's or service worker's cached copy stays usable.
 */
export const resolveDataSaver: RequestHandler = (req, res, next) => {
  const user = res.locals.user as { dataSaver?: boolean | null } | undefined;
  res.locals.dataSaver = dataSaverOn({ choice: user?.dataSaver, saveDataHeader: req.get('Save-Data') });
  next();
};

/** The /account form's three choices: 'auto' (null: follow the browser), 'on', 'off'. */
export const DATA_SAVER_CHOICES = ['auto', 'on', 'off'] as const;
export type DataSaverChoice = (typeof DATA_SAVER_CHOICES)[number];

export const dataSaverInput = z.object({
  dataSaver: z.enum(DATA_SAVER_CHOICES, { message: msg('Choose Automatic, On or Off.') }),
});

export const choiceToColumn = (choice: DataSaverChoice): boolean | null => (choice === 'auto' ? null : choice === 'on');
export const columnToChoice = (value: boolean | null | undefined): DataSaverChoice => (value === true ? 'on' : value === false ? 'off' : 'auto');
