/**
 * Helpers of the Kubernetes end-to-end test: the quickstart's manifests moved to the test's own
 * loopback addresses, `portway controller --provider kubernetes` as a child process (one per
 * replica, each with its own identity in the Lease), condition lookup, and plain HTTP requests
 * with a chosen Host header (fetch cannot set one).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '@portway/testing';
import { adminGet, CliProcess, isReady, root, waitFor } from '../hub/processes.js';

/** A Kubernetes condition as `kubectl get -o yaml` shows it. */
export interface KubeCondition {
  type: string;
  status: string;
  reason: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** The condition of `type` in a list (undefined when absent). */
export function condition(conditions: readonly KubeCondition[] | undefined, type: string): KubeCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** `Type=Status` of every condition, for readable assertions. */
export function summary(conditions: readonly KubeCondition[] | undefined): string[] {
  return (conditions ?? []).map((c) => `${c.type}=${c.status}`);
}

/**
 * `examples/quickstart` (GatewayClass, Gateway, Services with EndpointSlices, HTTPRoutes) as one
 * YAML stream, its backend addresses 127.0.0.11–14 replaced by `<prefix>11`–`<prefix>14`.
 */
export function quickstartYaml(prefix: string): string {
  return ['00-gateway.yaml', '10-backends.yaml', '20-routes.yaml']
    .map((f) => readFileSync(join(root, 'examples/quickstart', f), 'utf8'))
    .join('\n---\n')
    .replace(/127\.0\.0\.(1[1-4])/g, `${prefix}$1`);
}

/** One `portway controller --provider kubernetes` replica. */
export interface KubeControllerReplica {
  identity: string;
  admin: string;
  proc: CliProcess;
}

/** What `/leader` of a controller's admin API answers. */
export interface LeaderView {
  leaderElection: boolean;
  leading: boolean;
  lease?: string;
  identity?: string;
  holder?: string | null;
}

/**
 * Starts a controller replica (identity `$POD_NAME`) on the Lease `<leaseNamespace>/portway-controller`
 * and waits until its admin API reports ready (leading and built, or standing by with a synced cache).
 */
export async function startKubeController(o: { identity: string; kubeconfig: string; nats: string; leaseNamespace: string; extra?: string[] }): Promise<KubeControllerReplica> {
  const admin = `127.0.0.1:${await freePort()}`;
  const proc = new CliProcess(
    `controller ${o.identity}`,
    [
      'controller',
      '--provider',
      'kubernetes',
      '--kubeconfig',
      o.kubeconfig,
      '--nats',
      o.nats,
      '--admin',
      admin,
      '--lease-namespace',
      o.leaseNamespace,
      '--agent-stale-ms',
      '2000',
      '--agent-gone-ms',
      '4000',
      '--ack-timeout-ms',
      '8000',
      '--log-level',
      'info',
      ...(o.extra ?? []),
    ],
    { POD_NAME: o.identity },
  ).start();
  await waitFor(`${o.identity} /readyz`, () => (proc.running() ? isReady(admin).then((r) => (r ? true : undefined)) : Promise.reject(new Error(proc.log()))), 30_000);
  return { identity: o.identity, admin, proc };
}

/** The replica's view of the Lease (admin `/leader`). */
export async function leaderView(replica: KubeControllerReplica): Promise<LeaderView> {
  return (await adminGet<LeaderView>(replica.admin, '/leader')).body;
}

/** A plain HTTP GET (`agent: false`: a fresh connection each time), with an optional Host header. */
export function httpGet(address: string, port: number, path: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, agent: false, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(3_000, () => req.destroy(new Error(`GET ${path}: no answer in 3 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The echo backend's pod that answered a GET (undefined when the answer was not a 200 from an echo server). */
export async function answeredBy(address: string, port: number, path: string, host?: string): Promise<string | undefined> {
  try {
    const res = await httpGet(address, port, path, host);
    return res.status === 200 ? (JSON.parse(res.body) as { pod?: string }).pod : undefined;
  } catch {
    return undefined;
  }
}
