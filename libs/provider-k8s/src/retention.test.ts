import { describe, expect, it } from 'vitest';
import type { AnyObject } from '@portway/api';
import { derivePolicy, keepsFull, referencedObjects, stubOf } from './retention.js';

const OURS = 'portway.dev/gateway-controller';
const GW = 'gateway.networking.k8s.io/v1';
const objects = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portway' }, spec: { controllerName: OURS } },
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'other' }, spec: { controllerName: 'example.net/x' } },
  {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'ours', namespace: 'a' },
    spec: { gatewayClassName: 'portway', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }, { name: 'x', namespace: 'b' }] } }] },
  },
  { apiVersion: GW, kind: 'Gateway', metadata: { name: 'theirs', namespace: 'a' }, spec: { gatewayClassName: 'other', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'their-cert' }] } }] } },
  { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'ls-theirs', namespace: 'a' }, spec: { parentRef: { name: 'theirs' } } },
  { apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'c' }, spec: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } } },
] as unknown as AnyObject[];
const policy = derivePolicy(OURS, objects.map(stubOf), objects);
const route = (parents: object[]) => stubOf({ kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a' }, spec: { parentRefs: parents } });

describe('retention', () => {
  it("keeps Portway's classes and Gateways, and ListenerSets unless their Gateway is someone else's", () => {
    expect(objects.filter((o) => keepsFull(stubOf(o), policy)).map((o) => o.metadata.name)).toEqual(['portway', 'ours', 'p']);
  });

  it('leaves out a route only when every parent is known to be someone else’s', () => {
    expect(keepsFull(route([{ name: 'theirs' }]), policy)).toBe(false);
    expect(keepsFull(route([{ kind: 'ListenerSet', name: 'ls-theirs' }]), policy)).toBe(false);
    expect(keepsFull(route([{ name: 'theirs' }, { name: 'ours' }]), policy)).toBe(true);
    expect(keepsFull(route([{ name: 'unknown' }]), policy)).toBe(true);
    expect(keepsFull(route([{ group: '', kind: 'Service', name: 'mesh' }]), policy)).toBe(true);
    expect(keepsFull(route([{ name: 'theirs', namespace: 'elsewhere' }]), policy)).toBe(true);
  });

  it("keeps the Secrets and ConfigMaps Portway's objects reference, in the right namespaces", () => {
    expect([...policy.referenced].sort()).toEqual(['ConfigMap/c/ca', 'Secret/a/cert', 'Secret/b/x']);
    expect(keepsFull({ kind: 'Secret', namespace: 'a', name: 'their-cert' }, policy)).toBe(false);
    expect(referencedObjects(objects[3]!)).toEqual(['Secret/a/their-cert']);
  });
});
