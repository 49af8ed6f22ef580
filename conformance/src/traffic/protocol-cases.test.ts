import { createServer as createTcpServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEnvWith, gatewayStatus } from '../../test/helpers/case-env.js';
import { realStartEcho, testPki, type TestPki } from '../../test/helpers/echo.js';
import type { EchoHandle } from '../cluster/echo-contract.js';
import type { GrpcCase, TcpEchoCase, UdpEchoCase, WeightedCase, WebsocketCase } from '../suite/types.js';
import { compareGrpc, runGrpcCase } from './grpc-case.js';
import { callGrpcEcho } from './grpc-client.js';
import { runTcpEcho, runTcpEchoRepeat, tcpEchoExchange, tlsHandshakeOutcome } from './tcp-cases.js';
import { runDnsQuery, runUdpEcho } from './udp-cases.js';
import { runWebsocketCase } from './websocket-case.js';
import { checkDistribution, runWeightedCase } from './weighted-case.js';

const ns = 'gateway-conformance-infra';
const gwRef = { namespace: ns, name: 'gw' };
let pki: TestPki;
const servers: EchoHandle[] = [];
const echo = async (o: Parameters<typeof realStartEcho>[0]) => {
  const s = await realStartEcho(o);
  servers.push(s);
  return s;
};
let tcp: EchoHandle;
let udp: EchoHandle;
let grpcV1: EchoHandle;
let http: EchoHandle;
let dns: EchoHandle;

