/**
 * Session persistence and weight changes: a config swap that moves all weight to another
 * backend leaves existing sessions on their endpoint while it is ready, and sends new sessions
 * by the new weights. Reordering the backendRefs keeps sessions too (tokens name the backend,
 * not its position). A session whose endpoint is no longer ready moves, by the weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { gateway, httpListener, vhost } from './support/config.js';

const GW = '127.0.54.1';
const BE = '127.0.54.2';

describe('session persistence across weight changes', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let a1: TestBackend;
  let a2: TestBackend;
  let b1: TestBackend;
  let port: number;
  let generation = 0;

  /** The same rule (same id) with the given weights, order and readiness of a1. */
  const apply = async (weights: { a: number; b: number }, o: { bFirst?: boolean; a1Ready?: boolean } = {}) => {
    const refs: HttpRule['backends'] = [
      { backend: 'A', weight: weights.a },
      { backend: 'B', weight: weights.b },
    ];
    if (o.bFirst) refs.reverse();
    const rule: HttpRule = {
      id: 'HTTPRoute/test/sticky/0',
      route: { kind: 'HTTPRoute', namespace: 'test', name: 'sticky', rule: 0 },
      filters: [],
      backends: refs,
      sessionPersistence: { type: 'Cookie', name: 'sid', cookieLifetime: 'Session' },
    };
    const cfg = gateway('sessions', GW, [{ port, listeners: [httpListener('test/sessions/http', [vhost('*', [rule])])] }], [
      {
        id: 'A',
        protocol: 'HTTP1',
        endpoints: [
          { address: BE, port: a1.port, ready: o.a1Ready ?? true },
          { address: BE, port: a2.port, ready: true },
        ],
      },
      { id: 'B', protocol: 'HTTP1', endpoints: [{ address: BE, port: b1.port, ready: true }] },
    ], ++generation);
    expect((await proxy.apply([cfg])).gateways['test/sessions']!.ok).toBe(true);
  };

  const call = async (cookie?: string) => {
    const r = await get(GW, port, { path: '/', ...(cookie ? { headers: { cookie } } : {}) });
    const set = r.headers['set-cookie']?.[0]?.split(';')[0];
    return { id: r.json<{ id: string }>().id, cookie: set ?? cookie! };
  };

  beforeAll(async () => {
    [a1, a2, b1] = await Promise.all(['a1', 'a2', 'b1'].map((id) => startBackend({ id, address: BE })));
    port = await freePort(GW);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([a1, a2, b1].map((b) => b.close()));
  });

  it('keeps existing sessions on their endpoint and sends new ones by the new weights', async () => {
    await apply({ a: 1, b: 0 });
    const sessions = await Promise.all(Array.from({ length: 10 }, () => call()));
    expect(new Set(sessions.map((s) => s.id))).toEqual(new Set(['a1', 'a2']));

    // All weight moves to B.
    await apply({ a: 0, b: 1 });
    for (const s of sessions) {
      for (let i = 0; i < 3; i++) expect((await call(s.cookie)).id).toBe(s.id);
    }
    const fresh = await Promise.all(Array.from({ length: 10 }, () => call()));
    expect(fresh.every((s) => s.id === 'b1')).toBe(true);
    for (const s of fresh) expect((await call(s.cookie)).id).toBe('b1');

    // Reordered backendRefs (B first): sessions stay where they are.
    await apply({ a: 0, b: 1 }, { bFirst: true });
    for (const s of [...sessions, ...fresh]) expect((await call(s.cookie)).id).toBe(s.id);

    // a1 is no longer ready: its sessions move (by the weights: to B), a2's stay.
    await apply({ a: 0, b: 1 }, { a1Ready: false });
    for (const s of sessions) {
      const now = await call(s.cookie);
      expect(now.id).toBe(s.id === 'a1' ? 'b1' : 'a2');
    }
  });
});
