/**
 * Core kinds (Service, EndpointSlice, Secret, ConfigMap, Namespace) and metadata, checked the way
 * the API server checks the fields Portway reads.
 */
import { describe, expect, it } from 'vitest';
import { admit } from '../src/admit.js';
import { check, VALID } from './cases.js';
import { service, slice, secret, configMap, namespace, meta } from './tables/core.js';

describe('Service', () => it.each(service)('$name', (c) => check('Service', c)));
describe('EndpointSlice', () => it.each(slice)('$name', (c) => check('EndpointSlice', c)));
describe('Secret', () => it.each(secret)('$name', (c) => check('Secret', c)));
describe('ConfigMap', () => it.each(configMap)('$name', (c) => check('ConfigMap', c)));
describe('Namespace', () => it.each(namespace)('$name', (c) => check('Namespace', c)));
describe('metadata (HTTPRoute)', () => it.each(meta)('$name', (c) => check('HTTPRoute', c)));

describe('admission around the kinds', () => {
  it('unknown fields are pruned and reported as warnings, or errors when Strict', () => {
    const o = VALID.HTTPRoute();
    o.spec.rules[0].colour = 'blue';
    o.metadata.extra = 1;
    const warn = admit(o);
    expect(warn.ok).toBe(true);
    if (warn.ok) {
      expect((warn.object as any).spec.rules[0]).not.toHaveProperty('colour');
      expect(warn.object.metadata).not.toHaveProperty('extra');
    }
    expect(warn.warnings.map((w) => w.path).sort()).toEqual(['metadata.extra', 'spec.rules[0].colour']);
    const strict = admit(o, { fieldValidation: 'Strict' });
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.errors.map((e) => e.message)).toContain('strict decoding error: unknown field "spec.rules[0].colour"');
    expect(admit(o, { fieldValidation: 'Ignore' }).warnings).toEqual([]);
  });

  it('an unknown kind or version is an error naming it', () => {
    const bad = admit({ apiVersion: 'gateway.networking.k8s.io/v9', kind: 'HTTPRoute', metadata: { name: 'a', namespace: 'b' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors[0]!.path).toBe('apiVersion');
      expect(bad.errors[0]!.message).toContain('"gateway.networking.k8s.io/v9"');
      expect(bad.errors[0]!.message).toContain('"gateway.networking.k8s.io/v1beta1"');
    }
    const unknown = admit({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.errors[0]).toMatchObject({ path: 'kind', message: expect.stringContaining('Deployment') });
  });

  it('HTTPRoute is accepted at v1 and v1beta1, Gateway at v1 and v1beta1', () => {
    for (const v of ['v1', 'v1beta1']) {
      expect(admit({ ...VALID.HTTPRoute(), apiVersion: `gateway.networking.k8s.io/${v}` }).ok).toBe(true);
      expect(admit({ ...VALID.Gateway(), apiVersion: `gateway.networking.k8s.io/${v}` }).ok).toBe(true);
    }
  });

  it('status is dropped by default (then defaulted, as on create) and validated when kept', () => {
    const o = { ...VALID.Gateway(), status: { addresses: [{ type: 'Hostname', value: 'BAD' }] } };
    const dropped = admit(o);
    expect(dropped.ok).toBe(true);
    if (dropped.ok) {
      const status = (dropped.object as any).status;
      expect(status).not.toHaveProperty('addresses');
      expect(status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Accepted=Unknown/Pending', 'Programmed=Unknown/Pending']);
    }
    const kept = admit(o, { status: 'keep' });
    expect(kept.ok).toBe(false);
  });

  it('bad input gives errors, never a throw', () => {
    for (const input of [null, 42, 'x', [], {}, { apiVersion: 1, kind: [] }, { apiVersion: 'v1', kind: 'Service', metadata: 'x' }]) {
      const r = admit(input);
      expect(r.ok).toBe(false);
    }
  });

  it('a deprecated version admits with a warning', () => {
    const r = admit({ ...VALID.TCPRoute(), apiVersion: 'gateway.networking.k8s.io/v1alpha2' });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([{ path: 'apiVersion', message: 'gateway.networking.k8s.io/v1alpha2 TCPRoute is deprecated' }]);
  });
});
