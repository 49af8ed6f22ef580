import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import type { KubeObject } from '../manifests/yaml-docs.js';
import { loadSuite } from '../suite/load-suite.js';
import { applyChange, contains, type ChangeContext } from './apply-change.js';
import { parseChange } from './change-language.js';

const suite = await loadSuite(SUITE_DIR);

const ctx = (): ChangeContext => ({
  originals: new Map(),
  readOther: (kind, ns, name, path) => (kind === 'ConfigMap' && name === 'tls-checks-ca-certificate' && ns === 'gateway-conformance-infra' && path.join('.') === 'data.ca.crt' ? 'CA PEM' : undefined),
  usableAddresses: ['127.0.100.254'],
  unusableAddresses: ['192.0.2.1'],
});

describe('parseChange', () => {
  it('reads every patch of the suite', () => {
    const patches = suite.tests.flatMap((t) => (t.actions ?? []).filter((a) => a.action === 'patch'));
    expect(patches.length).toBeGreaterThan(5);
    for (const p of patches) expect(() => parseChange(String(p['change'])), String(p['change'])).not.toThrow();
  });

  it('rejects prose it cannot read', () => {
    expect(() => parseChange('make it better')).toThrow(/cannot interpret the change/);
  });
});

describe('applyChange', () => {
  it('sets YAML flow values and ignores the remark after them; restores the original', () => {
    const policy: KubeObject = { kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'n' }, spec: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'a' }], hostname: 'abc' } } };
    const c = ctx();
    applyChange(policy, parseChange('spec.validation.caCertificateRefs = [{group: "", kind: ConfigMap, name: tls-checks-ca-certificate-reconcile-test}] (ConfigMap does not exist yet); remember the original caCertificateRefs'), c);
    expect((policy['spec'] as { validation: { caCertificateRefs: unknown } }).validation.caCertificateRefs).toEqual([{ group: '', kind: 'ConfigMap', name: 'tls-checks-ca-certificate-reconcile-test' }]);
    applyChange(policy, parseChange('spec.validation.hostname = "foo.example.com"'), c);
    expect((policy['spec'] as { validation: { hostname: string } }).validation.hostname).toBe('foo.example.com');
    applyChange(policy, parseChange('restore the original spec.validation.caCertificateRefs'), c);
    expect((policy['spec'] as { validation: { caCertificateRefs: unknown } }).validation.caCertificateRefs).toEqual([{ group: '', kind: 'ConfigMap', name: 'a' }]);
  });

  it('brings back <original ...> values and copies other objects', () => {
    const cm: KubeObject = { kind: 'ConfigMap', metadata: { name: 'x', namespace: 'gateway-conformance-infra' }, data: { 'ca.crt': 'CA PEM' } };
    const c = ctx();
    applyChange(cm, parseChange('data["ca.crt"] = ""'), c);
    expect(cm['data']).toEqual({ 'ca.crt': '' });
    applyChange(cm, parseChange('data["ca.crt"] = <original CA PEM>'), c);
    expect(cm['data']).toEqual({ 'ca.crt': 'CA PEM' });
    applyChange(cm, parseChange('data["other"] = <copy of data["ca.crt"] of ConfigMap gateway-conformance-infra/tls-checks-ca-certificate>'), c);
    expect((cm['data'] as Record<string, string>)['other']).toBe('CA PEM');
  });

  it('appends, keeps and removes list entries', () => {
    const gw: KubeObject = {
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'n' },
      spec: {
        listeners: [{ name: 'https', port: 443 }, { name: 'http', port: 80 }],
        addresses: [{ type: 'test/fake-invalid-type', value: 'fake address teehee!' }, { type: 'IPAddress', value: '192.0.2.1' }, { type: 'IPAddress', value: '127.0.100.254' }],
      },
    };
    const c = ctx();
    applyChange(gw, parseChange('append to spec.listeners: {name: alternate, hostname: foo.com, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}'), c);
    expect((gw['spec'] as { listeners: { name: string }[] }).listeners.map((l) => l.name)).toEqual(['https', 'http', 'alternate']);
    applyChange(gw, parseChange('keep only the listener named "http" in spec.listeners (remove the other)'), c);
    expect((gw['spec'] as { listeners: unknown[] }).listeners).toEqual([{ name: 'http', port: 80 }]);
    applyChange(gw, parseChange('remove spec.addresses entries whose value equals the invalid address value ("fake address teehee!")'), c);
    applyChange(gw, parseChange('remove spec.addresses entries whose value equals the unusable address value'), c);
    expect((gw['spec'] as { addresses: unknown[] }).addresses).toEqual([{ type: 'IPAddress', value: '127.0.100.254' }]);
  });
});

describe('contains', () => {
  it('allows extra keys and absent empty values, compares lists by length', () => {
    expect(contains({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
    expect(contains({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(contains({}, { hostnames: [] })).toBe(true);
    expect(contains({ a: 'x' }, { a: 'y' })).toBe(false);
  });
});
