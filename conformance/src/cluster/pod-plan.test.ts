import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import { parseManifests, type KubeObject } from '../manifests/yaml-docs.js';
import { endpointSliceFor } from './endpoint-slices.js';
import { backendOfPod, planPods, type KeyReader } from './pod-plan.js';

const base = parseManifests(await readFile(join(SUITE_DIR, 'base/manifests.yaml'), 'utf8'), 'base');
const get = (kind: string, ns: string, name: string) => base.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name)!;
/** Secrets and ConfigMaps as the generated resources provide them (content is what matters here). */
const readKey: KeyReader = (kind, ns, name, key) => `${kind}:${ns}/${name}:${key}`;

describe('planPods', () => {
  it('plans `replicas` HTTP pods named <deployment>-<hash>-<n> with the template labels', () => {
    const pods = planPods(get('Deployment', 'gateway-conformance-infra', 'infra-backend-v1'), readKey);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.name).toMatch(/^infra-backend-v1-[0-9a-f]{10}-\d$/);
      expect(backendOfPod(p.name)).toBe('infra-backend-v1');
      expect(p.labels).toEqual({ app: 'infra-backend-v1' });
      expect(p.containers).toEqual([{ container: 'infra-backend-v1', mode: 'http', httpPort: 3000, h2cPort: 3001, namedPorts: {} }]);
    }
    expect(new Set(pods.map((p) => p.name)).size).toBe(2);
  });

  it('serves HTTPS with the certificate files mounted from the Secret', () => {
    const [pod] = planPods(get('Deployment', 'gateway-conformance-infra', 'tls-backend'), readKey);
    expect(pod!.containers[0]).toMatchObject({
      mode: 'http',
      httpsPort: 8443,
      tls: { cert: 'Secret:gateway-conformance-infra/tls-checks-certificate:tls.crt', key: 'Secret:gateway-conformance-infra/tls-checks-certificate:tls.key' },
    });
    const [app] = planPods(get('Deployment', 'gateway-conformance-app-backend', 'tls-backend'), readKey);
    expect(app!.containers[0]!.tls!.cert).toBe('Secret:gateway-conformance-app-backend/tls-passthrough-checks-certificate:tls.crt');
  });

  it('follows the echo mode variables and runs CoreDNS in DNS mode', () => {
    expect(planPods(get('Deployment', 'gateway-conformance-infra', 'grpc-infra-backend-v1'), readKey)[0]!.containers[0]).toMatchObject({ mode: 'grpc', httpPort: 3000 });
    const tcp = planPods(get('Deployment', 'gateway-conformance-infra', 'tcp-backend'), readKey)[0]!.containers[0]!;
    expect(tcp).toMatchObject({ mode: 'tcp', tcpPort: 3000, tlsPort: 8443 });
    expect(tcp.tls!.cert).toBe('Secret:gateway-conformance-infra/tls-passthrough-checks-certificate:tls.crt');
    const dns = planPods(get('Deployment', 'gateway-conformance-infra', 'coredns'), readKey);
    expect(dns).toHaveLength(1);
    expect(dns[0]!.containers[0]).toMatchObject({ mode: 'dns', udpPort: 53 });
    expect(dns[0]!.labels).toEqual({ app: 'udp' });
  });

  it('maps TLS_CLIENT_CACERTS from a ConfigMap volume and reads SERVICE_NAME', async () => {
    const test = parseManifests(await readFile(join(SUITE_DIR, 'tests/manifests/gateway-tls-backend-client-certificate.yaml'), 'utf8'), 't');
    const d = test.find((o) => o.kind === 'Deployment')!;
    expect(planPods(d, readKey)[0]!.containers[0]!.tls!.clientCAs).toBe('ConfigMap:gateway-conformance-infra/tls-checks-ca-certificate:ca.crt');
    const udp = parseManifests(await readFile(join(SUITE_DIR, 'tests/manifests/udproute-weighted-routing.yaml'), 'utf8'), 'u').find((o) => o.kind === 'Deployment')!;
    expect(planPods(udp, readKey)[0]!.containers[0]).toMatchObject({ mode: 'udp', udpPort: 8080, serviceName: 'udp-backend-v1' });
  });

  it('fails clearly for a missing Secret or an image it cannot run', () => {
    const d = get('Deployment', 'gateway-conformance-infra', 'tls-backend');
    expect(() => planPods(d, () => undefined)).toThrow(/TLS_SERVER_CERT \/etc\/secret-volume\/crt is not a key of a mounted Secret or ConfigMap/);
    const other: KubeObject = { ...structuredClone(d), spec: { template: { spec: { containers: [{ name: 'x', image: 'nginx' }] } } } };
    expect(() => planPods(other, readKey)).toThrow(/runs nginx, which the runner cannot emulate/);
  });
});

describe('endpointSliceFor', () => {
  const running = (name: string, ns: string, ips: string[]) =>
    planPods(get('Deployment', ns, name), readKey).map((plan, i) => ({ plan, ip: ips[i]! }));

  it('names ports after the Service, numbers them by targetPort, one ready endpoint per selected pod', () => {
    const pods = [...running('infra-backend-v1', 'gateway-conformance-infra', ['127.1.0.1', '127.1.0.2']), ...running('infra-backend-v2', 'gateway-conformance-infra', ['127.1.0.3', '127.1.0.4'])];
    const slice = endpointSliceFor(get('Service', 'gateway-conformance-infra', 'infra-backend-v1'), pods)!;
    expect(slice.metadata.labels?.['kubernetes.io/service-name']).toBe('infra-backend-v1');
    expect(slice['addressType']).toBe('IPv4');
    expect(slice['ports']).toEqual([
      { name: 'first-port', port: 3000, protocol: 'TCP' },
      { name: 'second-port', port: 3001, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
      { name: 'third-port', port: 3000, protocol: 'TCP', appProtocol: 'kubernetes.io/ws' },
    ]);
    const eps = slice['endpoints'] as { addresses: string[]; conditions: { ready: boolean }; targetRef: { name: string } }[];
    expect(eps.map((e) => e.addresses[0]).sort()).toEqual(['127.1.0.1', '127.1.0.2']);
    expect(eps.every((e) => e.conditions.ready && e.targetRef.name.startsWith('infra-backend-v1-'))).toBe(true);
  });

  it('writes an unnamed port as "", UDP as UDP, and no slice for a Service without a selector', () => {
    const dns = endpointSliceFor(get('Service', 'gateway-conformance-infra', 'coredns'), running('coredns', 'gateway-conformance-infra', ['127.1.0.9']))!;
    expect(dns['ports']).toEqual([{ name: 'udp-dns', port: 53, protocol: 'UDP' }]);
    const v2 = endpointSliceFor(get('Service', 'gateway-conformance-infra', 'infra-backend-v2'), [])!;
    expect(v2['ports']).toEqual([{ name: '', port: 3000, protocol: 'TCP' }]);
    expect(v2['endpoints']).toEqual([]);
    const manual: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'm', namespace: 'n' }, spec: { ports: [{ port: 80 }] } };
    expect(endpointSliceFor(manual, [])).toBeUndefined();
  });
});
