/**
 * TLS, TCP and UDP routes through the whole system (`portway run --workers 2`):
 * - UDP: many flows under weighted backendRefs, each flow's datagrams read by both proxy worker
 *   processes (node:cluster shares the socket); every datagram of a flow reaches the same
 *   backend, also across a config swap and a weight change (for flows both workers hold); the
 *   split follows the weights, new flows the new ones;
 * - TLS passthrough: 10 MB each way intact, the client seeing the backend's own certificate;
 *   an SNI no route serves is refused during the handshake;
 * - TCP: a cross-namespace backendRef with its ReferenceGrant, attached by port.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned, type KeyPair } from './support/certs.js';
import { built, conditionsOf, freePort, GATEWAY_CLASS, PortwayRun, service, waitFor } from './support/portway-run.js';

const GW = '127.0.94.1';
const ADMIN = '127.0.94.254:19594';
const UDP_A = '127.0.94.11';
const UDP_B = '127.0.94.12';
const TLS_BE = '127.0.94.13';
const TCP_BE = '127.0.94.14';
const CLIENT = '127.0.94.20';
const TEN_MB = 10 * 1024 * 1024;

/** A UDP backend answering "<id>:<payload>", recording the source ports each flow's datagrams came from. */
async function udpBackend(id: string, address: string) {
  const socket = dgram.createSocket('udp4');
  const flows = new Map<string, Set<number>>();
  socket.on('message', (msg, rinfo) => {
    const flow = msg.toString().split('#')[0]!;
    if (!flows.has(flow)) flows.set(flow, new Set());
    flows.get(flow)!.add(rinfo.port);
    socket.send(`${id}:${msg.toString()}`, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, address, r));
  return { id, port: socket.address().port, flows, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

/** A UDP client flow: one socket (one source port), datagrams "<flow>#<n>", replies collected. */
async function udpFlow(flow: string, port: number) {
  const socket = dgram.createSocket('udp4');
  const replies: string[] = [];
  socket.on('message', (m) => replies.push(m.toString()));
  await new Promise<void>((r) => socket.bind(0, CLIENT, r));
  let n = 0;
  return {
    flow,
    replies,
    send: () => socket.send(`${flow}#${n++}`, port, GW),
    sent: () => n,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

describe.skipIf(!built)('TLS, TCP and UDP routes through portway run', () => {
  // UDP flows live until idle: a short drain keeps the shutdown at the end of the test short.
  const run = new PortwayRun({ admin: ADMIN, addressPool: GW, extraArgs: ['--drain-timeout-ms', '500'] });
  let udpA: Awaited<ReturnType<typeof udpBackend>>;
  let udpB: Awaited<ReturnType<typeof udpBackend>>;
  let tlsServer: tls.Server;
  let tcpServer: net.Server;
  let backendCert: KeyPair;
  let udpPort: number;
  let tlsPort: number;
  let tcpPort: number;
  const fromBackend = randomBytes(TEN_MB);
  const receivedDigests: string[] = [];

  const routes = (udpWeights: [number, number], tcpWeight: number) => `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: udp, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: udp}]
  rules: [{backendRefs: [{name: udp-a, port: 53, weight: ${udpWeights[0]}}, {name: udp-b, port: 53, weight: ${udpWeights[1]}}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: secure, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tls}]
  hostnames: [secure.example.com]
  rules: [{backendRefs: [{name: tls-backend, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: tcp, namespace: default}
spec:
  parentRefs: [{name: gw, port: ${tcpPort}}]
  rules: [{backendRefs: [{name: tcp-backend, namespace: backends, port: 7000, weight: ${tcpWeight}}]}]
`;

  /** The revision the data plane serves for the Gateway (from `/status` → `agent`). */
  const servedRevision = async () =>
    ((await run.status()).agent as { gateways: { gateway: string; revision: number }[] }).gateways.find((g) => g.gateway === 'default/gw')?.revision ?? 0;
  /** Rewrites the routes and waits until every worker serves the new revision. */
  const swap = async (yaml: string) => {
    const before = await servedRevision();
    run.write('routes.yaml', yaml);
    await waitFor('the new revision served', async () => ((await servedRevision()) > before ? true : undefined));
  };

  beforeAll(async () => {
    backendCert = selfSigned(['secure.example.com']);
    [udpA, udpB] = await Promise.all([udpBackend('a', UDP_A), udpBackend('b', UDP_B)]);
    // Sends 10 MB, and records the digest of everything it receives until the client's FIN.
    tlsServer = tls.createServer({ cert: backendCert.cert, key: backendCert.key, allowHalfOpen: true }, (s) => {
      const h = createHash('sha256');
      s.on('data', (c: Buffer) => h.update(c));
      s.on('end', () => receivedDigests.push(h.digest('hex')));
      s.on('error', () => undefined);
      s.end(fromBackend);
    });
    await new Promise<void>((r) => tlsServer.listen(0, TLS_BE, r));
    tcpServer = net.createServer((s) => s.end('tcp-backend says hi\n'));
    await new Promise<void>((r) => tcpServer.listen(0, TCP_BE, r));
    [udpPort, tlsPort, tcpPort] = await Promise.all([freePort(GW), freePort(GW), freePort(GW)]);
    run.write(
      'base.yaml',
      [
        GATEWAY_CLASS,
        `apiVersion: v1
kind: Namespace
metadata: {name: backends}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners:
  - {name: udp, port: ${udpPort}, protocol: UDP}
  - {name: tls, port: ${tlsPort}, protocol: TLS, hostname: "*.example.com", tls: {mode: Passthrough}}
  - {name: tcp, port: ${tcpPort}, protocol: TCP}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: tcp-from-default, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: default}]
  to: [{group: "", kind: Service}]
`,
        service('udp-a', { port: 53, targetPort: udpA.port, addresses: [UDP_A], protocol: 'UDP' }),
        service('udp-b', { port: 53, targetPort: udpB.port, addresses: [UDP_B], protocol: 'UDP' }),
        service('tls-backend', { port: 443, targetPort: (tlsServer.address() as net.AddressInfo).port, addresses: [TLS_BE] }),
        service('tcp-backend', { port: 7000, targetPort: (tcpServer.address() as net.AddressInfo).port, addresses: [TCP_BE], namespace: 'backends' }),
      ].join('---\n'),
    );
    run.write('routes.yaml', routes([3, 1], 1));
    await run.start();
    await run.waitCondition('Gateway', 'gw', 'Programmed', 'True');
  });

  afterAll(async () => {
    await run.stop();
    await Promise.all([udpA.close(), udpB.close()]);
    tlsServer.close();
    tcpServer.close();
  });

  it('keeps every datagram of a UDP flow on one backend, whichever worker reads it, across config swaps; flows split by weight', async () => {
    const flows = await Promise.all(Array.from({ length: 48 }, (_, i) => udpFlow(`flow-${i}`, udpPort)));
    try {
      const burst = async (rounds: number) => {
        for (let round = 0; round < rounds; round++) {
          for (const f of flows) f.send();
          await new Promise((r) => setTimeout(r, 40));
        }
      };
      await waitFor('every flow answered', async () => {
        await burst(1);
        return flows.every((f) => f.replies.length > 0) ? true : undefined;
      });
      await burst(8);
      // A config swap that leaves the UDPRoute as it is (the TCPRoute changes).
      await swap(routes([3, 1], 2));
      await burst(8);
      await new Promise((r) => setTimeout(r, 200));

      let onA = 0;
      let seenByBothWorkers = 0;
      for (const f of flows) {
        const backends = new Set(f.replies.map((r) => r.split(':')[0]));
        expect(backends.size, `${f.flow} reached ${[...backends].join(', ')}`).toBe(1);
        expect(f.replies.length).toBeGreaterThanOrEqual(f.sent() - 3); // loopback: next to no loss
        const backend = backends.has('a') ? udpA : udpB;
        if (backend === udpA) onA++;
        // Each worker keeps its own socket per flow toward the endpoint: two source ports = two workers.
        if ((backend.flows.get(f.flow)?.size ?? 0) >= 2) seenByBothWorkers++;
        expect((backend === udpA ? udpB : udpA).flows.has(f.flow)).toBe(false);
      }
      // 3:1 over 48 flows: 36 expected on a (sd 3).
      expect(onA).toBeGreaterThan(24);
      expect(onA).toBeLessThan(46);
      expect(seenByBothWorkers).toBeGreaterThan(0);

      // The weights change (3:1 → 1:3). A flow that both workers already hold keeps its backend
      // in both; new flows follow the new weights.
      const backendOf = (reply: string) => reply.split(':')[0]!;
      const heldByBoth = flows.filter((f) => ((backendOf(f.replies[0]!) === 'a' ? udpA : udpB).flows.get(f.flow)?.size ?? 0) >= 2);
      const repliesBefore = new Map(flows.map((f) => [f.flow, f.replies.length]));
      await swap(routes([1, 3], 2));
      await burst(8);
      await new Promise((r) => setTimeout(r, 200));
      for (const f of heldByBoth) {
        const after = f.replies.slice(repliesBefore.get(f.flow)).map(backendOf);
        expect(after.length).toBeGreaterThan(0);
        expect(new Set(after), `${f.flow} after the weight change`).toEqual(new Set([backendOf(f.replies[0]!)]));
      }
      const fresh = await Promise.all(Array.from({ length: 48 }, (_, i) => udpFlow(`fresh-${i}`, udpPort)));
      try {
        await waitFor('every new flow answered', async () => {
          for (const f of fresh) if (f.replies.length === 0) f.send();
          await new Promise((r) => setTimeout(r, 40));
          return fresh.every((f) => f.replies.length > 0) ? true : undefined;
        });
        const onB = fresh.filter((f) => backendOf(f.replies[0]!) === 'b').length;
        // 1:3 over 48 flows: 36 expected on b (sd 3).
        expect(onB).toBeGreaterThan(24);
      } finally {
        await Promise.all(fresh.map((f) => f.close()));
      }
    } finally {
      await Promise.all(flows.map((f) => f.close()));
    }
  });

  it('passes a TLS connection through by SNI: 10 MB each way intact, the backend’s own certificate', async () => {
    const fromClient = randomBytes(TEN_MB);
    const before = receivedDigests.length;
    const { digest, cn } = await new Promise<{ digest: string; cn: string }>((resolve, reject) => {
      const s = tls.connect({ host: GW, port: tlsPort, servername: 'secure.example.com', ca: backendCert.cert }, () => s.end(fromClient));
      const h = createHash('sha256');
      s.on('data', (c: Buffer) => h.update(c));
      s.on('end', () => resolve({ digest: h.digest('hex'), cn: String(s.getPeerCertificate().subject.CN) }));
      s.on('error', reject);
    });
    expect(cn).toBe('secure.example.com');
    expect(digest).toBe(createHash('sha256').update(fromBackend).digest('hex'));
    await waitFor('the backend digest', () => (receivedDigests.length > before ? true : undefined), 5000);
    expect(receivedDigests[before]).toBe(createHash('sha256').update(fromClient).digest('hex'));
  });

  it('refuses an SNI that no TLSRoute serves, during the handshake', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: GW, port: tlsPort, servername: 'unknown.example.com', rejectUnauthorized: false });
      s.on('secureConnect', () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.on('close', () => resolve('closed'));
    });
    expect(outcome).not.toBe('connected');
  });

  it('forwards TCP to a backend in another namespace that a ReferenceGrant allows, attached by port', async () => {
    expect(conditionsOf(await run.object('TCPRoute', 'tcp')).map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    const line = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: GW, port: tcpPort });
      let data = '';
      s.on('data', (c: Buffer) => (data += c.toString()));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(line).toBe('tcp-backend says hi\n');
    expect(run.stderr).not.toMatch(/"level":(50|60)/);
  });
});
