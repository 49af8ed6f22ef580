/**
 * The controller's pipeline, offline, for benchmarks that need the IR itself (router
 * microbenchmark, compile time, agent memory): a folder is loaded and admitted exactly as the
 * file provider does, then graph → addresses → translate, as `portway translate` runs it.
 */
import { performance } from 'node:perf_hooks';
import { parseManifests, snapshotOf } from '@portway/api';
import { assignAddresses, buildGraph } from '@portway/graph';
import type { GatewayConfig } from '@portway/ir';
import { loadFolder, type Decode } from '@portway/provider-file';
import { translate } from '@portway/translate';

const CONTROLLER_NAME = 'portway.dev/gateway-controller';

/** The file provider's decoder: YAML → admitted objects. */
export const decodeManifests: Decode = (text, file) => {
  const r = parseManifests(text, file);
  return { objects: r.objects.map((o) => ({ object: o.object, index: o.index })), errors: r.errors };
};

export interface TranslatedFolder {
  configs: GatewayConfig[];
  /** Problems with files or objects ("file: message"). */
  errors: string[];
  /** Time to load and admit the folder, ms. */
  loadMs: number;
  /** Time of graph + addresses + translate, ms. */
  translateMs: number;
}

export async function translateFolder(dir: string, addressPool: readonly string[]): Promise<TranslatedFolder> {
  const t0 = performance.now();
  const state = await loadFolder(dir, decodeManifests);
  const t1 = performance.now();
  const { snapshot } = snapshotOf(state.objects);
  const graph = buildGraph(snapshot, { controllerName: CONTROLLER_NAME, routeKinds: ['HTTPRoute'] });
  const { addresses } = assignAddresses(graph.gateways, addressPool);
  const configs = translate(graph, { cluster: '', addresses });
  const t2 = performance.now();
  return {
    configs,
    errors: state.errors.map((e) => `${e.file}${e.kind ? ` ${e.kind} ${e.name ?? ''}` : ''}: ${e.path ? `${e.path}: ` : ''}${e.message}`),
    loadMs: t1 - t0,
    translateMs: t2 - t1,
  };
}
