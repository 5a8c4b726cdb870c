import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Stripe API, for the real SDK (pointed here with STRIPE_API_URL). It records
 * every request and answers the endpoints the payments module uses with plausible objects:
 * customers (create, update), Checkout Sessions (create, retrieve) and refunds (create). Anything
 * else is a Stripe-style 404. The SDK posts application/x-www-form-urlencoded with bracket keys
 * (`line_items[0][price_data][unit_amount]=1999`): `body` keeps them flat, as sent.
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
  // Stripe answers a repeated idempotency key with the first response.
  const idempotent = new Map<string, { status: number; body: Json }>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_fake${(++counter).toString().padStart(6, '0')}`;
  const now = () => Math.floor(Date.now() / 1000);

  const notFound = (message: string, param?: string) => ({
    status: 404,
    body: { error: { type: 'invalid_request_error', code: 'resource_missing', message, ...(param ? { param } : {}) } },
  });

  function route(method: string, path: string, body: Record<string, string>): { status: number; body: Json } {
    let m: RegExpExecArray | null;
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
        amount_total: Number(body['line_items[0][price_data][unit_amount]'] ?? 0) * Number(body['line_items[0][quantity]'] ?? 1),
        currency: body['line_items[0][price_data][currency]'] ?? null,
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

    const remembered = idempotencyKey ? idempotent.get(`${req.method} ${url.pathname} ${idempotencyKey}`) : undefined;
    const answer = remembered ?? route(req.method ?? 'GET', url.pathname, body);
    if (idempotencyKey && !remembered && answer.status < 400) idempotent.set(`${req.method} ${url.pathname} ${idempotencyKey}`, answer);
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
      idempotent.clear();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;
