/**
 * The incremental pipeline (GraphBuilder + Translator, as the controller runs them build after
 * build) must give exactly what a fresh buildGraph + translate gives, for every golden case and
 * after every object of it is removed, put back, or replaced by an equal copy; and it must reuse
 * what did not change. Status prepared build after build (StatusPreparer) equals a fresh
 * preparation too, also when it is told that `previous` is its own last output (as the
 * controller tells it) and when it is called again with the same graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_KINDS, type Snapshot } from '@portway/api';
import { assignAddresses, buildGraph, expandAddressPool, GraphBuilder, type GraphOptions } from '@portway/graph';
import type { VirtualHost } from '@portway/ir';
import { prepareStatus, statusKey, StatusPreparer, type PrepareStatusInput } from '@portway/status';
import { translate, Translator } from '../src/index.js';
import { loadObjects } from './load-objects.js';

const dir = join(import.meta.dirname, 'golden');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();
const base = readFileSync(join(dir, '_base.yaml'), 'utf8');
const options: GraphOptions = { controllerName: 'portway.dev/gateway-controller', routeKinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] };
const pool = expandAddressPool('127.0.100.1-127.0.100.3');

type Obj = { kind: string };
const objectsOf = (s: Snapshot): Obj[] => SNAPSHOT_KINDS.flatMap((k) => s[k] as readonly Obj[]);
function replaced(s: Snapshot, from: Obj, to: Obj | undefined): Snapshot {
  const out = { ...s } as Record<string, readonly Obj[]>;
  out[from.kind] = (s[from.kind as keyof Snapshot] as readonly Obj[]).flatMap((o) => (o === from ? (to ? [to] : []) : [o]));
  return out as unknown as Snapshot;
}

function fresh(snapshot: Snapshot) {
  const graph = buildGraph(snapshot, options);
  const { addresses } = assignAddresses(graph.gateways, pool);
  return { graph, configs: translate(graph, { cluster: '', addresses }) };
}

describe('incremental graph and translation', () => {
  for (const file of cases) {
    it(`${file.replace('.in.yaml', '')}: equals a fresh build after every removal, restore and copy`, () => {
      const snapshot = loadObjects(`${base}\n---\n${readFileSync(join(dir, file), 'utf8')}`, file);
      const builder = new GraphBuilder(options);
      const translator = new Translator();
      const preparer = new StatusPreparer();
      const ownPreparer = new StatusPreparer();
      let statuses = new Map<string, unknown>();
      const step = (s: Snapshot) => {
        const graph = builder.build(s);
        const { addresses } = assignAddresses(graph.gateways, pool);
        const configs = translator.translate(graph, { cluster: '', addresses });
        const expected = fresh(s);
        expect(graph).toEqual(expected.graph);
        expect(configs).toEqual(expected.configs);
        const input: PrepareStatusInput = { graph, controllerName: options.controllerName, supportedFeatures: [], addresses: {}, addressProblems: {}, programmed: {}, previous: statuses, now: '2026-01-01T00:00:00Z' };
        const updates = preparer.prepare(input);
        expect(updates).toEqual(prepareStatus({ ...input, previous: Object.fromEntries(statuses) }));
        // As the controller runs it: previous is what the preparer returned last time.
        const own = ownPreparer.prepare({ ...input, previousIsLastOutput: true });
        expect(own).toEqual(updates);
        // The same graph again (an agent's ack, later): the very same route statuses, still equal.
        const stored = new Map(own.map((u) => [statusKey(u.kind, u.namespace, u.name), u.status]));
        const repeat = ownPreparer.prepare({ ...input, previous: stored, previousIsLastOutput: true, now: '2026-01-01T00:00:09Z' });
        expect(repeat).toEqual(updates);
        repeat.filter((u) => u.kind.endsWith('Route')).forEach((u) => expect(own).toContain(u));
        // In parts: the routes' part of a call with the same graph is the last call's very array.
        const parts = ownPreparer.prepareParts({ ...input, previous: stored, previousIsLastOutput: true });
        expect(ownPreparer.prepareParts({ ...input, previous: stored, previousIsLastOutput: true }).routes).toBe(parts.routes);
        expect([...parts.others, ...parts.routes]).toEqual(updates);
        statuses = new Map(updates.map((u) => [statusKey(u.kind, u.namespace, u.name), u.status]));
        return { graph, configs, updates };
      };
      step(snapshot);
      // The same snapshot again: every route node is reused, and so is every virtual host.
      const first = step(snapshot);
      const again = step(snapshot);
      expect(builder.lastBuild.reused).toBe(builder.lastBuild.routes);
      // Route statuses of unchanged routes are reused as they are.
      const routeStatus = (u: { kind: string }) => u.kind.endsWith('Route');
      const firstRoutes = first.updates.filter(routeStatus);
      again.updates.filter(routeStatus).forEach((u, i) => expect(u).toBe(firstRoutes[i]));
      const vhosts = (c: typeof again.configs) => c.flatMap((g) => g.ports.flatMap((p) => p.listeners.flatMap((l) => ('virtualHosts' in l ? l.virtualHosts : []))));
      const before = vhosts(first.configs);
      vhosts(again.configs).forEach((vh: VirtualHost, i) => expect(vh).toBe(before[i]));
      for (const o of objectsOf(snapshot)) {
        step(replaced(snapshot, o, undefined));
        step(snapshot);
        step(replaced(snapshot, o, structuredClone(o)));
      }
    });
  }
});
