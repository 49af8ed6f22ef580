/**
 * The hub in Kubernetes mode, wired in one process for tests and the benchmark: `Controller` (from
 * `@portway/controller`) fed by the Kubernetes source, the in-process bus, an agent with the
 * in-process data plane, and — while this replica leads — the status writer following the
 * controller's status store. (The `portway controller` CLI wires the same parts.)
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { supportedFeatures } from '@portway/api';
import { Agent, InProcessDataPlane } from '@portway/agent';
import { InProcessBus } from '@portway/bus';
import { Controller } from '@portway/controller';
import { statusWriteMachine } from '@portway/lifecycle';
import { createKubernetesSource, createLeaderElector, createStatusWriter, updatesFromStatusMap, type KubernetesSource, type LeaderElector, type StatusWriter } from '../src/index.js';
import { CONTROLLER } from './support.js';

export const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** An agent on an in-process bus (shared by the replicas of a test). */
export function startAgent(bus: InProcessBus, name = 'agent-1'): Agent {
  const agent = new Agent({ name, cluster: '', bus, dataPlane: new InProcessDataPlane({ drainTimeoutMs: 200 }), log: silent });
  agent.start();
  return agent;
}

export interface Replica {
  controller: Controller;
  source: KubernetesSource;
  /** The writer while this replica leads. */
  writer(): StatusWriter | undefined;
  /** Status writes of every writer this replica had. */
  writes(): number;
  elector?: LeaderElector;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  kubeConfig: KubeConfig;
  bus: InProcessBus;
  addressPool: string[];
  agents?: string[];
  /** Campaign on this Lease; without it the replica leads at once. */
  lease?: { namespace: string; name: string; identity: string };
  batchMs?: number;
  /** Controller log (default silent). */
  log?: typeof silent;
}

export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const source = createKubernetesSource({ kubeConfig: o.kubeConfig, controllerName: CONTROLLER, batchMs: o.batchMs ?? 20 });
  const controller = new Controller({
    source,
    bus: o.bus,
    log: o.log ?? silent,
    controllerName: CONTROLLER,
    cluster: '',
    addressPool: o.addressPool,
    agents: o.agents ?? ['agent-1'],
    routeKinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'],
    supportedFeatures: supportedFeatures(),
  });
  let writer: StatusWriter | undefined;
  let unsubscribe: (() => void) | undefined;
  let previousWrites = 0;
  const lead = () => {
    writer = createStatusWriter({ kubeConfig: o.kubeConfig, controllerName: CONTROLLER, machine: statusWriteMachine, log: silent, concurrency: 16 });
    const w = writer;
    unsubscribe = controller.statusStore.onChange((changed, removed) => w.apply(changed, removed));
    // Everything this replica computed so far; only what differs from the cluster is written.
    w.apply(updatesFromStatusMap(controller.statusStore.previous()), []);
  };
  const follow = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    previousWrites += writer?.writeCount() ?? 0;
    void writer?.stop();
    writer = undefined;
  };
  await controller.start();
  let elector: LeaderElector | undefined;
  if (o.lease) {
    elector = createLeaderElector({ kubeConfig: o.kubeConfig, ...o.lease, onStartedLeading: lead, onStoppedLeading: follow, log: silent });
    elector.start();
  } else lead();
  return {
    controller,
    source,
    writer: () => writer,
    writes: () => previousWrites + (writer?.writeCount() ?? 0),
    ...(elector ? { elector } : {}),
    async stop() {
      await elector?.stop({ release: false });
      follow();
      await controller.stop();
    },
  };
}
