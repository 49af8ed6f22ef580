/**
 * GRPCRoute through the whole system (`portway run --workers 2`): HTTP/1.1 and gRPC over h2c
 * with prior knowledge on one HTTP port, gRPC over HTTPS with ALPN h2, service/method matching
 * (Exact and RegularExpression) with the spec's precedence, header modifiers, the gRPC statuses
 * the gateway itself answers (UNIMPLEMENTED, UNAVAILABLE), server and client streaming without
 * buffering, and a bidirectional stream that lives through a config swap which moves the route
 * to another backend; header matching, a response header modifier, a mirror, and weights.
 */
import http from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '@portway/echo';
import { selfSigned, tlsSecret, type KeyPair } from './support/certs.js';
import { connect, GrpcCall, startStreamServer, type StreamServer } from './support/grpc-wire.js';
import { built, freePort, GATEWAY_CLASS, PortwayRun, service, waitFor } from './support/portway-run.js';

const GW = '127.0.91.1';
const ADMIN = '127.0.91.254:19591';
const ECHO_A = '127.0.91.11';
const ECHO_B = '127.0.91.12';
const WEB = '127.0.91.13';
const STREAM_1 = '127.0.91.14';
const STREAM_2 = '127.0.91.15';
const CATCH = '127.0.91.16';
const DEAD = '127.0.91.17';
const ECHO_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

const streamRoute = (backend: string, tag: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: default, creationTimestamp: "2025-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: ${ECHO_SERVICE}, method: Echo}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-from-gateway, value: "yes"}]}}]
    backendRefs: [{name: echo-a, port: 9000}]
  - matches: [{method: {type: RegularExpression, service: "test\\\\.Str.*", method: "Chat|Count|Sum"}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-config, value: ${tag}}]}}]
    backendRefs: [{name: ${backend}, port: 9000}]
  - matches: [{method: {service: test.Dead}}]
    backendRefs: [{name: dead, port: 9000}]
  - matches: [{method: {service: test.Tenant}, headers: [{name: x-tenant, value: blue}]}]
    filters:
    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: x-served-by, value: tenant-rule}]}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: catch, port: 9000}}}
    backendRefs: [{name: stream-1, port: 9000}]
  - matches: [{method: {service: test.Tenant}}]
    backendRefs: [{name: stream-2, port: 9000}]
  - matches: [{method: {service: test.Weighted}}]
    backendRefs: [{name: stream-1, port: 9000, weight: 1}, {name: stream-2, port: 9000, weight: 1}]
