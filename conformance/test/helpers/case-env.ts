import type { LogLine } from '../../src/cluster/workloads.js';
import { StatusClient } from '../../src/portway/status-client.js';
import type { CaseEnv, TraceEntry } from '../../src/traffic/case-env.js';
import { Timeouts } from '../../src/util/timeouts.js';
import { StatusServer } from './status-server.js';

/** A Gateway object as Portway's /status shows it: an address and listeners. */
export function gatewayStatus(name: string, ip: string, listeners: { name: string; port: number }[]): unknown {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'gateway-conformance-infra', generation: 1 },
    spec: { gatewayClassName: 'portway', listeners: listeners.map((l) => ({ ...l, protocol: 'HTTP' })) },
    status: { addresses: [{ type: 'IPAddress', value: ip }], conditions: [] },
  };
}

/** A CaseEnv over a real /status server, with keys and logs given by the test. */
export async function caseEnvWith(o: { objects: unknown[]; keys?: Record<string, string>; logs?: () => LogLine[]; scale?: number }): Promise<{ env: CaseEnv; traces: TraceEntry[]; stop: () => Promise<void> }> {
  const server = new StatusServer();
  server.objects = o.objects;
  const client = new StatusClient(await server.start());
  const traces: TraceEntry[] = [];
  const env: CaseEnv = {
    readStatus: () => client.read(),
    timeouts: new Timeouts(o.scale ?? 1),
    readKey: (kind, ns, name, key) => o.keys?.[`${kind}/${ns}/${name}/${key}`],
    podLogs: () => (o.logs ? o.logs() : []),
    trace: (e) => traces.push(e),
  };
  return { env, traces, stop: () => server.stop() };
}
