/**
 * Per-cluster reachability in translation: with `clusterGateways`, endpoints of a cluster that
 * has an east-west gateway carry `via` in every other cluster's config; its own config, and
 * clusters without a gateway, dial directly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignAddresses, buildGraph, expandAddressPool } from '@portway/graph';
import type { Endpoint, GatewayConfig } from '@portway/ir';
import { Translator, clusterGatewaysKey, gatewayFor, parseClusterGateways, translate } from '../src/index.js';
import { loadObjects } from './load-objects.js';

const dir = join(import.meta.dirname, 'golden');
const snapshot = loadObjects(`${readFileSync(join(dir, '_base.yaml'), 'utf8')}\n---\n${readFileSync(join(dir, '62-service-import-clusterset.in.yaml'), 'utf8')}`, '62');
const graph = buildGraph(snapshot, { controllerName: 'portway.dev/gateway-controller', routeKinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] });
const { addresses } = assignAddresses(graph.gateways, expandAddressPool('127.0.100.1-127.0.100.3'));
const gateways = { west: { address: '127.0.81.2', port: 15443 } };

function importEndpoints(configs: GatewayConfig[]): Endpoint[] {
  const out = configs.flatMap((c) => Object.values(c.backends)).filter((b) => b.id.startsWith('ServiceImport/')).flatMap((b) => b.endpoints);
  expect(out.length).toBeGreaterThan(0);
  return out;
}

describe('cluster gateways (east-west reachability)', () => {
  it('gives endpoints of a cluster with a gateway a via, in the configs of other clusters only', () => {
    const east = importEndpoints(translate(graph, { cluster: 'east', addresses, clusterGateways: gateways }));
    const clusters = new Set(east.map((e) => e.cluster));
    expect(clusters.has('west') && clusters.has('east')).toBe(true);
    for (const e of east) expect(e.via, `${e.cluster} ${e.address}`).toEqual(e.cluster === 'west' ? gateways.west : undefined);
    // West's own config dials its endpoints directly.
    for (const e of importEndpoints(translate(graph, { cluster: 'west', addresses, clusterGateways: gateways }))) expect(e.via).toBeUndefined();
  });

  it('leaves every endpoint direct without the setting (flat network)', () => {
    for (const e of importEndpoints(translate(graph, { cluster: 'east', addresses }))) expect(e.via).toBeUndefined();
  });

  it('a translator kept across builds follows a change of the setting', () => {
    const t = new Translator();
    const before = importEndpoints(t.translate(graph, { cluster: 'east', addresses }));
    expect(before.some((e) => e.via !== undefined)).toBe(false);
    const after = importEndpoints(t.translate(graph, { cluster: 'east', addresses, clusterGateways: gateways }));
    expect(after.filter((e) => e.cluster === 'west').every((e) => e.via?.port === 15443)).toBe(true);
    expect(importEndpoints(t.translate(graph, { cluster: 'east', addresses })).some((e) => e.via !== undefined)).toBe(false);
  });

  it('gatewayFor and clusterGatewaysKey', () => {
    expect(gatewayFor(gateways, 'east', 'west')).toEqual(gateways.west);
    expect(gatewayFor(gateways, 'west', 'west')).toBeUndefined();
    expect(gatewayFor(gateways, 'east', undefined)).toBeUndefined();
    expect(gatewayFor(gateways, 'east', 'toString')).toBeUndefined();
    expect(clusterGatewaysKey({ b: { address: '1.1.1.1', port: 2 }, a: { address: '::1', port: 3 } })).toBe('a=::1:3,b=1.1.1.1:2');
  });
});

describe('parseClusterGateways', () => {
  it('reads cluster=address:port values, IPv6 in brackets', () => {
    expect(parseClusterGateways(['west=127.0.81.2:15443', 'south=[fd00::1]:443'])).toEqual({
      west: { address: '127.0.81.2', port: 15443 },
      south: { address: 'fd00::1', port: 443 },
    });
    expect(parseClusterGateways([])).toEqual({});
  });

  it('names the bad value', () => {
    for (const bad of ['west', 'west=1.2.3.4', '=1.2.3.4:1', 'west=1.2.3.4:0', 'west=1.2.3.4:70000', 'west=fd00::1:443']) {
      expect(() => parseClusterGateways([bad]), bad).toThrow(`"${bad}"`);
    }
    expect(() => parseClusterGateways(['west=1.2.3.4:1', 'west=1.2.3.5:1'])).toThrow('given twice');
  });
});
