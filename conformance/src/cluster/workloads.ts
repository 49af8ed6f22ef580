import type { KubeObject } from '../manifests/yaml-docs.js';
import type { EchoHandle, StartEcho } from './echo-contract.js';
import { endpointSliceFor, type RunningPod } from './endpoint-slices.js';
import { LoopbackIpPool } from './ip-pool.js';
import { planPods, type KeyReader, type PodPlan } from './pod-plan.js';

/** One line an echo container printed, with the time it was printed (ms since epoch). */
export interface LogLine {
  at: number;
  line: string;
}

interface Pod extends RunningPod {
  servers: EchoHandle[];
  logs: LogLine[];
}

const MAX_LOG_LINES = 50_000;
const MAX_ADDRESS_ATTEMPTS = 256;

/**
 * Plays the kubelet for the suite's Deployments: each pod is a set of echo servers (one per
 * container) on its own loopback address, started in this process through @portway/echo. Also
 * computes the EndpointSlices of the Services over the running pods, and keeps each pod's output
 * for the mirror checks.
 */
export class Workloads {
  private readonly pods = new Map<string, Pod[]>();
  private readonly ips: LoopbackIpPool;

  /** `podSubnet` is the second octet of the pods' addresses (127.<podSubnet>.x.y). */
  constructor(
    private readonly startEcho: StartEcho,
    podSubnet = 1,
  ) {
    this.ips = new LoopbackIpPool(podSubnet);
  }

  /** Starts the pods of a Deployment (replacing them when the Deployment changed). */
  async ensureDeployment(deployment: KubeObject, readKey: KeyReader): Promise<void> {
    const key = `${deployment.metadata.namespace ?? 'default'}/${deployment.metadata.name}`;
    const plans = planPods(deployment, readKey);
    const current = this.pods.get(key);
    if (current && JSON.stringify(current.map((p) => p.plan)) === JSON.stringify(plans)) return;
    if (current) await this.removeDeployment(key);
    const started: Pod[] = [];
    try {
      for (const plan of plans) started.push(await this.startPod(plan));
    } catch (e) {
      await Promise.all(started.flatMap((p) => p.servers.map((s) => s.close().catch(() => undefined))));
      throw new Error(`Deployment ${key}: cannot start pod: ${(e as Error).message}`);
    }
    this.pods.set(key, started);
  }

  /** Stops the pods of a Deployment ("namespace/name"). */
  async removeDeployment(key: string): Promise<void> {
    const pods = this.pods.get(key);
    if (!pods) return;
    this.pods.delete(key);
    await Promise.all(pods.flatMap((p) => p.servers.map((s) => s.close().catch(() => undefined))));
  }

  /** Deployments currently running, as "namespace/name". */
  deployments(): string[] {
    return [...this.pods.keys()];
  }

  /** Every running pod. */
  running(): RunningPod[] {
    return [...this.pods.values()].flat();
  }

  /** Pods in a namespace whose labels include all of `labels`. */
  podsMatching(namespace: string, labels: Record<string, string>): RunningPod[] {
    return this.running().filter((p) => p.plan.namespace === namespace && Object.entries(labels).every(([k, v]) => p.plan.labels[k] === v));
  }

  /** Log lines of a pod printed at or after `since`. */
  logsOf(namespace: string, podName: string, since = 0): LogLine[] {
    const pod = [...this.pods.values()].flat().find((p) => p.plan.namespace === namespace && p.plan.name === podName);
    return pod ? pod.logs.filter((l) => l.at >= since) : [];
  }

  /** The EndpointSlices for the given Services over the running pods (Services without a selector get none). */
  endpointSlices(services: readonly KubeObject[]): KubeObject[] {
    const running = this.running();
    return services.map((s) => endpointSliceFor(s, running)).filter((s): s is KubeObject => s !== undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.pods.keys()].map((k) => this.removeDeployment(k)));
  }

  /**
   * Starts a pod on the next free loopback address. An address already taken on the machine
   * (another run, another test) is skipped: the pod moves on to the next one.
   */
  private async startPod(plan: PodPlan): Promise<Pod> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startPodOn(plan, this.ips.allocate());
      } catch (e) {
        if (attempt >= MAX_ADDRESS_ATTEMPTS || !/EADDRINUSE|address already in use/i.test((e as Error).message)) throw e;
      }
    }
  }

  private async startPodOn(plan: PodPlan, ip: string): Promise<Pod> {
    const pod: Pod = { plan, ip, servers: [], logs: [] };
    const log = (line: string) => {
      pod.logs.push({ at: Date.now(), line });
      if (pod.logs.length > MAX_LOG_LINES) pod.logs.splice(0, pod.logs.length - MAX_LOG_LINES);
    };
    try {
      for (const c of plan.containers) {
        const { container: _container, namedPorts: _named, ...opts } = c;
        pod.servers.push(await this.startEcho({ ...opts, host: ip, podName: plan.name, namespace: plan.namespace, log }));
      }
    } catch (e) {
      await Promise.all(pod.servers.map((s) => s.close().catch(() => undefined)));
      throw new Error(`${plan.namespace}/${plan.name} on ${ip}: ${(e as Error).message}`);
    }
    return pod;
  }
}
