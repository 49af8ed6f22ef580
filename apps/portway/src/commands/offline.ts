import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { snapshotOf, supportedFeatures } from '@portway/api';
import { assignAddresses, buildGraph, expandAddressPool } from '@portway/graph';
import { loadFolder, type SourceError } from '@portway/provider-file';
import { prepareStatus } from '@portway/status';
import { translate } from '@portway/translate';
import { decodeManifests } from '../decode.js';
import { CONTROLLER_NAME, supportedRouteKinds } from '../defaults.js';

/** One line per problem: "file:line: Kind ns/name: path: message". */
export function formatSourceError(e: SourceError): string {
  const where = `${e.file}${e.line ? `:${e.line}` : ''}`;
  const what = e.kind ? ` ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name ?? ''}:` : '';
  return `${where}:${what}${e.path ? ` ${e.path}:` : ''} ${e.message}`;
}

/** `portway validate -f DIR`: prints every problem; exit code 1 if there is any. */
export async function validateCommand(dir: string): Promise<number> {
  const state = await loadFolder(resolve(dir), decodeManifests);
  for (const e of state.errors) console.log(formatSourceError(e));
  console.log(`${state.objects.length} object(s) valid, ${state.errors.length} problem(s)`);
  return state.errors.length > 0 ? 1 : 0;
}

/**
 * `portway translate -f DIR`: the same pipeline the controller runs, offline: status (with
 * Programmed pending, since nothing serves) and the IR of every Gateway.
 */
export async function translateCommand(dir: string, options: { addressPool: string; output: 'yaml' | 'json' }): Promise<number> {
  const state = await loadFolder(resolve(dir), decodeManifests);
  const { snapshot } = snapshotOf(state.objects);
  const graph = buildGraph(snapshot, { controllerName: CONTROLLER_NAME, routeKinds: supportedRouteKinds() });
  const { addresses, problems } = assignAddresses(graph.gateways, expandAddressPool(options.addressPool));
  const configs = translate(graph, { cluster: '', addresses });
  const status = prepareStatus({
    graph,
    controllerName: CONTROLLER_NAME,
    supportedFeatures: supportedFeatures(),
    addresses,
    addressProblems: problems,
    programmed: {},
    previous: {},
    now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  const out = { errors: state.errors.map(formatSourceError), status, configs };
  process.stdout.write(options.output === 'json' ? `${JSON.stringify(out, null, 2)}\n` : stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }));
  return 0;
}
