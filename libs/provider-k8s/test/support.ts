/** Shared helpers of the provider's tests: the API-server double, a KubeConfig for it, fixtures, bounded waits. */
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, waitFor as pollUntil, type ApiServer, type ApiServerOptions } from '@portway/testing';
import type { Log } from '../src/index.js';

export const CONTROLLER = 'portway.dev/gateway-controller';
export const GW_V1 = 'gateway.networking.k8s.io/v1';

export async function startDouble(options: ApiServerOptions = {}): Promise<{ server: ApiServer; kubeConfig: KubeConfig }> {
  const server = await startApiServer(options);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  return { server, kubeConfig };
}

/** Polls `fn` until it returns a value (not undefined), for at most `timeoutMs`. */
export const waitFor = <T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => pollUntil(what, fn, timeoutMs, 20);

/** A logger that remembers warnings (for assertions) and drops the rest. */
export function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''), error: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
}

export const gatewayClass = (name: string, controllerName = CONTROLLER) => ({ apiVersion: GW_V1, kind: 'GatewayClass', metadata: { name }, spec: { controllerName } });

export const gateway = (name: string, className = 'portway', extra: Record<string, unknown> = {}, namespace = 'default') => ({
  apiVersion: GW_V1,
  kind: 'Gateway',
  metadata: { name, namespace },
  spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...extra },
});

export const httpRoute = (name: string, parents: string[], namespace = 'default', extra: Record<string, unknown> = {}) => ({
  apiVersion: GW_V1,
  kind: 'HTTPRoute',
  metadata: { name, namespace },
  spec: { parentRefs: parents.map((p) => ({ name: p })), rules: [{ backendRefs: [{ name: 'echo', port: 8080 }] }], ...extra },
});

export const service = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 8080 }] } });

export const names = (objects: readonly { kind: string; metadata: { name: string; namespace?: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
