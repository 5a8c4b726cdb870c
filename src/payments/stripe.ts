import Stripe from 'stripe';
import type { Config } from '../config.ts';

/**
 * The Stripe client, or undefined when no STRIPE_SECRET_KEY is set (development and tests then use
 * our own test checkout, see routes.ts). STRIPE_API_URL points the real SDK at another server: tests
 * run a local fake Stripe (tests/setup/fake-stripe.ts).
 *
 * No apiVersion is pinned: the SDK's default is the version its types describe.
 */
export function createStripe(config: Pick<Config, 'stripe'>): Stripe | undefined {
  const { secretKey, apiUrl } = config.stripe;
  if (!secretKey) return undefined;
  const options: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: 2, timeout: 20_000 };
  if (apiUrl) {
    const url = new URL(apiUrl);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.protocol = protocol;
    options.host = url.hostname;
    options.port = url.port || (protocol === 'http' ? 80 : 443);
  }
  return new Stripe(secretKey, options);
}