beforeAll(async () => {
  pki = await testPki();
  tcp = await echo({ host: '127.1.204.1', mode: 'tcp', tcpPort: 0, tlsPort: 0, tls: pki.checks, podName: 'tcp-backend-abc-0', namespace: ns });
  udp = await echo({ host: '127.1.204.2', mode: 'udp', udpPort: 0, podName: 'udp-backend-v1-abc-0', namespace: ns, serviceName: 'udp-backend-v1' });
  grpcV1 = await echo({ host: '127.1.204.3', mode: 'grpc', httpPort: 0, podName: 'grpc-infra-backend-v1-abc-0', namespace: ns });
  http = await echo({ host: '127.1.204.4', mode: 'http', httpPort: 0, h2cPort: 0, podName: 'infra-backend-v1-abc-0', namespace: ns });
  dns = await echo({ host: '127.1.204.5', mode: 'dns', udpPort: 0 });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const target = (listener: string) => ({ gateway: gwRef, scheme: 'tcp', portSource: 'listener', listener });

describe('TCP echo cases', () => {
  it('plays the TCP echo protocol in clear and over TLS', async () => {
    const plain = await tcpEchoExchange('127.1.204.1', tcp.ports['tcp']!, 2000, undefined, false);
    expect(plain).toMatchObject({ pod: 'tcp-backend-abc-0', namespace: ns, isTLS: false });
    const tls = await tcpEchoExchange('127.1.204.1', tcp.ports['tls']!, 2000, { serverName: 'abc.example.com', ca: [pki.caC] }, true);
    expect(tls.tls?.serverName).toBe('abc.example.com');
    await expect(tcpEchoExchange('127.1.204.1', tcp.ports['tcp']!, 2000, undefined, true)).rejects.toThrow(/IS_TLS answered false, expected true/);
  });

  it('runs tcpEcho and tcpEchoRepeat cases through the Gateway address', async () => {
    const { env, stop } = await caseEnvWith({
      objects: [gatewayStatus('gw', '127.1.204.1', [{ name: 'tcp', port: tcp.ports['tcp']! }, { name: 'tls', port: tcp.ports['tls']! }])],
      keys: { [`ConfigMap/${ns}/tls-checks-ca-certificate/ca.crt`]: pki.caC },
    });
    try {
      const c: TcpEchoCase = { kind: 'tcpEcho', step: 0, index: 0, target: target('tls'), useTLS: true, tls: { serverName: 'abc.example.com', trustedCA: { kind: 'ConfigMap', namespace: ns, name: 'tls-checks-ca-certificate', key: 'ca.crt' } }, expected: { backendIsTLS: true, backend: 'tcp-backend', namespace: ns, hostname: 'abc.example.com' } };
      expect(await runTcpEcho(c, env, {})).toEqual({ ok: true });
      // Content assertions are final on the first complete exchange (and non-fatal).
      expect(await runTcpEcho({ ...c, expected: { ...c.expected, backend: 'tcp-other' } }, env, {})).toMatchObject({ ok: false, fatal: false, why: 'expected pod to start with tcp-other-, got tcp-backend-abc-0' });
      expect(await runTcpEchoRepeat({ kind: 'tcpEchoRepeat', step: 0, index: 1, target: target('tcp'), iterations: 5, expectPodPrefix: 'tcp-backend-', forbidPodPrefix: 'tcp-other-' }, env, {})).toEqual({ ok: true });
      expect((await runTcpEchoRepeat({ kind: 'tcpEchoRepeat', step: 0, index: 1, target: target('tcp'), iterations: 5, forbidPodPrefix: 'tcp-backend-' }, env, {})).why).toMatch(/sample 1: pod tcp-backend-abc-0 starts with tcp-backend-/);
    } finally {
      await stop();
    }
  });

  it('tells a reset handshake from a completed or refused one', async () => {
    const closer: Server = createTcpServer((s) => s.destroy());
    await new Promise<void>((r) => closer.listen(0, '127.1.204.6', r));
    const tlsServer = createTlsServer({ cert: pki.checks.cert, key: pki.checks.key }, (s) => s.end());
    await new Promise<void>((r) => tlsServer.listen(0, '127.1.204.6', r));
    try {
      expect((await tlsHandshakeOutcome('127.1.204.6', (closer.address() as AddressInfo).port, 'example.com', 2000)).rejected).toBe(true);
      const completed = await tlsHandshakeOutcome('127.1.204.6', (tlsServer.address() as AddressInfo).port, 'example.com', 2000);
      expect(completed.rejected).toBe(false);
      expect((await tlsHandshakeOutcome('127.1.204.7', 9, 'example.com', 2000)).rejected).toBe(false);
    } finally {
      closer.close();
      tlsServer.close();
    }
  });
});

describe('UDP and DNS cases', () => {
  it('matches the UDP echo envelope (service and namespace), or any reply when both are empty', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.2', [{ name: 'udp', port: udp.ports['udp']! }])], scale: 0.05 });
    try {
      const c: UdpEchoCase = { kind: 'udpEcho', step: 0, index: 0, target: { ...target('udp'), scheme: 'udp' }, timeoutSeconds: 60, payload: 'gateway-api-conformance-udp-echo', expected: { service: 'udp-backend-v1', namespace: ns } };
      expect(await runUdpEcho(c, env, {})).toEqual({ ok: true });
      expect(await runUdpEcho({ ...c, expected: { service: '', namespace: '' } }, env, {})).toEqual({ ok: true });
      expect((await runUdpEcho({ ...c, expected: { service: 'other', namespace: ns } }, env, {})).why).toMatch(/expected service other, got udp-backend-v1/);
      expect(await runUdpEcho({ ...c, kind: 'udpEchoRepeat', iterations: 3, expectPodPrefix: 'udp-backend-v1-' }, env, {})).toEqual({ ok: true });
    } finally {
      await stop();
    }
  });

  it('passes a dnsQuery on any DNS answer and fails without one', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.5', [{ name: 'dns', port: dns.ports['udp'] ?? dns.ports['dns']! }])], scale: 0.05 });
    try {
      expect(await runDnsQuery({ kind: 'dnsQuery', step: 0, index: 0, target: { ...target('dns'), scheme: 'udp' }, query: { name: 'foo.bar.com.', type: 'A' } }, env, {})).toEqual({ ok: true });
    } finally {
      await stop();
    }
    const silent = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.9', [{ name: 'dns', port: 53 }])], scale: 0.05 });
    try {
      expect((await runDnsQuery({ kind: 'dnsQuery', step: 0, index: 0, target: { ...target('dns'), scheme: 'udp' } }, silent.env, {})).ok).toBe(false);
    } finally {
      await silent.stop();
    }
  });
});

