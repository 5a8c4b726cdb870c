import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createShutdown } from '../../src/lifecycle.ts';
import { silentLogger } from '../setup/app.ts';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: new http.Agent({ keepAlive: true }) }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function listen(slowMs: number) {
  const app = express();
  app.get('/slow', async (_req, res) => {
    await new Promise((r) => setTimeout(r, slowMs));
    res.send('finished');
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('graceful shutdown', () => {
  it('finishes requests in flight, refuses new ones, then runs the closing steps in order', async () => {
    const { server, port } = await listen(300);
    const steps: string[] = [];
    const shutdown = createShutdown({
      server,
      graceMs: 5_000,
      logger: silentLogger,
      after: [async () => void steps.push('cron stopped'), async () => void steps.push('database closed')],
    });
    const inFlight = get(port, '/slow');
    await new Promise((r) => setTimeout(r, 50));
    const stopped = shutdown();
    expect(shutdown()).toBe(stopped);
    expect(steps).toEqual([]);
    await expect(get(port, '/slow')).rejects.toThrow(/ECONNREFUSED/);
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await stopped;
    expect(steps).toEqual(['cron stopped', 'database closed']);
  });

  it('cuts requests that outlive the grace period, and still closes everything', async () => {
    const { server, port } = await listen(10_000);
    let closed = false;
    const shutdown = createShutdown({ server, graceMs: 200, logger: silentLogger, after: [async () => void (closed = true)] });
    const hung = get(port, '/slow').catch((error: Error) => error);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await hung).toBeInstanceOf(Error);
    expect(closed).toBe(true);
  });
});
