import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';
import { email } from '../accounts/schemas.ts';

// Each field's messages are whole catalogue messages (translated where the form shows them).
const required = (max: number, missing: string, tooLong: string) =>
  z
    .string({ message: missing })
    .trim()
    .min(1, missing)
    .max(max, tooLong);

const optional = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .optional()
    .transform((v) => (v ? v : null));

export const BILLING_FIELDS = [
  'firstName',
  'lastName',
  'companyName',
  'phoneNumber',
  'email',
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'postalCode',
  'country',
  'vatNumber',
  'notes',
] as const;

export const billingInput = z.object({
  firstName: required(100, msg('First name is required.'), msg('First name must be at most 100 characters.')),
  lastName: required(100, msg('Last name is required.'), msg('Last name must be at most 100 characters.')),
  companyName: optional(200, msg('Company must be at most 200 characters.')),
  phoneNumber: optional(30, msg('Phone number must be at most 30 characters.')).refine(
    (v) => v === null || /^\+?[0-9 ()./-]{5,30}$/.test(v),
    msg('Enter a phone number with digits, spaces and an optional leading +.'),
  ),
  email,
  addressLine1: required(200, msg('Address is required.'), msg('Address must be at most 200 characters.')),
  addressLine2: optional(200, msg('Address line 2 must be at most 200 characters.')),
  city: required(100, msg('City is required.'), msg('City must be at most 100 characters.')),
  state: required(100, msg('State or province is required.'), msg('State or province must be at most 100 characters.')),
  postalCode: required(20, msg('Postal code is required.'), msg('Postal code must be at most 20 characters.')).refine(
    (v) => /^[A-Za-z0-9 -]{2,20}$/.test(v),
    msg('Enter a postal code of letters, digits, spaces or dashes.'),
  ),
  country: z
    .string({ message: msg('Choose a country.') })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, msg('Enter the two-letter country code, like US, NG or IN.')),
  vatNumber: optional(30, msg('VAT number must be at most 30 characters.')),
  notes: optional(1000, msg('Notes must be at most 1000 characters.')),
});
