/**
 * Bad values get the spec's conditions and never reach the data plane: golden case 57 holds
 * values an API server accepts but Portway cannot serve (regular expressions that do not compile,
 * an ExternalAuth filter, a RequestMirror on a backendRef, an ExtensionRef on a backendRef) and
 * references the spec rejects (a Deployment backendRef: InvalidKind; a cross-namespace Service
 * without ReferenceGrant: RefNotPermitted). Here the IR is searched for any trace of them, and
 * checked to be a config an agent accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignAddresses, buildGraph, expandAddressPool } from '@portway/graph';
import { validateGatewayConfig, type GatewayConfig, type Listener } from '@portway/ir';
import { translate } from '../src/index.js';
import { loadObjects } from './load-objects.js';

const dir = join(import.meta.dirname, 'golden');
const base = readFileSync(join(dir, '_base.yaml'), 'utf8');

function pipeline(file: string) {
  const snapshot = loadObjects(`${base}\n---\n${readFileSync(join(dir, file), 'utf8')}`, file);
  const graph = buildGraph(snapshot, {
    controllerName: 'portway.dev/gateway-controller',
    routeKinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'],
  });
  const { addresses } = assignAddresses(graph.gateways, expandAddressPool('127.0.100.1'));
  return { graph, configs: translate(graph, { cluster: '', addresses }) };
}

type HttpListener = Extract<Listener, { protocol: 'HTTP' }>;

const parentConditions = (graph: ReturnType<typeof pipeline>['graph'], name: string) =>
  graph.routes.find((r) => r.source.metadata.name === name)!.parents[0]!.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('bad values: conditions, and no trace in the IR', () => {
  const { graph, configs } = pipeline('57-invalid-rule-values.in.yaml');
  const ir = JSON.stringify(configs);

  it('gives each bad value the spec condition', () => {
    expect(parentConditions(graph, 'partly-invalid')).toEqual(['Accepted=True/Accepted', 'PartiallyInvalid=True/UnsupportedValue', 'ResolvedRefs=True/ResolvedRefs']);
    expect(graph.routes.find((r) => r.source.metadata.name === 'partly-invalid')!.parents[0]!.conditions[1]!.message).toMatch(/^Dropped Rules 1 \(bad-path-regex\): /);
    expect(parentConditions(graph, 'external-auth')).toEqual(['Accepted=False/UnsupportedValue', 'ResolvedRefs=True/ResolvedRefs']);
    expect(parentConditions(graph, 'grpc-bad-regex')).toEqual(['Accepted=False/UnsupportedValue', 'ResolvedRefs=True/ResolvedRefs']);
    expect(parentConditions(graph, 'backend-ref-filters')).toEqual(['Accepted=True/Accepted', 'PartiallyInvalid=True/UnsupportedValue', 'ResolvedRefs=False/InvalidKind']);
    expect(parentConditions(graph, 'invalid-kind-and-grant')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidKind']);
    const grantRule = graph.routes.find((r) => r.source.metadata.name === 'invalid-kind-and-grant')!.rules[1]!;
    expect(grantRule.backendRefs[0]!.problem).toMatchObject({ type: 'ResolvedRefs', status: 'False', reason: 'RefNotPermitted' });
  });

  it('leaves no trace of them in the IR', () => {
    for (const trace of ['/bad[a-', 'v(1|2', '*start', 'Get(', 'ExternalAuth', 'external-auth', 'grpc-bad-regex', 'RequestMirror', 'Magic', 'wand', 'Deployment', 'not-a-backend', '/mirror-on-backend', 'apps/echo-v2']) {
      expect(ir, trace).not.toContain(trace);
    }
    // Only the valid rule of partly-invalid is served.
    expect(ir).toContain('HTTPRoute/default/partly-invalid/0');
    for (const dropped of [1, 2, 3]) expect(ir).not.toContain(`HTTPRoute/default/partly-invalid/${dropped}`);
    // backendRefs Portway must not use become null: requests that pick them get 500, never another backend.
    const http = configs[0]!.ports[0]!.listeners[0] as HttpListener;
    const vhost = (host: string) => http.virtualHosts.find((v) => v.hostname === host);
    expect(vhost('refs.example.com')!.rules.map((r) => r.backends.map((b) => b.backend))).toEqual([[null], [null]]);
    expect(vhost('backend-filters.example.com')!.rules[0]!.backends.map((b) => b.backend)).toEqual([null, 'Service/default/echo-v2:8080']);
  });

  it('produces a config the data plane accepts (a bad regex would have made it refuse the whole gateway)', () => {
    expect(configs).toHaveLength(1);
    expect(validateGatewayConfig(configs[0])).toEqual([]);
    // What the agent would have received had the bad path regex been translated.
    const poisoned = structuredClone(configs[0]!) as GatewayConfig;
    const listener = poisoned.ports[0]!.listeners[0] as HttpListener;
    listener.virtualHosts[0]!.matches.push({ rule: 0, path: { type: 'RegularExpression', value: '/bad[a-' } });
    expect(validateGatewayConfig(poisoned).map((e) => e.message)).toEqual(['invalid regular expression "/bad[a-"']);
  });
});
