/**
 * Realistic Portway configs of any size: one Gateway with an HTTP listener and N HTTPRoutes,
 * ten routes per hostname, each route with a PathPrefix + header match and an Exact match, a
 * RequestHeaderModifier (set, add, remove), and two weighted backendRefs (90/10), plus a
 * second rule for static paths. Every Service resolves (through its EndpointSlice) to the same
 * benchmark backend. Output: Gateway API objects, and files for `portway run -f DIR`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const BENCH_NAMESPACE = 'bench';
export const BENCH_GATEWAY = 'bench';
/** Routes sharing one hostname. */
export const ROUTES_PER_HOST = 10;

export interface RouteConfigOptions {
  routes: number;
  /** Gateway listener port. */
  port: number;
  /** Where every endpoint points: the benchmark backend. */
  backend: { address: string; port: number };
  /** Distinct Services the routes spread over (default 10); ignored with `servicePerRoute`. */
  services?: number;
  /** Each route gets its own Service and EndpointSlice (controller footprint); its second backendRef is the next route's. */
  servicePerRoute?: boolean;
}

type Obj = Record<string, unknown>;

/** A request that a given route (and only that route) answers. */
export interface Probe {
  host: string;
  path: string;
  headers: Record<string, string>;
}

export function hostOf(route: number): string {
  return `tenant-${Math.floor(route / ROUTES_PER_HOST)}.bench.portway.test`;
}

/** The request the benchmarks send to route `i` (its first match: prefix + header). */
export function probeFor(route: number, variant = 0): Probe {
  return { host: hostOf(route), path: `${pathPrefix(route, variant)}/items?page=1`, headers: { 'x-env': 'prod' } };
}

/** Path and headers (Host included) of a request, as load generators send it. */
export interface BenchRequest {
  path: string;
  headers: Record<string, string>;
}

/** The probe of route `i` as a request with its Host header. */
export function requestFor(route: number, variant = 0): BenchRequest {
  const p = probeFor(route, variant);
  return { path: p.path, headers: { host: p.host, ...p.headers } };
}

function pathPrefix(route: number, variant: number): string {
  return variant === 0 ? `/r${route}/api` : `/r${route}/api-v${variant}`;
}

export function gatewayClass(): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'portway-bench' },
    spec: { controllerName: 'portway.dev/gateway-controller' },
  };
}

export function gateway(port: number): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: BENCH_GATEWAY, namespace: BENCH_NAMESPACE },
    spec: {
      gatewayClassName: 'portway-bench',
      listeners: [{ name: 'http', port, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    },
  };
}

export function namespace(): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BENCH_NAMESPACE } };
}

/** A Service and the EndpointSlice that puts its one endpoint on the backend. */
export function service(name: string, backend: { address: string; port: number }): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: BENCH_NAMESPACE },
      spec: { ports: [{ name: 'http', port: 80, targetPort: backend.port }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: BENCH_NAMESPACE, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: backend.port }],
      endpoints: [{ addresses: [backend.address], conditions: { ready: true } }],
    },
  ];
}

function serviceNames(route: number, o: RouteConfigOptions): [string, string] {
  if (o.servicePerRoute) return [`svc-${route}`, `svc-${(route + 1) % o.routes}`];
  const n = o.services ?? 10;
  return [`svc-${route % n}`, `svc-${(route + 1) % n}`];
}

/**
 * HTTPRoute number `i`; `variant` changes its path (an edit). With `keepOriginal`, the variant's
 * path is added next to the original one (an edit that must not disturb the route's traffic).
 */
export function httpRoute(i: number, o: RouteConfigOptions, variant = 0, keepOriginal = false): Obj {
  const [a, b] = serviceNames(i, o);
  const extra = keepOriginal && variant !== 0 ? [{ path: { type: 'PathPrefix', value: pathPrefix(i, 0) }, headers: [{ name: 'x-env', value: 'prod' }] }] : [];
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `route-${i}`, namespace: BENCH_NAMESPACE },
    spec: {
      parentRefs: [{ name: BENCH_GATEWAY }],
      hostnames: [hostOf(i)],
      rules: [
        {
          matches: [
            { path: { type: 'PathPrefix', value: pathPrefix(i, variant) }, headers: [{ name: 'x-env', value: 'prod' }] },
            ...extra,
            { path: { type: 'Exact', value: `/r${i}/health` } },
          ],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: {
                set: [{ name: 'x-route', value: `route-${i}` }],
                add: [{ name: 'x-bench', value: 'portway' }],
                remove: ['x-debug'],
              },
            },
          ],
          backendRefs: [
            { name: a, port: 80, weight: 90 },
            { name: b, port: 80, weight: 10 },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: `/r${i}/static` } }],
          backendRefs: [{ name: a, port: 80 }],
        },
      ],
    },
  };
}

/** Everything but the routes: GatewayClass, Namespace, Gateway, Services and EndpointSlices. */
export function baseObjects(o: RouteConfigOptions): Obj[] {
  const out: Obj[] = [gatewayClass(), namespace(), gateway(o.port)];
  if (o.servicePerRoute) {
    for (let i = 0; i < o.routes; i++) out.push(...service(`svc-${i}`, o.backend));
  } else {
    for (let s = 0; s < (o.services ?? 10); s++) out.push(...service(`svc-${s}`, o.backend));
  }
  return out;
}

export function routeObjects(o: RouteConfigOptions): Obj[] {
  return Array.from({ length: o.routes }, (_, i) => httpRoute(i, o));
}

/** Multi-document YAML. */
export function toYaml(objects: readonly Obj[]): string {
  return objects.map((obj) => stringify(obj, { lineWidth: 0 })).join('---\n');
}

/** Routes per file in a written folder (an edit rewrites one file of this many routes). */
export const ROUTES_PER_FILE = 100;

export function routeFileOf(route: number): string {
  return `routes-${String(Math.floor(route / ROUTES_PER_FILE)).padStart(4, '0')}.yaml`;
}

/**
 * Writes the config into `dir` as `portway run -f DIR` reads it: `00-base.yaml`, then the
 * routes in files of {@link ROUTES_PER_FILE}.
 */
export function writeConfigFolder(dir: string, o: RouteConfigOptions): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '00-base.yaml'), toYaml(baseObjects(o)));
  for (let start = 0; start < o.routes; start += ROUTES_PER_FILE) {
    const objs: Obj[] = [];
    for (let i = start; i < Math.min(o.routes, start + ROUTES_PER_FILE); i++) objs.push(httpRoute(i, o));
    writeFileSync(join(dir, routeFileOf(start)), toYaml(objs));
  }
}

/** Rewrites the file holding `route`, with that route at `variant` (the others unchanged). */
export function writeRouteEdit(dir: string, o: RouteConfigOptions, route: number, variant: number): void {
  const start = Math.floor(route / ROUTES_PER_FILE) * ROUTES_PER_FILE;
  const objs: Obj[] = [];
  for (let i = start; i < Math.min(o.routes, start + ROUTES_PER_FILE); i++) objs.push(httpRoute(i, o, i === route ? variant : 0));
  writeFileSync(join(dir, routeFileOf(start)), toYaml(objs));
}
