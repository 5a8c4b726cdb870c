import express from 'express';
import session from 'express-session';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { saveBeforeRedirect } from '../../src/http/session.ts';

/** A store whose writes are slow, like PostgreSQL under load. */
class SlowStore extends session.MemoryStore {
  writes = 0;
  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    setTimeout(() => {
      super.set(sid, data, (err?: unknown) => {
        this.writes++;
        callback?.(err);
      });
    }, 200);
  }
}

function appWith(store: SlowStore, withFix: boolean) {
  const app = express();
  app.use(session({ secret: 'x'.repeat(32), store, resave: false, saveUninitialized: false }));
  if (withFix) app.use(saveBeforeRedirect);
  app.post('/save', (req, res) => {
    req.session.flash = { type: 'success', message: 'Saved.' };
    res.redirect(303, '/');
  });
  return app;
}

describe('redirects after a session change', () => {
  it('answer only once the session is stored, so the next page finds the message', async () => {
    const store = new SlowStore();
    const res = await supertest(appWith(store, true)).post('/save').expect(303);
    expect(store.writes).toBe(1);
    expect(res.headers['set-cookie']).toBeDefined();
  });

  it('(without it, the 303 goes out before the write: the race this guards against)', async () => {
    const store = new SlowStore();
    const app = appWith(store, false);
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const server = app.listen(0, async () => {
        const { port } = server.address() as { port: number };
        const res = await fetch(`http://127.0.0.1:${port}/save`, { method: 'POST', redirect: 'manual' });
        // Headers arrive before the store write finishes.
        expect(res.status).toBe(303);
        expect(store.writes).toBe(0);
        await res.arrayBuffer();
        server.close(() => resolve());
      });
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
