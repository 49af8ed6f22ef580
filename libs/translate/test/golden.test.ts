/**
 * Golden tests for graph + translate + status: each `golden/<case>.in.yaml` (plus the shared
 * `golden/_base.yaml`) is built into a graph, translated into IR and prepared into status; the
 * result is compared with `golden/<case>.out.yaml`. Regenerate with `npx vitest run -u`.
 * Agents are assumed to serve every servable listener, so statuses show the settled state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { supportedFeatures } from '@portway/api';
import { buildGraph, assignAddresses, expandAddressPool, gatewayProgrammed } from '@portway/graph';
import { prepareStatus, type GatewayProgrammedInput } from '@portway/status';
import { translate } from '../src/index.js';
import { loadObjects } from './load-objects.js';

const dir = join(import.meta.dirname, 'golden');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();
const base = readFileSync(join(dir, '_base.yaml'), 'utf8');

/** PEM blocks are long and random: the golden output names them by a short hash. */
function abbreviatePem(value: unknown): unknown {
  if (typeof value === 'string' && value.includes('-----BEGIN')) {
    return `<PEM sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}>`;
  }
  if (Array.isArray(value)) return value.map(abbreviatePem);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, abbreviatePem(v)]));
  return value;
}

describe('golden: graph + translate + status', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const file of cases) {
    it(basename(file, '.in.yaml'), async () => {
      const snapshot = loadObjects(`${base}\n---\n${readFileSync(join(dir, file), 'utf8')}`, file);
      const graph = buildGraph(snapshot, {
        controllerName: 'portway.dev/gateway-controller',
        routeKinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'],
      });
      const { addresses, problems } = assignAddresses(graph.gateways, expandAddressPool('127.0.100.1-127.0.100.3'));
      const configs = translate(graph, { cluster: '', addresses });
      const programmed: Record<string, GatewayProgrammedInput> = {};
      for (const config of configs) {
        const listeners: GatewayProgrammedInput['listeners'] = {};
        for (const port of config.ports) for (const l of port.listeners) listeners[l.name] = { programmed: true };
        programmed[`${config.gateway.namespace}/${config.gateway.name}`] = { condition: gatewayProgrammed(), listeners };
      }
      const status = prepareStatus({
        graph,
        controllerName: 'portway.dev/gateway-controller',
        supportedFeatures: supportedFeatures(),
        addresses,
        addressProblems: problems,
        programmed,
        previous: {},
        now: '2026-01-01T00:00:00Z',
      });
      const out = stringify(abbreviatePem({ status, configs }), { lineWidth: 0, aliasDuplicateObjects: false });
      await expect(out).toMatchFileSnapshot(join(dir, file.replace('.in.yaml', '.out.yaml')));
    });
  }
});
