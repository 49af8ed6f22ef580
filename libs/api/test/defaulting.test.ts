/**
 * Structural defaulting, golden-style: each `test/defaulting/*.in.yaml` is admitted (default namespace
 * "default") and the defaulted object is compared with `*.out.yaml` (`vitest -u` rewrites them; review
 * the diff against the CRDs' `default:` values). Specific defaults are also asserted one by one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { admit } from '../src/admit.js';
import { VALID } from './cases.js';

const dir = new URL('./defaulting/', import.meta.url);
const inputs = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();

function admitted(o: unknown): any {
  const r = admit(o, { defaultNamespace: 'default' });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.object;
}

describe('defaulting goldens', () => {
  it('has inputs', () => expect(inputs.length).toBeGreaterThanOrEqual(4));
  it.each(inputs)('%s', async (file) => {
    const obj = admitted(parse(readFileSync(new URL(file, dir), 'utf8')));
    await expect(stringify(obj)).toMatchFileSnapshot(new URL(file.replace('.in.yaml', '.out.yaml'), dir).pathname);
  });
});

describe('defaults, one by one', () => {
  it('HTTPRoute: a rule without matches gets the catch-all PathPrefix / match', () => {
    const o = VALID.HTTPRoute();
    delete o.spec.rules[0].matches;
    expect(admitted(o).spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  });

  it('HTTPRoute: a route without rules gets one catch-all rule', () => {
    const o = VALID.HTTPRoute();
    delete o.spec.rules;
    expect(admitted(o).spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  });

  it('HTTPRoute: backendRef group "", kind Service, weight 1', () => {
    expect(admitted(VALID.HTTPRoute()).spec.rules[0].backendRefs[0]).toEqual({ name: 'svc', port: 80, group: '', kind: 'Service', weight: 1 });
  });

  it('HTTPRoute: a path match without a type is a PathPrefix', () => {
    const o = VALID.HTTPRoute();
    o.spec.rules[0].matches = [{ path: { value: '/a' } }];
    expect(admitted(o).spec.rules[0].matches[0].path).toEqual({ type: 'PathPrefix', value: '/a' });
  });

  it('parentRefs get group gateway.networking.k8s.io and kind Gateway', () => {
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']) {
      expect(admitted(VALID[kind]!()).spec.parentRefs[0], kind).toEqual({ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' });
    }
  });

  it('Gateway: allowedRoutes.namespaces.from is Same, address type IPAddress, TLS mode Terminate', () => {
    const o = VALID.Gateway();
    o.spec.addresses = [{ value: '10.0.0.1' }];
    o.spec.listeners.push({ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c' }] } });
    const g = admitted(o);
    expect(g.spec.listeners[0].allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
    expect(g.spec.addresses[0]).toEqual({ type: 'IPAddress', value: '10.0.0.1' });
    expect(g.spec.listeners[1].tls.mode).toBe('Terminate');
    expect(g.spec.listeners[1].tls.certificateRefs[0]).toEqual({ group: '', kind: 'Secret', name: 'c' });
  });

  it('Service: protocol TCP, targetPort = port, type ClusterIP', () => {
    const s = admitted(VALID.Service());
    expect(s.spec.ports[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(s.spec.type).toBe('ClusterIP');
  });

  it('Secret: stringData is merged into data as base64 and dropped', () => {
    const o = VALID.Secret();
    o.stringData = { 'tls.key': 'héllo' };
    const s = admitted(o);
    expect(s.data['tls.key']).toBe(Buffer.from('héllo').toString('base64'));
    expect(s).not.toHaveProperty('stringData');
  });

  it('the input is never mutated, and defaults are never shared between objects', () => {
    const o = VALID.HTTPRoute();
    delete o.spec.rules[0].matches;
    const before = JSON.stringify(o);
    const a = admitted(o);
    const b = admitted(o);
    expect(JSON.stringify(o)).toBe(before);
    a.spec.rules[0].matches[0].path.value = '/changed';
    expect(b.spec.rules[0].matches[0].path.value).toBe('/');
  });

  it('a null field that is not nullable takes its default (or is dropped)', () => {
    const o = VALID.HTTPRoute();
    o.spec.rules[0].matches = null;
    o.spec.hostnames = null;
    const r = admitted(o);
    expect(r.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(r.spec).not.toHaveProperty('hostnames');
  });
});