`;

describe.skipIf(!built)('gRPC through portway run', () => {
  const run = new PortwayRun({ admin: ADMIN, addressPool: GW });
  let echoA: EchoServer;
  let echoB: EchoServer;
  let web: EchoServer;
  let s1: StreamServer;
  let s2: StreamServer;
  let catchAll: StreamServer;
  let pair: KeyPair;
  let httpPort: number;
  let httpsPort: number;
  const sessions: ClientHttp2Session[] = [];

  const h2c = async () => {
    const s = await connect(`http://${GW}:${httpPort}`);
    sessions.push(s);
    return s;
  };
  const unary = async (path: string, session?: ClientHttp2Session) =>
    new GrpcCall(session ?? (await h2c()), path, { authority: 'grpc.example.com', send: [''] }).done;

  beforeAll(async () => {
    pair = selfSigned(['grpc.example.com', '*.example.com']);
    [echoA, echoB, web] = await Promise.all([
      startEcho({ host: ECHO_A, mode: 'grpc', httpPort: 3000, podName: 'echo-a-pod', namespace: 'default', log: () => {} }),
      startEcho({ host: ECHO_B, mode: 'grpc', httpPort: 3000, podName: 'echo-b-pod', namespace: 'default', log: () => {} }),
      startEcho({ host: WEB, httpPort: 3000, h2cPort: null, podName: 'web-pod', namespace: 'default', log: () => {} }),
    ]);
    [s1, s2, catchAll] = await Promise.all([startStreamServer('stream-1', STREAM_1), startStreamServer('stream-2', STREAM_2), startStreamServer('catch', CATCH)]);
    httpPort = await freePort(GW);
    httpsPort = await freePort(GW);
    run.write(
      'base.yaml',
      [
        GATEWAY_CLASS,
        `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners:
  - {name: http, port: ${httpPort}, protocol: HTTP}
  - {name: https, port: ${httpsPort}, protocol: HTTPS, hostname: "*.example.com", tls: {certificateRefs: [{name: grpc-cert}]}}
`,
        tlsSecret('grpc-cert', pair),
        service('echo-a', { port: 9000, targetPort: 3000, addresses: [ECHO_A] }),
        service('echo-b', { port: 9000, targetPort: 3000, addresses: [ECHO_B] }),
        service('web', { port: 80, targetPort: 3000, addresses: [WEB] }),
        service('stream-1', { port: 9000, targetPort: s1.port, addresses: [STREAM_1] }),
        service('stream-2', { port: 9000, targetPort: s2.port, addresses: [STREAM_2] }),
        service('catch', { port: 9000, targetPort: catchAll.port, addresses: [CATCH] }),
        service('dead', { port: 9000, targetPort: 3000, addresses: [DEAD], notReady: [DEAD] }),
        `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [web.example.com]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
        // Older, but it only constrains the method: the newer route's service+method match wins.
        `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: method-only, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {method: Echo}}]
    backendRefs: [{name: catch, port: 9000}]
`,
      ].join('---\n'),
    );
    run.write('echo.yaml', streamRoute('stream-1', 'one'));
    await run.start();
    await run.waitCondition('Gateway', 'gw', 'Programmed', 'True');
    await waitFor('the gRPC route served', async () => ((await unary(`/${ECHO_SERVICE}/Echo`)).grpcStatus === 0 ? true : undefined));
  });

  afterAll(async () => {
    for (const s of sessions) s.destroy();
    await run.stop();
    await Promise.all([echoA, echoB, web].map((e) => e.close()));
    await Promise.all([s1, s2, catchAll].map((s) => s.close()));
  });

  it('serves HTTP/1.1 and gRPC over h2c (prior knowledge) on the same port', async () => {
    const h1 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: GW, port: httpPort, path: '/hello', headers: { host: 'web.example.com' }, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    expect(h1.status).toBe(200);
    expect(JSON.parse(h1.body)).toMatchObject({ pod: 'web-pod', path: '/hello' });

    const r = await unary(`/${ECHO_SERVICE}/Echo`);
    expect([r.httpStatus, r.grpcStatus]).toEqual([200, 0]);
    const reply = r.messages[0]!.toString();
    // Service + method beat the older method-only route; the rule's header modifier reached the backend.
    expect(reply).toContain('echo-a-pod');
    expect(reply).toContain(`/${ECHO_SERVICE}/Echo`);
    expect(reply).toContain('x-from-gateway');
  });

  it('serves gRPC on the HTTPS listener over ALPN h2', async () => {
    const session = await connect(`https://${GW}:${httpsPort}`, { ca: pair.cert, servername: 'grpc.example.com' });
    sessions.push(session);
    expect((session.socket as unknown as { alpnProtocol: string }).alpnProtocol).toBe('h2');
    const r = await unary(`/${ECHO_SERVICE}/Echo`, session);
    expect(r.grpcStatus).toBe(0);
    expect(r.messages[0]!.toString()).toContain('echo-a-pod');
  });

  it('routes by method alone where no service is given, and answers gRPC statuses itself', async () => {
    const viaMethod = await unary('/other.Service/Echo');
    // The catch backend answered (it knows no such service): the method-only rule matched.
    expect(catchAll.calls.map((c) => c.path)).toContain('/other.Service/Echo');
    expect(viaMethod.grpcStatus).toBe(12);

    const before = catchAll.calls.length;
    const noRoute = await unary('/nothing.Here/Nope');
    expect(noRoute).toMatchObject({ httpStatus: 200, grpcStatus: 12 }); // UNIMPLEMENTED
    expect(noRoute.headers['content-type']).toBe('application/grpc');
    expect(noRoute.headers['grpc-status']).toBe('12'); // trailers-only
    expect(catchAll.calls.length).toBe(before);

    const noEndpoint = await unary('/test.Dead/Anything');
    expect(noEndpoint).toMatchObject({ httpStatus: 200, grpcStatus: 14 }); // UNAVAILABLE
  });

  it('matches headers, modifies response headers, mirrors, and splits by weight', async () => {
    const tenant = async (headers: Record<string, string>) =>
      new GrpcCall(await h2c(), '/test.Tenant/Chat', { authority: 'grpc.example.com', headers, send: ['hi'] }).done;
    const blue = await tenant({ 'x-tenant': 'blue' });
    expect(blue.messages.map(String)).toEqual(['stream-1:hi']);
    expect(blue.headers['x-served-by']).toBe('tenant-rule');
    const red = await tenant({ 'x-tenant': 'red' });
    expect(red.messages.map(String)).toEqual(['stream-2:hi']);
    expect(red.headers['x-served-by']).toBeUndefined();
    // The mirror got its copy of the matching call, message included.
    const copy = await waitFor('the mirrored call', () => catchAll.calls.find((c) => c.path === '/test.Tenant/Chat'), 3000);
    expect(copy.headers['x-tenant']).toBe('blue');
    await waitFor('the mirrored message', () => (copy.received.length === 1 ? true : undefined), 3000);
    expect(copy.received[0]!.message).toBe('hi');

    const answers = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const r = await new GrpcCall(await h2c(), '/test.Weighted/Chat', { authority: 'grpc.example.com', send: ['w'] }).done;
      answers.add(r.messages[0]!.toString());
    }
    expect([...answers].sort()).toEqual(['stream-1:w', 'stream-2:w']);
  });

  it('streams server messages as they come (no buffering of the response stream)', async () => {
    const t0 = Date.now();
    const call = new GrpcCall(await h2c(), '/test.Stream/Count', { authority: 'grpc.example.com', send: ['5,150'] });
    const r = await call.done;
    expect(r.grpcStatus).toBe(0);
    expect(r.messages.map(String)).toEqual(['stream-1:0', 'stream-1:1', 'stream-1:2', 'stream-1:3', 'stream-1:4']);
    // The first message arrived about 150 ms in, long before the last (about 750 ms).
    expect(call.arrivals[0]! - t0).toBeLessThan(450);
    expect(call.arrivals[4]! - call.arrivals[0]!).toBeGreaterThanOrEqual(450);
  });

  it('streams client messages as they come (the backend reads one before the client sends the next)', async () => {
    const call = new GrpcCall(await h2c(), '/test.Stream/Sum', { authority: 'grpc.example.com', keepOpen: true });
    call.write('1');
    const backendCall = await waitFor('the backend to read the first message', () => {
      const c = s1.calls.find((x) => x.path === '/test.Stream/Sum' && x.received.length === 1);
      return c;
    }, 3000);
    call.write('2');
    call.end();
    const r = await call.done;
    expect(r.grpcStatus).toBe(0);
    expect(r.messages.map(String)).toEqual(['stream-1:2']);
    expect(backendCall.headers['x-config']).toBe('one');
  });

  it('keeps a bidirectional stream through a config swap that moves the route to another backend', async () => {
    const chat = new GrpcCall(await h2c(), '/test.Stream/Chat', { authority: 'grpc.example.com', keepOpen: true });
    for (const m of ['a', 'b', 'c']) {
      chat.write(m);
      expect(await chat.next()).toBe(`stream-1:${m}`);
    }

    run.write('echo.yaml', streamRoute('stream-2', 'two'));
    // New calls follow the new config in both workers (fresh connections alternate between them).
    await waitFor('new streams on stream-2', async () => {
      for (let i = 0; i < 12; i++) {
        const c = new GrpcCall(await h2c(), '/test.Stream/Chat', { authority: 'grpc.example.com', send: ['probe'] });
        const r = await c.done;
        if (r.messages[0]?.toString() !== 'stream-2:probe') return undefined;
      }
      return true;
    });
    expect(s2.calls.at(-1)!.headers['x-config']).toBe('two');

    // The stream opened before the swap still talks to stream-1, both ways, and ends cleanly.
    for (const m of ['d', 'e', 'f']) {
      chat.write(m);
      expect(await chat.next()).toBe(`stream-1:${m}`);
    }
    chat.end();
    const r = await chat.done;
    expect(r.grpcStatus).toBe(0);
    const before = s1.calls.find((c) => c.path === '/test.Stream/Chat' && c.received.length === 6)!;
    expect(before.received.map((x) => x.message)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(run.stderr).not.toMatch(/"level":(50|60)/);
  });
});
