/**
 * Applies that share most of their (frozen) IR with the one before: what did not change keeps
 * serving as it did, what changed is served at once, and a change that does not validate is
 * refused while the previous config keeps serving, even though the rest of it is reused.
 */
import { deepFreeze, type GatewayConfig, type VirtualHost } from '@portway/ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.23.1';
const BE = '127.0.23.2';

describe('apply of a config sharing most of its parts with the previous one', () => {
  const proxy = new Proxy({ drainTimeoutMs: 1000 });
  let a: TestBackend;
  let b: TestBackend;

  beforeAll(async () => {
    a = await startBackend({ id: 'a', address: BE });
    b = await startBackend({ id: 'b', address: BE });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  const host = (h: number, path: string, backend: string): VirtualHost => deepFreeze(vhost(`h${h}.test`, [rule([{ backend, weight: 1 }])], [prefix(path, 0)]));
  const withHosts = (base: GatewayConfig, hosts: VirtualHost[], generation: number): GatewayConfig =>
    deepFreeze({ ...base, gateway: { ...base.gateway, generation }, ports: [{ ...base.ports[0]!, listeners: [httpListener('test/inc/http', hosts)] }] });
  const hostsOf = (c: GatewayConfig): VirtualHost[] => (c.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts;
  const status = async (port: number, h: number, path: string) => {
    const r = await get(GW, port, { host: `h${h}.test`, path });
    return r.status === 200 ? (r.json() as { id: string }).id : r.status;
  };

  it('serves an edited virtual host at once and the others as before; refuses an invalid edit and keeps the last good config', async () => {
    const port = await freePort(GW);
    const hosts = Array.from({ length: 20 }, (_, h) => host(h, `/p${h}`, 'a'));
    const v1 = deepFreeze(gateway('inc', GW, [{ port, listeners: [httpListener('test/inc/http', hosts)] }], [backendOf('a', [a]), backendOf('b', [b])]));
    expect((await proxy.apply([v1])).gateways['test/inc']!.ok).toBe(true);
    expect(await status(port, 7, '/p7')).toBe('a');

    // Host 7 moves to /q7 on backend b; the backends table is the same object.
    const v2 = withHosts(v1, hosts.map((v, h) => (h === 7 ? host(7, '/q7', 'b') : v)), 2);
    expect((await proxy.apply([v2])).gateways['test/inc']!.ok).toBe(true);
    expect(await status(port, 7, '/q7')).toBe('b');
    expect(await status(port, 7, '/p7')).toBe(404);
    expect(await status(port, 6, '/p6')).toBe('a');

    // The same config again: still served (not compiled again, nothing to refuse).
    expect((await proxy.apply([v2])).gateways['test/inc']).toMatchObject({ ok: true, errors: [] });
    expect(await status(port, 7, '/q7')).toBe('b');

    // Host 3 refers to a backend that does not exist: refused, v2 keeps serving, host 3 included.
    const v3 = withHosts(v2, hostsOf(v2).map((v, h) => (h === 3 ? host(3, '/q3', 'missing') : v)), 3);
    const refused = (await proxy.apply([v3])).gateways['test/inc']!;
    expect(refused.ok).toBe(false);
    expect(refused.errors).toContainEqual({ reason: 'Invalid', message: '/ports/0/listeners/0/virtualHosts/3/rules/0/backends/0/backend: unknown backend "missing"' });
    expect(await status(port, 3, '/p3')).toBe('a');
    expect(await status(port, 3, '/q3')).toBe(404);
    expect(await status(port, 7, '/q7')).toBe('b');

    // An invalid regular expression in a changed virtual host is refused the same way.
    const badRegex = deepFreeze(vhost('h4.test', [rule([{ backend: 'a', weight: 1 }])], [{ rule: 0, path: { type: 'RegularExpression', value: '/(' } }]));
    const v4 = withHosts(v2, hostsOf(v2).map((v, h) => (h === 4 ? badRegex : v)), 4);
    const refused4 = (await proxy.apply([v4])).gateways['test/inc']!;
    expect(refused4.ok).toBe(false);
    expect(refused4.errors[0]!.message).toMatch(/^\/ports\/0\/listeners\/0\/virtualHosts\/4\/matches\/0: invalid regular expression/);
    expect(await status(port, 4, '/p4')).toBe('a');

    // After the refusals, a valid edit applies on top of v2.
    const v5 = withHosts(v2, hostsOf(v2).map((v, h) => (h === 3 ? host(3, '/r3', 'b') : v)), 5);
    expect((await proxy.apply([v5])).gateways['test/inc']!.ok).toBe(true);
    expect(await status(port, 3, '/r3')).toBe('b');
    expect(await status(port, 7, '/q7')).toBe('b');
    expect(await status(port, 0, '/p0')).toBe('a');
    await proxy.apply([]);
  });
});
