import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.60.1';
const BE = '127.0.60.2';

describe('timeouts, retries, retry budget, session persistence', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let slow: TestBackend;
  let flaky: TestBackend;
  let always503: TestBackend;
  let budgeted: TestBackend;
  let s1: TestBackend;
  let s2: TestBackend;
  let port: number;
  let deadPort: number;
  let flakyFailures = 0;
  let rules: [string, HttpRule][];
  const build = (generation: number, readyS2 = true) =>
    gateway(
      'resilience',
      GW,
      [{ port, listeners: [httpListener('test/resilience/http', [vhost('*', rules.map(([, r]) => r), rules.map(([p], i) => prefix(p, i)))])] }],
      [
        backendOf('slow', [slow]),
        backendOf('flaky', [flaky]),
        backendOf('always503', [always503]),
        backendOf('budgeted', [budgeted], { retryBudget: { percent: 0, intervalMs: 60_000, minRetries: 1, minRetryIntervalMs: 60_000 } }),
        {
          id: 'half-dead',
          protocol: 'HTTP1',
          endpoints: [
            { address: BE, port: deadPort, ready: true },
            { address: s1.address, port: s1.port, ready: true },
          ],
        },
        {
          id: 'outliers',
          protocol: 'HTTP1',
          healthCheck: { passive: { consecutiveErrors: 2, baseEjectionMs: 60_000, maxEjectionPercent: 50 } },
          endpoints: [
            { address: always503.address, port: always503.port, ready: true },
            { address: s1.address, port: s1.port, ready: true },
          ],
        },
        {
          id: 'sticky',
          protocol: 'HTTP1',
          endpoints: [
            { address: s1.address, port: s1.port, ready: true },
            { address: s2.address, port: s2.port, ready: readyS2 },
          ],
        },
      ],
      generation,
    );

  beforeAll(async () => {
    [slow, flaky, always503, budgeted, s1, s2] = await Promise.all(
      ['slow', 'flaky', 'always503', 'budgeted', 's1', 's2'].map((id) => startBackend({ id, address: BE })),
    );
    slow.behave = (req, res) => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? '0');
      setTimeout(() => res.end('slow-done'), delay).unref();
      return true;
    };
    flaky.behave = (_req, res) => {
      if (flakyFailures > 0) {
        flakyFailures--;
        res.writeHead(503);
        res.end('try again');
        return true;
      }
      return false;
    };
    for (const b of [always503, budgeted]) {
      b.behave = (_req, res) => {
        res.writeHead(503);
        res.end('no');
        return true;
      };
    }
    port = await freePort(GW);
    deadPort = await freePort(BE);
    const retry = { codes: [503], attempts: 2 };
    rules = [
      ['/hang', rule([{ backend: 'slow', weight: 1 }])],
      ['/request-timeout', rule([{ backend: 'slow', weight: 1 }], { timeouts: { requestMs: 300 } })],
      ['/backend-timeout', rule([{ backend: 'slow', weight: 1 }], { timeouts: { backendRequestMs: 200 } })],
      ['/retry', rule([{ backend: 'flaky', weight: 1 }], { retry })],
      ['/retry-exhausted', rule([{ backend: 'always503', weight: 1 }], { retry })],
      ['/retry-deadline', rule([{ backend: 'always503', weight: 1 }], { retry: { codes: [503], attempts: 50, backoffMs: 100 }, timeouts: { requestMs: 450 } })],
      ['/budget', rule([{ backend: 'budgeted', weight: 1 }], { retry: { codes: [503], attempts: 3 } })],
      ['/connect-retry', rule([{ backend: 'half-dead', weight: 1 }], { retry: { codes: [], attempts: 1 } })],
      ['/cookie', rule([{ backend: 'sticky', weight: 1 }], { sessionPersistence: { type: 'Cookie', name: 'pw-session', cookieLifetime: 'Permanent', absoluteTimeoutMs: 60_000 } })],
      ['/header', rule([{ backend: 'sticky', weight: 1 }], { sessionPersistence: { type: 'Header', name: 'X-Session', idleTimeoutMs: 60_000 } })],
      ['/no-session', rule([{ backend: 'sticky', weight: 1 }])],
      ['/outliers', rule([{ backend: 'outliers', weight: 1 }])],
    ];
    expect((await proxy.apply([build(1)])).gateways['test/resilience']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([slow, flaky, always503, budgeted, s1, s2].map((b) => b.close()));
  });

  it('answers 504 when the whole request exceeds requestMs', async () => {
    const t0 = Date.now();
    const r = await get(GW, port, { path: '/request-timeout?delay=2000' });
    expect(r.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await get(GW, port, { path: '/request-timeout?delay=10' })).body).toBe('slow-done');
  });

  it('cancels the backend request when the client goes away', async () => {
    let backendClosed = false;
    const prev = slow.behave;
    slow.behave = (_req, res) => {
      res.on('close', () => (backendClosed = true));
      return true; // never answers
    };
    const sock = net.connect({ host: GW, port });
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /hang HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    sock.destroy();
    for (let i = 0; i < 50 && !backendClosed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(backendClosed).toBe(true);
    slow.behave = prev;
  });

  it('answers 504 when one backend try exceeds backendRequestMs', async () => {
    const r = await get(GW, port, { path: '/backend-timeout?delay=2000' });
    expect(r.status).toBe(504);
  });

  it('retries listed status codes and resends small bodies', async () => {
    flakyFailures = 2;
    const before = flaky.seen.length;
    const r = await get(GW, port, { path: '/retry', method: 'POST', body: 'resend-me' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ body: 'resend-me' });
    expect(flaky.seen.length - before).toBe(3);
    expect(flaky.seen.slice(before).map((s) => s.body)).toEqual(['resend-me', 'resend-me', 'resend-me']);
  });

  it('returns the last response when retries are exhausted', async () => {
    const before = always503.seen.length;
    const r = await get(GW, port, { path: '/retry-exhausted' });
    expect(r.status).toBe(503);
    expect(always503.seen.length - before).toBe(3);
  });

  it('bounds retries by requestMs', async () => {
    const t0 = Date.now();
    const r = await get(GW, port, { path: '/retry-deadline' });
    expect(r.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('caps retries with the backend retry budget', async () => {
    const before = budgeted.seen.length;
    await get(GW, port, { path: '/budget' }); // first try + the one retry minRetries allows
    await get(GW, port, { path: '/budget' }); // budget exhausted: no retry
    expect(budgeted.seen.length - before).toBe(3);
  });

  it('retries connection errors on another endpoint', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await get(GW, port, { path: '/connect-retry' });
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ id: 's1' });
    }
  });

  it('ejects an endpoint that keeps failing (passive health checking)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(GW, port, { path: '/outliers' })).status);
    // Round-robin sends every other request to the failing endpoint until its second error
    // ejects it; after that everything goes to the healthy one.
    expect(statuses.filter((s) => s === 503).length).toBe(2);
    expect(statuses.slice(4)).toEqual(new Array(8).fill(200));
  });

  it('without persistence, alternates endpoints (round-robin)', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) ids.add((await get(GW, port, { path: '/no-session' })).json<{ id: string }>().id);
    expect(ids).toEqual(new Set(['s1', 's2']));
  });

  it('keeps a session on one endpoint with a cookie, and falls back on a bad cookie', async () => {
    const first = await get(GW, port, { path: '/cookie' });
    const setCookie = first.headers['set-cookie']![0]!;
    expect(setCookie).toMatch(/^pw-session=[^;]+; Path=\/; HttpOnly; Max-Age=60$/);
    const cookie = setCookie.split(';')[0]!;
    const id = first.json<{ id: string }>().id;
    for (let i = 0; i < 6; i++) {
      const r = await get(GW, port, { path: '/cookie', headers: { cookie: `other=1; ${cookie}` } });
      expect(r.json()).toMatchObject({ id });
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    const forged = await get(GW, port, { path: '/cookie', headers: { cookie: `${cookie.slice(0, -3)}abc` } });
    expect(forged.status).toBe(200);
    expect(forged.headers['set-cookie']).toBeDefined();
  });

  it('keeps a session with a header token, refreshed on each response for idle timeouts', async () => {
    const first = await get(GW, port, { path: '/header' });
    const token = first.headers['x-session'] as string;
    expect(token).toBeTruthy();
    const id = first.json<{ id: string }>().id;
    for (let i = 0; i < 4; i++) {
      const r = await get(GW, port, { path: '/header', headers: { 'x-session': token } });
      expect(r.json()).toMatchObject({ id });
      expect(r.headers['x-session']).toBeDefined();
    }
  });

  it('moves a session whose endpoint is no longer ready', async () => {
    let cookie = '';
    for (let i = 0; i < 4 && cookie === ''; i++) {
      const r = await get(GW, port, { path: '/cookie' });
      if (r.json<{ id: string }>().id === 's2') cookie = r.headers['set-cookie']![0]!.split(';')[0]!;
    }
    expect(cookie).not.toBe('');
    await proxy.apply([build(2, false)]);
    const r = await get(GW, port, { path: '/cookie', headers: { cookie } });
    expect(r.json()).toMatchObject({ id: 's1' });
    expect(r.headers['set-cookie']).toBeDefined();
    await proxy.apply([build(3, true)]);
  });
});
