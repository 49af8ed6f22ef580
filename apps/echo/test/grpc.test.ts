import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcEchoClientConstructor, GRPC_ECHO_SERVICE } from '../src/grpc/proto.js';
import type { EchoResponseMessage } from '../src/grpc/echo-service.js';
import { startEcho, EchoOptionsError, type EchoServer } from '../src/index.js';
import { makeTestPki, type TestPki } from './support/certs.js';

type Unary = (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: EchoResponseMessage) => void) => void;

function call(client: grpc.Client, method: 'Echo' | 'EchoTwo' | 'EchoThree', md = new grpc.Metadata()): Promise<EchoResponseMessage> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
    fn({}, md, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

describe('gRPC mode', () => {
  let pki: TestPki;
  let server: EchoServer;
  const logs: string[] = [];
  const Client = grpcEchoClientConstructor();

  beforeAll(async () => {
    pki = await makeTestPki();
    server = await startEcho({
      host: '127.0.0.1',
      mode: 'grpc',
      httpPort: 0,
      httpsPort: 0,
      tls: { cert: pki.server.cert, key: pki.server.key },
      podName: 'grpc-infra-backend-v1-a-b',
      namespace: 'gateway-conformance-infra',
      serviceName: 'grpc-infra-backend-v1',
      log: (l) => logs.push(l),
    });
  });
  afterAll(async () => server?.close());

  it('binds the plaintext and TLS listeners and says so', () => {
    expect(Object.keys(server.ports).sort()).toEqual(['grpc', 'grpcTls']);
    expect(logs).toContain(`plaintext server listening at 127.0.0.1:${server.ports.grpc}`);
    expect(logs).toContain(`secure server listening at 127.0.0.1:${server.ports.grpcTls}`);
  });

  it('Echo reports the method, the metadata as headers, the authority and the context', async () => {
    const client = new Client(`127.0.0.1:${server.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.add('x-foo', 'bar');
      md.add('x-bin', Buffer.from([1, 2, 3]));
      const res = await call(client, 'Echo', md);
      expect(res.assertions.fully_qualified_method).toBe(`/${GRPC_ECHO_SERVICE}/Echo`);
      expect(res.assertions.authority).toBe(`127.0.0.1:${server.ports.grpc}`);
      expect(res.assertions.context).toEqual({
        namespace: 'gateway-conformance-infra',
        ingress: '',
        service_name: 'grpc-infra-backend-v1',
        pod: 'grpc-infra-backend-v1-a-b',
      });
      expect(res.assertions.headers).toContainEqual({ key: ':authority', value: `127.0.0.1:${server.ports.grpc}` });
      expect(res.assertions.headers).toContainEqual({ key: 'x-foo', value: 'bar' });
      expect(res.assertions.headers).toContainEqual({ key: 'x-bin', value: '\u0001\u0002\u0003' });
      expect(res.assertions.headers.some((h) => h.key === 'user-agent' && h.value.startsWith('grpc-node-js/'))).toBe(true);
      expect(res.assertions.tls_assertions).toBeFalsy();
      expect(logs).toContain('Received over plaintext: ');
    } finally {
      client.close();
    }
  });

  it('EchoTwo answers the same way at its own method; EchoThree is UNIMPLEMENTED', async () => {
    const client = new Client(`127.0.0.1:${server.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      expect((await call(client, 'EchoTwo')).assertions.fully_qualified_method).toBe(`/${GRPC_ECHO_SERVICE}/EchoTwo`);
      const err = (await call(client, 'EchoThree').catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(err.details).toBe('method EchoThree not implemented');
    } finally {
      client.close();
    }
  });

  it('over TLS reports the TLS assertions (h2, SNI, TLS 1.3, no client certificates)', async () => {
    const client = new Client(`127.0.0.1:${server.ports.grpcTls}`, grpc.credentials.createSsl(Buffer.from(pki.ca.cert)), {
      'grpc.ssl_target_name_override': 'abc.example.com',
      'grpc.default_authority': 'abc.example.com',
    });
    try {
      const res = await call(client, 'Echo');
      const { peer_certificates: peers, ...rest } = res.assertions.tls_assertions!;
      expect(rest).toEqual({
        version: 'TLSv1.3',
        negotiated_protocol: 'h2',
        server_name: 'abc.example.com',
        cipher_suite: expect.stringMatching(/^TLS_/) as unknown,
      });
      // An empty repeated field is not on the wire; the client leaves it out.
      expect(peers ?? []).toEqual([]);
      expect(res.assertions.authority).toBe('abc.example.com');
      expect(logs).toContain('Received over TLS: ');
    } finally {
      client.close();
    }
  });

  it('rejects client CAs, which upstream does not use in this mode', async () => {
    await expect(
      startEcho({ host: '127.0.0.1', mode: 'grpc', httpPort: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCAs: pki.ca.cert } }),
    ).rejects.toThrow(EchoOptionsError);
  });
});
