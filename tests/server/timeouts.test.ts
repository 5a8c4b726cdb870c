import type http from 'node:http';
import net from 'node:net';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, TIMEOUTS, type TimeoutLimits } from '../../src/http/timeouts.ts';
import { useTestApp } from '../setup/app.ts';
import { csrfTokenOf } from '../setup/login.ts';

/**
 * Slow clients cannot hold connections: the app on a real server (createHttpServer, as server.ts
 * makes it) with small limits. Before: headers that never finished were held 60-90 s, and a body
 * that never arrived 300-330 s before a 408; a long upload only lived because that was so long.
 */

const LIMITS: TimeoutLimits = {
  headersMs: 400,
  bodyMs: 400,
  uploadWindowMs: 400,
  uploadMinBytes: 1024,
  idleMs: 3_000,
  keepAliveMs: 1_000,
  checkEveryMs: 100,
};
// Generous for a busy machine, and still far below Node's defaults (60 s and 300 s).
const SLACK_MS = 1_500;

// An upload sink: reads the whole multipart body and says how many bytes came.
const sink = Router().post('/test/upload', (req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => res.type('text').send(`received ${bytes}`));
});

interface Exchange {
  status: number | undefined;
  text: string;
  closedAfterMs: number;
}

/** Writes `head`, then each of `chunks` every `everyMs`; resolves when the server closes the connection. */
function exchange(port: number, head: string, chunks: string[] = [], everyMs = 0): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const began = Date.now();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      let next = 0;
      const send = () => {
        if (next >= chunks.length || socket.destroyed) return;
        socket.write(chunks[next++]!);
        timer = setTimeout(send, everyMs);
      };
      timer = setTimeout(send, everyMs);
    });
    socket.on('data', (data) => (text += data));
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : undefined, text, closedAfterMs: Date.now() - began });
    });
    setTimeout(() => reject(new Error(`still open after 20 s; received: ${text.slice(0, 200)}`)), 20_000).unref();
  });
}

describe('server timeouts', () => {
  const t = useTestApp({ extraRoutes: sink });
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer(t.app, LIMITS);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A cookie and a CSRF token, as a browser has them after opening a form. */
  async function formSession() {
    const res = await fetch(`http://127.0.0.1:${port}/auth/login`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { cookie, csrf: csrfTokenOf(await res.text()) };
  }

  function multipart(cookie: string, csrf: string, parts: number, partBytes: number) {
    const boundary = 'edupeak-test-boundary';
    const open = `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="v.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
    const close = `\r\n--${boundary}--\r\n`;
    const chunks = Array.from({ length: parts }, () => 'x'.repeat(partBytes));
    chunks[0] = open + chunks[0];
    chunks[parts - 1] += close;
    const length = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
    const head =
      `POST /test/upload?_csrf=${encodeURIComponent(csrf)} HTTP/1.1\r\nHost: localhost\r\nCookie: ${cookie}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
    return { head, chunks };
  }

  it('keeps the production limits sane', () => {
    expect(TIMEOUTS.headersMs).toBeLessThanOrEqual(20_000);
    expect(TIMEOUTS.bodyMs).toBeLessThanOrEqual(60_000);
    expect(TIMEOUTS.uploadWindowMs).toBeLessThanOrEqual(120_000);
    expect(TIMEOUTS.checkEveryMs).toBeLessThan(TIMEOUTS.headersMs);
  });

  it('headers that never finish: 408 and closed within the headers limit', async () => {
    const res = await exchange(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(res.status).toBe(408);
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.headersMs - 50);
    expect(res.closedAfterMs).toBeLessThan(LIMITS.headersMs + SLACK_MS);
  });

  it('a form POST with Content-Length 100 and no body: 408 and closed within the body limit', async () => {
    const res = await exchange(
      port,
      'POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n',
    );
    expect(res.status).toBe(408);
    expect(res.text).toContain('Connection: close');
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.bodyMs - 50);
    expect(res.closedAfterMs).toBeLessThan(LIMITS.bodyMs + SLACK_MS);
  });

  it('a body nobody reads (answered at once) still cannot hold the connection open', async () => {
    const res = await exchange(port, 'POST /no/such/page HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n');
    expect(res.status).toBe(403); // refused (no CSRF token) without reading the body
    expect(res.closedAfterMs).toBeLessThan(LIMITS.bodyMs + SLACK_MS);
  });

  it('a form that arrives in time is answered as usual, over a kept-alive connection', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'email=a%40example.com&password=x',
      });
      expect(res.status).toBe(403); // no CSRF token: the body was read and judged
      await res.text();
    }
  });

  it('a slow but steady upload that outlasts the body limit (and several upload windows) is not cut', async () => {
    const { cookie, csrf } = await formSession();
    const { head, chunks } = multipart(cookie, csrf, 24, 512); // 512 bytes every 50 ms: 1.2 s in all
    const res = await exchange(port, head, chunks, 50);
    expect(res.closedAfterMs).toBeGreaterThan(LIMITS.bodyMs * 2);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/received \d{5}/);
  });

  it('an upload that stalls, or trickles slower than the minimum pace, is cut', async () => {
    const { cookie, csrf } = await formSession();
    const stalled = multipart(cookie, csrf, 2, 2048);
    const cut = await exchange(port, stalled.head, stalled.chunks.slice(0, 1), 10); // the rest never comes
    expect(cut.status).toBeUndefined();
    expect(cut.closedAfterMs).toBeLessThan(LIMITS.uploadWindowMs * 2 + SLACK_MS);

    const trickle = multipart(cookie, csrf, 100, 10); // 10 bytes every 50 ms: 80 bytes a window
    const trickled = await exchange(port, trickle.head, trickle.chunks, 50);
    expect(trickled.status).toBeUndefined();
    expect(trickled.closedAfterMs).toBeLessThan(LIMITS.uploadWindowMs * 2 + SLACK_MS);
  });
});
