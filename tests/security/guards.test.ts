import express, { Router, type Express } from 'express';
import { describe, expect, it } from 'vitest';
import { GUARD, PUBLIC, publicRouter, requireRole, requireUser } from '../../src/http/guards.ts';
import { useTestApp } from '../setup/app.ts';

interface Layer {
  name: string;
  rawPath?: string;
  route?: { path: string; stack: Layer[] };
  handle: ((...args: unknown[]) => unknown) & { stack?: Layer[]; [GUARD]?: string; [PUBLIC]?: boolean };
}

/**
 * Every route must be inside a router marked public, or behind a guard: a guard layer mounted on the
 * same path just before its router (`app.use('/account', requireUser, router)`), or on the route itself.
 * Returns the unguarded routes as "METHOD /path".
 */
export function unguardedRoutes(stack: Layer[], prefix = ''): string[] {
  const found: string[] = [];
  stack.forEach((layer, i) => {
    const path = prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '');
    if (layer.handle[PUBLIC]) return;
    let guarded = false;
    for (let j = i - 1; j >= 0 && stack[j]!.rawPath === layer.rawPath; j--) if (stack[j]!.handle[GUARD]) guarded = true;
    if (guarded) return;
    if (layer.route) {
      if (!layer.route.stack.some((l) => l.handle[GUARD])) {
        const methods = layer.route.stack.map((l) => (l as unknown as { method?: string }).method?.toUpperCase() ?? 'ALL');
        found.push(`${[...new Set(methods)].join(',')} ${prefix}${layer.route.path}`);
      }
    } else if (layer.handle.stack) {
      found.push(...unguardedRoutes(layer.handle.stack, path));
    }
  });
  return found;
}

const stackOf = (app: Express) => (app as unknown as { router: { stack: Layer[] } }).router.stack;

describe('route guards', () => {
  const t = useTestApp();

  it('every route of the app is public by design or behind a guard', () => {
    expect(unguardedRoutes(stackOf(t.app))).toEqual([]);
  });

  it('the walk catches an unguarded router, and accepts guarded ones', () => {
    const app = express();
    const open = Router();
    open.get('/secrets', (_req, res) => res.send('x'));
    const guarded = Router();
    guarded.get('/fine', (_req, res) => res.send('x'));
    const admin = Router();
    admin.post('/ban', (_req, res) => res.send('x'));
    const visitors = publicRouter(Router());
    visitors.get('/', (_req, res) => res.send('x'));
    app.use(visitors);
    app.use('/account', requireUser, guarded);
    app.use('/admin', requireRole('admin'), admin);
    app.use('/oops', open);
    app.get('/direct', (_req, res) => res.send('x'));
    expect(unguardedRoutes(stackOf(app))).toEqual(['GET /oops/secrets', 'GET /direct']);
  });

  it('a signed-in page sends visitors to sign in; htmx gets HX-Redirect', async () => {
    const res = await t.request().get('/account').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Faccount');
    const htmx = await t.request().get('/account').set('HX-Request', 'true').expect(401);
    expect(htmx.headers['hx-redirect']).toBe('/auth/login?next=%2Faccount');
  });
});
