/**
 * Retries under an outage, and retries under a request timeout. A backend that fails every
 * request is driven with traffic and its attempts are counted: without a budget every request
 * costs 1 + attempts tries; with an XBackendTrafficPolicy retry budget the retries stay within
 * the budget (percent of the requests in the interval, plus the minimum rate), and a request
 * whose retry the budget refuses gets 503 from the gateway, as the spec asks. A request timeout
 * bounds all tries of a request together: no try starts after it.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.53.1';
const BE = '127.0.53.2';

describe('retry budgets cap retries during an outage; request timeouts bound every retry', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let down: TestBackend;
  let downBudgeted: TestBackend;
  let slow: TestBackend;
  let port: number;
  let refusedAttempts = 0;
  let refusing: net.Server;

  beforeAll(async () => {
    [down, downBudgeted, slow] = await Promise.all(['down', 'down-budgeted', 'slow'].map((id) => startBackend({ id, address: BE })));
    for (const b of [down, downBudgeted]) {
      b.behave = (_req, res) => {
        res.writeHead(500);
        res.end('outage');
        return true;
      };
    }
    slow.behave = (_req, res) => {
      setTimeout(() => res.end('late'), 150).unref();
      return true;
    };
    // Accepts and resets at once: a connection error on every try (counted here).
    refusing = net.createServer((s) => {
      refusedAttempts++;
      s.resetAndDestroy();
    });
    await new Promise<void>((r) => refusing.listen(0, BE, r));
    port = await freePort(GW);
    const retry = { codes: [500], attempts: 3 };
    const budget = { percent: 20, intervalMs: 10_000, minRetries: 3, minRetryIntervalMs: 10_000 };
    const rules: [string, HttpRule][] = [
      ['/no-budget', rule([{ backend: 'down', weight: 1 }], { retry })],
      ['/budget', rule([{ backend: 'down-budgeted', weight: 1 }], { retry })],
      ['/budget-connect', rule([{ backend: 'refusing', weight: 1 }], { retry })],
      ['/deadline', rule([{ backend: 'slow', weight: 1 }], { retry: { codes: [504], attempts: 10, backoffMs: 20 }, timeouts: { requestMs: 400, backendRequestMs: 100 } })],
    ];
    const cfg = gateway(
      'budget',
      GW,
      [{ port, listeners: [httpListener('test/budget/http', [vhost('*', rules.map(([, r]) => r), rules.map(([p], i) => prefix(p, i)))])] }],
      [
        backendOf('down', [down]),
        backendOf('down-budgeted', [downBudgeted], { retryBudget: budget }),
        { id: 'refusing', protocol: 'HTTP1', retryBudget: budget, endpoints: [{ address: BE, port: (refusing.address() as net.AddressInfo).port, ready: true }] },
        backendOf('slow', [slow]),
      ],
    );
    expect((await proxy.apply([cfg])).gateways['test/budget']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    refusing.close();
    await Promise.all([down, downBudgeted, slow].map((b) => b.close()));
  });

  const drive = async (path: string, n: number) => {
    const statuses: number[] = [];
    // 10 clients at a time, as traffic arrives during an outage.
    for (let i = 0; i < n; i += 10) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => get(GW, port, { path }).then((r) => r.status)))));
    }
    return statuses;
  };

  it('without a budget, each failing request costs 1 + attempts tries', async () => {
    const statuses = await drive('/no-budget', 100);
    expect(statuses.every((s) => s === 500)).toBe(true);
    expect(down.seen.length).toBe(400);
  });

  it('with a budget, retries stay within percent × requests + the minimum rate, and refused retries get 503', async () => {
    const statuses = await drive('/budget', 100);
    const attempts = downBudgeted.seen.length;
    // 100 first tries; retries: 3 (minimum rate) + 20 % of the requests counted so far.
    expect(attempts).toBeGreaterThanOrEqual(100 + 3);
    expect(attempts).toBeLessThanOrEqual(100 + 3 + 20);
    // Requests whose retries ran out answer the backend's 500; those the budget stopped, 503.
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(70);
    expect(statuses.every((s) => s === 500 || s === 503)).toBe(true);
  });

  it('budgets retries after connection errors too', async () => {
    const statuses = await drive('/budget-connect', 50);
    expect(refusedAttempts).toBeLessThanOrEqual(50 + 3 + 10);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(30);
    expect(statuses.every((s) => s === 502 || s === 503)).toBe(true);
  });

  it('stops retrying when the request timeout fires: the timeout bounds all tries together', async () => {
    const t0 = Date.now();
    const r = await get(GW, port, { path: '/deadline' });
    const took = Date.now() - t0;
    expect(r.status).toBe(504);
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(1000);
    // Each try lasts 100 ms (backendRequestMs) + 20 ms backoff: 3 or 4 tries fit in 400 ms.
    const tries = slow.seen.length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(4);
    await new Promise((res) => setTimeout(res, 300));
    expect(slow.seen.length).toBe(tries);
  });
});
