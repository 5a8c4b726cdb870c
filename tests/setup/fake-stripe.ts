import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Stripe API, for the real SDK (pointed here with STRIPE_API_URL). It records
 * every request and answers the endpoints the payments module uses with plausible objects:
 * customers (create, update), products (create with our own id, update), prices (create, retrieve,
 * update: archive), Checkout Sessions (create with `price` or `price_data`, retrieve) and refunds
 * (create). Anything else is a Stripe-style 404. The SDK posts application/x-www-form-urlencoded
 * with bracket keys (`line_items[0][price]=price_...`): `body` keeps them flat, as sent.
 *
 * As Stripe does: a repeated idempotency key answers the first response (a retried create returns
 * the same object), and the same key with other parameters is an idempotency_error; a product id
 * that exists is `resource_already_exists`; a Checkout Session refuses an unknown or archived price.
 * `failRequests` makes matching requests fail (Stripe down) until it is called with null.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

type Json = Record<string, unknown>;
type SessionStatus = 'open' | 'complete' | 'expired';

/** `metadata[a]=1&metadata[b]=2` -> { a: '1', b: '2' } */
function nested(body: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    const match = key.startsWith(`${prefix}[`) ? /^\[([^\]]+)\]$/.exec(key.slice(prefix.length)) : null;
    if (match) out[match[1]!] = value;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeStripe() {
  const requests: RecordedRequest[] = [];
  const customers = new Map<string, Json>();
  const sessions = new Map<string, Json>();
  const refunds = new Map<string, Json>();
  const products = new Map<string, Json>();
  const prices = new Map<string, Json>();
  // Stripe answers a repeated idempotency key with the first response (and the parameters it came with).
  const idempotent = new Map<string, { status: number; body: Json; params: string }>();
  let failing: RegExp | null = null;
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_fake${(++counter).toString().padStart(6, '0')}`;
  const now = () => Math.floor(Date.now() / 1000);

  const notFound = (message: string, param?: string) => ({
    status: 404,
    body: { error: { type: 'invalid_request_error', code: 'resource_missing', message, ...(param ? { param } : {}) } },
  });

  const invalid = (message: string, extra: Json = {}) => ({ status: 400, body: { error: { type: 'invalid_request_error', message, ...extra } } });

  /** The session's amount and currency: from a stored price (refused when unknown or archived) or inline price_data. */
  function lineItem(body: Record<string, string>): { amount: number; currency: string | null } | { status: number; body: Json } {
    const quantity = Number(body['line_items[0][quantity]'] ?? 1);
    const priceId = body['line_items[0][price]'];
    if (priceId === undefined) {
      return { amount: Number(body['line_items[0][price_data][unit_amount]'] ?? 0) * quantity, currency: body['line_items[0][price_data][currency]'] ?? null };
    }
    const price = prices.get(priceId);
    if (!price) return invalid(`No such price: '${priceId}'`, { code: 'resource_missing', param: 'line_items[0][price]' });
    if (!price.active) return invalid('The price specified is inactive. This field only accepts active prices.', { param: 'line_items[0][price]' });
    return { amount: (price.unit_amount as number) * quantity, currency: price.currency as string };
  }

  function route(method: string, path: string, body: Record<string, string>): { status: number; body: Json } {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/products') {
      const id = body.id ?? nextId('prod');
      if (products.has(id)) return invalid(`Product already exists.`, { code: 'resource_already_exists', param: 'id' });
      const product: Json = { id, object: 'product', active: true, created: now(), livemode: false, name: body.name, metadata: nested(body, 'metadata') };
      products.set(id, product);
      return { status: 200, body: product };
    }
    if (method === 'POST' && (m = /^\/v1\/products\/([^/]+)$/.exec(path))) {
      const product = products.get(m[1]!);
      if (!product) return notFound(`No such product: '${m[1]}'`, 'id');
      if (body.name !== undefined) product.name = body.name;
      if (body.active !== undefined) product.active = body.active === 'true';
      Object.assign(product.metadata as Json, nested(body, 'metadata'));
      return { status: 200, body: product };
    }
    if (method === 'POST' && path === '/v1/prices') {
      if (!body.product || !products.has(body.product)) return invalid(`No such product: '${body.product}'`, { code: 'resource_missing', param: 'product' });
      const price: Json = {
        id: nextId('price'),
        object: 'price',
        active: body.active !== 'false',
        created: now(),
        livemode: false,
        currency: body.currency,
        unit_amount: Number(body.unit_amount),
        product: body.product,
        type: 'one_time',
        lookup_key: body.lookup_key ?? null,
        nickname: body.nickname ?? null,
        metadata: nested(body, 'metadata'),
      };
      prices.set(price.id as string, price);
      return { status: 200, body: price };
    }
    if ((method === 'GET' || method === 'POST') && (m = /^\/v1\/prices\/([^/]+)$/.exec(path))) {
      const price = prices.get(m[1]!);
      if (!price) return notFound(`No such price: '${m[1]}'`, 'price');
      if (method === 'POST') {
        // Only what Stripe lets change: the amount and currency of a price never do.
        if (body.active !== undefined) price.active = body.active === 'true';
        Object.assign(price.metadata as Json, nested(body, 'metadata'));
      }
      return { status: 200, body: price };
    }
    if (method === 'POST' && path === '/v1/customers') {
      const customer: Json = {
        id: nextId('cus'),
        object: 'customer',
        created: now(),
        livemode: false,
        email: body.email ?? null,
        name: body.name ?? null,
        phone: body.phone ?? null,
        address: Object.keys(nested(body, 'address')).length ? nested(body, 'address') : null,
        metadata: nested(body, 'metadata'),
      };
      customers.set(customer.id as string, customer);
      return { status: 200, body: customer };
    }
    if (method === 'POST' && (m = /^\/v1\/customers\/([^/]+)$/.exec(path))) {
      const customer = customers.get(m[1]!);
      if (!customer) return notFound(`No such customer: '${m[1]}'`, 'id');
      for (const key of ['email', 'name', 'phone'] as const) if (body[key] !== undefined) customer[key] = body[key];
      const address = nested(body, 'address');
      if (Object.keys(address).length) customer.address = address;
      return { status: 200, body: customer };
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      // As Stripe: a customer it does not know (deleted, or made with another key) is refused.
      if (body.customer !== undefined && !customers.has(body.customer)) return { ...notFound(`No such customer: '${body.customer}'`, 'customer'), status: 400 };
      const item = lineItem(body);
      if ('status' in item) return item;
      const id = nextId('cs_test');
      const session: Json = {
        id,
        object: 'checkout.session',
        created: now(),
        livemode: false,
        mode: body.mode,
        status: 'open',
        payment_status: 'unpaid',
        url: `https://checkout.stripe.test/c/pay/${id}`,
        customer: body.customer ?? null,
        client_reference_id: body.client_reference_id ?? null,
        amount_total: item.amount,
        currency: item.currency,
        success_url: body.success_url,
        cancel_url: body.cancel_url,
        expires_at: Number(body.expires_at ?? now() + 24 * 3600),
        metadata: nested(body, 'metadata'),
        payment_intent: null,
        payment_method_types: ['card'],
      };
      sessions.set(id, session);
      return { status: 200, body: session };
    }
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      const session = sessions.get(m[1]!);
      return session ? { status: 200, body: session } : notFound(`No such checkout.session: '${m[1]}'`, 'session');
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const refund: Json = {
        id: nextId('re'),
        object: 'refund',
        created: now(),
        amount: body.amount !== undefined ? Number(body.amount) : null,
        currency: 'usd',
        payment_intent: body.payment_intent ?? null,
        reason: body.reason ?? null,
        status: 'succeeded',
        metadata: nested(body, 'metadata'),
      };
      refunds.set(refund.id as string, refund);
      return { status: 200, body: refund };
    }
    return notFound(`Unrecognized request URL (${method}: ${path}).`);
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake-stripe');
    const raw = await readBody(req);
    const body = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : raw));
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, body, idempotencyKey, authorization: req.headers.authorization });

    const params = JSON.stringify(body);
    const remembered = idempotencyKey ? idempotent.get(`${req.method} ${url.pathname} ${idempotencyKey}`) : undefined;
    const answer = failing?.test(`${req.method} ${url.pathname}`)
      ? // As an outage: an api_error; "do not retry" keeps the tests quick (the SDK would retry a real one).
        { status: 500, body: { error: { type: 'api_error', message: 'fake Stripe: failing on purpose' } } }
      : remembered && remembered.params !== params
        ? invalid(`Keys for idempotent requests can only be used with the same parameters they were first used with.`, { type: 'idempotency_error' })
        : (remembered ?? route(req.method ?? 'GET', url.pathname, body));
    // A snapshot, as Stripe keeps it: a replay answers the object as it was made (a price archived since still says active).
    if (idempotencyKey && !remembered && answer.status < 400) idempotent.set(`${req.method} ${url.pathname} ${idempotencyKey}`, { status: answer.status, body: structuredClone(answer.body), params });
    if (answer.status === 500) res.setHeader('stripe-should-retry', 'false');
    res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${counter}` });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    /** Every request so far, or those with this method and path. */
    requests(method?: string, path?: string | RegExp): RecordedRequest[] {
      return requests.filter(
        (r) => (!method || r.method === method) && (!path || (typeof path === 'string' ? r.path === path : path.test(r.path))),
      );
    },
    customers,
    sessions,
    refunds,
    products,
    prices,
    /** Requests whose `METHOD /path` matches answer 500 (Stripe down); null: all well again. */
    failRequests(pattern: RegExp | null) {
      failing = pattern;
    },
    /** As if the customer paid (complete) or walked away (expired). */
    setSessionStatus(id: string, status: SessionStatus) {
      const session = sessions.get(id);
      if (!session) throw new Error(`fake Stripe: no session ${id}`);
      session.status = status;
      if (status === 'complete') session.payment_status = 'paid';
    },
    /** Forgets every request and object. */
    reset() {
      requests.length = 0;
      customers.clear();
      sessions.clear();
      refunds.clear();
      products.clear();
      prices.clear();
      idempotent.clear();
      failing = null;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;