describe('gRPC, WebSocket and weighted cases', () => {
  it('calls grpcecho and compares code, method, namespace and pod', async () => {
    const echoCall = await callGrpcEcho({ address: `127.1.204.3:${grpcV1.ports['grpc']}`, fullMethod: '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo', metadata: { Version: 'one' }, deadlineMs: 5000 });
    expect(echoCall.code).toBe(0);
    expect(echoCall.response?.assertions?.headers).toContainEqual({ key: 'version', value: 'one' });
    const c: GrpcCase = { kind: 'grpc', step: 0, index: 0, request: { fullMethod: '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo' }, response: { code: 'OK', codeNumber: 0 }, backend: 'grpc-infra-backend-v1', namespace: ns, target: { gateway: gwRef, scheme: 'grpc', portSource: 'firstListener' } };
    expect(compareGrpc(c, echoCall)).toBeUndefined();
    expect(compareGrpc({ ...c, backend: 'grpc-infra-backend-v2' }, echoCall)).toMatch(/expected pod to start with grpc-infra-backend-v2/);
    const three = await callGrpcEcho({ address: `127.1.204.3:${grpcV1.ports['grpc']}`, fullMethod: '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoThree', deadlineMs: 5000 });
    expect(three.code).toBe(12);
    const { env, stop } = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.3', [{ name: 'grpc', port: grpcV1.ports['grpc']! }])] });
    try {
      expect(await runGrpcCase(c, env, {})).toEqual({ ok: true });
    } finally {
      await stop();
    }
  });

  it('echoes WebSocket messages back byte for byte', async () => {
    const { env, stop } = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.4', [{ name: 'http', port: http.ports['http']! }])] });
    try {
      const c: WebsocketCase = {
        kind: 'websocket',
        step: 0,
        index: 0,
        name: 'websocket connection should reach backend',
        target: { gateway: gwRef, scheme: 'ws', portSource: 'firstListener' },
        url: 'ws://<gwAddr>/ws',
        exchanges: [
          { send: { frame: 'text', data: 'Websocket Support!' }, expectReply: { data: 'Websocket Support!' } },
          { send: { frame: 'binary', dataBytes: [1, 2, 3, 4, 5, 6, 7] }, expectReply: { dataBytes: [1, 2, 3, 4, 5, 6, 7] } },
        ],
      };
      expect(await runWebsocketCase(c, env, {}, 'HTTPRouteBackendProtocolWebSocket')).toEqual({ ok: true });
    } finally {
      await stop();
    }
  });

  it('judges a distribution by backend share within tolerance', () => {
    const weights = { a: 0.7, b: 0.3, c: 0 };
    expect(checkDistribution(new Map([['a', 350], ['b', 150]]), 500, weights, 0.05)).toBeUndefined();
    expect(checkDistribution(new Map([['a', 300], ['b', 200]]), 500, weights, 0.05)).toMatch(/backend a got 60.0%/);
    expect(checkDistribution(new Map([['a', 350], ['b', 149], ['c', 1]]), 500, weights, 0.05)).toMatch(/3 backends answered/);
    expect(checkDistribution(new Map([['a', 350], ['x', 150]]), 500, weights, 0.05)).toMatch(/backend x answered but is not one of/);
  });

  it('runs an httpWeighted case against one backend', async () => {
    const { env, traces, stop } = await caseEnvWith({ objects: [gatewayStatus('gw', '127.1.204.4', [{ name: 'http', port: http.ports['http']! }])] });
    try {
      const c: WeightedCase = { kind: 'httpWeighted', step: 0, index: 0, target: { gateway: gwRef, scheme: 'http', portSource: 'firstListener' }, request: { path: '/', method: 'GET' }, perRequestExpectation: { response: { statusCodes: [200] }, namespace: ns }, expectedWeights: { 'infra-backend-v1': 1 }, totalRequests: 50, concurrency: 10, tolerance: 0.05, maxAttempts: 2 };
      expect(await runWeightedCase(c, env, {})).toMatchObject({ ok: true, attempts: 1 });
      expect(traces[0]).toMatchObject({ distribution: { 'infra-backend-v1': 50 } });
      expect((await runWeightedCase({ ...c, expectedWeights: { 'infra-backend-v1': 0.5, 'infra-backend-v2': 0.5 } }, env, {})).ok).toBe(false);
    } finally {
      await stop();
    }
  });
});
