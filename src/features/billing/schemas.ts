import { z } from 'zod';
import { email } from '../accounts/schemas.ts';

const required = (label: string, max: number) =>
  z
    .string({ message: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`);

const optional = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
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
  firstName: required('First name', 100),
  lastName: required('Last name', 100),
  companyName: optional('Company', 200),
  phoneNumber: optional('Phone number', 30).refine((v) => v === null || /^\+?[0-9 ()./-]{5,30}$/.test(v), 'Enter a phone number with digits, spaces and an optional leading +.'),
  email,
  addressLine1: required('Address', 200),
  addressLine2: optional('Address line 2', 200),
  city: required('City', 100),
  state: required('State or province', 100),
  postalCode: required('Postal code', 20).refine((v) => /^[A-Za-z0-9 -]{2,20}$/.test(v), 'Enter a postal code of letters, digits, spaces or dashes.'),
  country: z
    .string({ message: 'Choose a country.' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Enter the two-letter country code, like US, NG or IN.'),
  vatNumber: optional('VAT number', 30),
  notes: optional('Notes', 1000),
});
