import { z } from 'zod';
import type { IncomingEvent, TestEvent } from './events.ts';

/**
 * The shape of a Stripe event as handleStripeEvent reads it. A signature proves who sent an event,
 * not that it has the fields we read: a signed event without `data` used to throw a TypeError (500,
 * and Stripe retrying it for days). Anything that does not fit is refused with a 400 instead.
 * Unknown fields are kept (Stripe adds fields all the time); only what we read is checked.
 */

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.expired',
  'checkout.session.async_payment_failed',
  'payment_intent.payment_failed',
  'charge.refunded',
] as const satisfies ReadonlyArray<TestEvent['type']>;

const id = z.string().min(1).max(255);
const amount = z.number().int().nonnegative();

/** The object of an event we act on: a Checkout Session, a PaymentIntent or a Charge. */
const handledObject = z.looseObject({
  id,
  object: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  payment_intent: z.union([id, z.looseObject({ id })]).nullish(),
  payment_status: z.string().optional(),
  payment_method_types: z.array(z.string()).optional(),
  amount: amount.optional(),
  amount_refunded: amount.optional(),
  refunded: z.boolean().optional(),
});

const envelope = z.looseObject({
  id,
  type: z.string().min(1).max(255),
  data: z.looseObject({ object: z.looseObject({}) }),
});

export type ParsedStripeEvent = { ok: true; event: IncomingEvent } | { ok: false; problem: string };

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}

export function parseStripeEvent(raw: unknown): ParsedStripeEvent {
  const outer = envelope.safeParse(raw);
  if (!outer.success) return { ok: false, problem: describe(outer.error) };
  const event = outer.data;
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(event.type)) return { ok: true, event: { id: event.id, type: event.type, data: { object: event.data.object } } };
  const object = handledObject.safeParse(event.data.object);
  if (!object.success) return { ok: false, problem: describe(object.error).replace(/^/, 'data.object.') };
  return { ok: true, event: { id: event.id, type: event.type as TestEvent['type'], data: { object: object.data } } };
}

/** Stripe's header is `t=<unix seconds>,v1=<signature>...`; the timestamp it was signed at. */
export function signedAt(signatureHeader: string): number | undefined {
  const match = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(signatureHeader);
  return match ? Number(match[1]) : undefined;
}
