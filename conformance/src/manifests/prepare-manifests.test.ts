import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import { prepareManifests, type ManifestContext } from './prepare-manifests.js';
import { parseManifests } from './yaml-docs.js';

const ctx: ManifestContext = { gatewayClassName: 'portway', controllerName: 'portway.dev/gateway-controller', usableAddresses: ['127.0.100.254'], unusableAddresses: ['192.0.2.1'] };
const load = async (f: string) => parseManifests(await readFile(join(SUITE_DIR, f), 'utf8'), f);

describe('prepareManifests', () => {
  it('sets the class under test on every Gateway of the base manifests', async () => {
    const base = await load('base/manifests.yaml');
    const out = prepareManifests(base, ctx);
    const gateways = out.filter((o) => o.kind === 'Gateway');
    expect(gateways.length).toBe(4);
    for (const g of gateways) expect((g['spec'] as { gatewayClassName: string }).gatewayClassName).toBe('portway');
    // The input is not modified.
    expect((base.find((o) => o.kind === 'Gateway')!['spec'] as { gatewayClassName: string }).gatewayClassName).toBe('{GATEWAY_CLASS_NAME}');
  });

  it('sets the controller name of test GatewayClasses', async () => {
    const out = prepareManifests(await load('tests/manifests/gatewayclass-observed-generation-bump.yaml'), ctx);
    const gc = out.find((o) => o.kind === 'GatewayClass')!;
    expect((gc['spec'] as { controllerName: string }).controllerName).toBe('portway.dev/gateway-controller');
  });

  it('replaces the address placeholders: kept entries, then unusable, then usable', async () => {
    const out = prepareManifests(await load('tests/manifests/gateway-static-addresses.yaml'), ctx);
    const gw = out.find((o) => o.kind === 'Gateway')!;
    expect((gw['spec'] as { addresses: unknown[] }).addresses).toEqual([
      { type: 'test/fake-invalid-type', value: 'fake address teehee!' },
      { type: 'IPAddress', value: '192.0.2.1' },
      { type: 'IPAddress', value: '127.0.100.254' },
    ]);
  });

  it('adds configured labels and annotations to Namespaces only', async () => {
    const out = prepareManifests(await load('base/manifests.yaml'), { ...ctx, namespaceLabels: { a: 'b' }, namespaceAnnotations: { c: 'd' } });
    const ns = out.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels).toMatchObject({ 'gateway-conformance': 'infra', a: 'b' });
    expect(ns.metadata.annotations).toEqual({ c: 'd' });
    expect(out.find((o) => o.kind === 'Service')!.metadata.labels?.['a']).toBeUndefined();
  });

  it('reports a malformed YAML document with its source', () => {
    expect(() => parseManifests('kind: Service\n', 'x.yaml')).toThrow(/x.yaml: YAML document 1 is not a Kubernetes object/);
    expect(() => parseManifests('a: [\n', 'y.yaml')).toThrow(/y.yaml: YAML document 1/);
  });
});
