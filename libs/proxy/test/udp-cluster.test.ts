/**
 * UDP flows with two real worker processes (node:cluster): the workers share the listener
 * socket, so each datagram of a flow may be read by either of them. Every datagram of a flow
 * must still reach the same backend; the test also checks that both workers did handle
 * datagrams of the same flows (each worker talks to the backend from its own socket, so a
 * backend that sees one flow from two source ports saw both workers).
 */
import cluster, { type Worker } from 'node:cluster';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult } from '../src/index.js';
import { gateway } from './support/config.js';
import { startUdpEcho, type UdpEcho } from './support/l4-backends.js';
import { UdpClient } from './support/l4-client.js';
import { l4Backend, l4Route, udpListener } from './support/l4-config.js';

const GW = '127.0.43.1';
const BE = '127.0.43.2';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type FromWorker = { type: 'ready' | 'applied' | 'failed'; pid: number; result?: ApplyResult; message?: string };

function nextMessage(w: Worker, type: FromWorker['type']): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type === 'failed') reject(new Error(m.message));
      if (m.type !== type) return;
      w.off('message', onMessage);
      resolve(m);
    };
    w.on('message', onMessage);
    w.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
  });
}

async function applyAll(workers: Worker[], configs: GatewayConfig[]): Promise<ApplyResult[]> {
  const answers = workers.map((w) => nextMessage(w, 'applied'));
  for (const w of workers) w.send({ type: 'apply', configs });
  return (await Promise.all(answers)).map((m) => m.result!);
}

describe('UDP flows with two worker processes', () => {
  const workers: Worker[] = [];
  let backends: UdpEcho[] = [];
  let port = 0;

  beforeAll(async () => {
    backends = await Promise.all(['v1', 'v2', 'v3'].map((id) => startUdpEcho(id, BE)));
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, GW, r));
    port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./support/cluster-worker.ts', import.meta.url)),
      execArgv: ['--import', 'tsx', '--conditions=@portway/source'],
      cwd: REPO_ROOT,
      silent: false,
    });
    for (let i = 0; i < 2; i++) {
      const w = cluster.fork();
      workers.push(w);
    }
    await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const timer = setTimeout(() => w.kill(), 5000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.send({ type: 'close' });
          }),
      ),
    );
    await Promise.all(backends.map((b) => b.close()));
  });

  it('sends every datagram of a flow to the same backend, whichever worker reads it', async () => {
    const cfg = gateway(
      'cluster',
      GW,
      [{ port, listeners: [udpListener('test/cluster/udp', [l4Route('UDPRoute', [], [{ backend: 'v1', weight: 3 }, { backend: 'v2', weight: 1 }, { backend: 'v3', weight: 0 }])])] }],
      backends.map((b) => l4Backend(b.id, [b])),
    );
    const results = await applyAll(workers, [cfg]);
    for (const r of results) expect(r.gateways['test/cluster']).toMatchObject({ ok: true, listenersBound: ['test/cluster/udp'], errors: [] });

    const flows = 60;
    const rounds = 12;
    const clients = Array.from({ length: flows }, () => new UdpClient(GW, port));
    const backendOf = new Map<number, string>();
    for (let round = 0; round < rounds; round++) {
      if (round === rounds / 2) {
        // An unrelated change (another gateway) reaches both workers mid-flow.
        const other = gateway('other', GW, [{ port: port + 1 > 65535 ? port - 1 : port + 1, listeners: [udpListener('test/other/udp', [])] }], [], 1);
        await applyAll(workers, [{ ...cfg, gateway: { ...cfg.gateway, generation: 2 } }, other]);
      }
      // Every flow sends at once: the shared socket hands the burst to both workers.
      const replies = await Promise.all(clients.map((c, i) => c.send(`flow-${i}`, 2000)));
      replies.forEach((r, i) => {
        expect(r, `flow ${i} round ${round}`).not.toBeNull();
        if (!backendOf.has(i)) backendOf.set(i, r!.id);
        expect(r!.id, `flow ${i} round ${round}`).toBe(backendOf.get(i));
      });
    }
    for (const c of clients) c.close();

    // Both weighted backends got flows, the zero-weight one none.
    const perBackend = new Map<string, number>();
    for (const id of backendOf.values()) perBackend.set(id, (perBackend.get(id) ?? 0) + 1);
    expect(perBackend.get('v3')).toBeUndefined();
    expect(perBackend.get('v1')! + perBackend.get('v2')!).toBe(flows);
    expect(perBackend.get('v2')).toBeGreaterThan(3);
    expect(perBackend.get('v1')).toBeGreaterThan(perBackend.get('v2')!);

    // Each flow's datagrams reached exactly one backend...
    for (let i = 0; i < flows; i++) {
      const seenBy = backends.filter((b) => b.sources.has(`flow-${i}`)).map((b) => b.id);
      expect(seenBy, `flow ${i}`).toEqual([backendOf.get(i)]);
    }
    // ...and both workers carried datagrams of the same flows (two source ports at the backend).
    const split = [...Array(flows).keys()].filter((i) => {
      const b = backends.find((x) => x.id === backendOf.get(i))!;
      return b.sources.get(`flow-${i}`)!.size >= 2;
    });
    expect(split.length).toBeGreaterThan(0);
  }, 60_000);
});
