/**
 * Feeds the east-west allow-list from the endpoint exports: a Bus wrapper, handed to the
 * endpoint exporter, that notes every report it publishes (and every withdrawal) before passing
 * it on. The endpoints a cluster exports to the ClusterSet are then relayed even when none of
 * the agent's own Gateways routes to them. Each report's endpoints are allowed on the ports
 * they listen on for the Service (`targetPort`, else the Service port).
 */
import type { Bus, EndpointReport } from '@portway/bus';
import type { AllowedEndpoint, EastWestAllowList } from './east-west-allow-list.js';

/** Source name of the exported endpoints in the allow-list. */
export const EXPORTED_ENDPOINTS_SOURCE = 'exports';

/** The endpoints of one report, on each of their ports. */
export function reportEndpoints(report: Pick<EndpointReport, 'endpoints' | 'ports'>): AllowedEndpoint[] {
  const ports = [...new Set(report.ports.map((p) => p.targetPort ?? p.port))];
  return report.endpoints.flatMap((e) => ports.map((port) => ({ address: e.address, port })));
}

/** `bus` with `putEndpoints` also updating `allowList` (everything else is the bus itself). */
export function feedAllowListFromExports(bus: Bus, allowList: EastWestAllowList): Bus {
  const byService = new Map<string, AllowedEndpoint[]>();
  const putEndpoints: Bus['putEndpoints'] = (key, report) => {
    const k = `${key.cluster}/${key.namespace}/${key.service}`;
    if (report === null) byService.delete(k);
    else byService.set(k, reportEndpoints(report));
    allowList.set(EXPORTED_ENDPOINTS_SOURCE, [...byService.values()].flat());
    return bus.putEndpoints(key, report);
  };
  // Every other member is the bus's own (bound to it).
  return new Proxy(bus, {
    get(target, prop, receiver) {
      if (prop === 'putEndpoints') return putEndpoints;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
