/**
 * The controller's `ResourceSource` by `--provider`: `file` (a watched folder of YAML) or
 * `kubernetes` (informers on an API server, with a status writer and, unless turned off, leader
 * election on a Lease). The controller only sees the `ResourceSource` contract; where status goes
 * and who may write it is the provider's business.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Controller } from '@portway/controller';
import { createFileSource, type ResourceSource, type SourceState } from '@portway/provider-file';
import { decodeManifests } from './decode.js';
import { CONTROLLER_NAME } from './defaults.js';
import type { Logger } from './logger.js';

export type ProviderName = 'file' | 'kubernetes';

export interface SourceOptions {
  provider: ProviderName;
  /** Folder of the file provider. */
  file?: string;
  /** File provider: quiet time after the last folder event; kubernetes provider: batch window after the first watch event. */
  debounceMs: number;
  /** kubeconfig file of the kubernetes provider (default: in-cluster, then $KUBECONFIG / ~/.kube/config). */
  kubeconfig?: string;
  /** Kubernetes provider: campaign on a Lease, lead only while holding it (default true). */
  leaderElect?: boolean;
  /** Namespace of the Lease (default: $POD_NAMESPACE, else the kubeconfig context's namespace, else `default`). */
  leaseNamespace?: string;
  /** Name of the Lease (default `portway-controller`). */
  leaseName?: string;
}

/** Default name of the leader-election Lease. */
export const DEFAULT_LEASE_NAME = 'portway-controller';

/**
 * Leader election of the kubernetes provider. The source lists and watches from the start (a warm
 * cache), but the controller — builds, bus publishing, status writes — runs only while this replica
 * holds the Lease; a standby publishes nothing and writes nothing.
 */
export interface Leadership {
  /** `namespace/name` of the Lease. */
  lease: string;
  /** This replica's identity in the Lease (`$POD_NAME`, else the host name with a random suffix). */
  identity: string;
  /** Lists every kind (resolves once the first state is in); rejects when the API server cannot be read. */
  warmUp(): Promise<void>;
  /** True once the source holds its first state. */
  warm(): boolean;
  /** Starts campaigning; `lead` and `follow` are called on every change of leadership. */
  campaign(handlers: { lead(): void; follow(): void }): void;
  /** Stops campaigning and releases the Lease if held; then stops the source. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The holder the last read of the Lease showed. */
  holder(): string | undefined;
}

/** A source plus what must run beside it once the controller exists (a status writer), and its cleanup. */
export interface WiredSource {
  source: ResourceSource;
  /** Called with the started controller; returns a cleanup. */
  attach(controller: Controller): Promise<() => Promise<void>>;
  describe: string;
  /** Present when the controller must hold a Lease to run (kubernetes provider with leader election). */
  leadership?: Leadership;
}

/**
 * A source that keeps following its inner source while no controller listens (a standby's warm
 * cache), and hands the latest state to each controller that starts on it. `stop()` only detaches
 * the controller; `close()` stops the inner source.
 */
function warmSource(inner: ResourceSource) {
  let latest: SourceState | undefined;
  let listener: ((state: SourceState) => void) | undefined;
  let ready: Promise<void> | undefined;
  // The inner source waits for a promise returned here before its next batch (builds coalesce).
  const warmUp = () => (ready ??= inner.start((state) => {
    latest = state;
    return listener?.(state);
  }));
  const source: ResourceSource = {
    async start(onChange) {
      await warmUp();
      listener = onChange;
      await (onChange(latest!) as unknown);
    },
    async stop() {
      listener = undefined;
    },
  };
  return { source, warmUp, warm: () => latest !== undefined, close: () => inner.stop() };
}

export async function createResourceSource(o: SourceOptions, log: Logger): Promise<WiredSource> {
  if (o.provider === 'file') {
    if (!o.file) throw new Error('--provider file needs -f DIR (the folder of YAML to serve)');
    const dir = resolve(o.file);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`-f ${o.file}: not a folder`);
    return {
      source: createFileSource({ dir, decode: decodeManifests, debounceMs: o.debounceMs }),
      // Status stays in the controller (admin API `/status`, `portway status`).
      attach: async () => async () => undefined,
      describe: `file ${dir}`,
    };
  }
  if (o.provider !== 'kubernetes') throw new Error(`--provider ${String(o.provider)}: expected file or kubernetes`);
  const k8s = await import('@portway/provider-k8s');
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { statusWriteMachine } = await import('@portway/lifecycle');
  const kubeConfig = new KubeConfig();
  try {
    if (o.kubeconfig) kubeConfig.loadFromFile(o.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (e) {
    throw new Error(`${o.kubeconfig ? `--kubeconfig ${o.kubeconfig}` : 'kubeconfig'}: ${(e as Error).message}`);
  }
  const k8sLog = log.child({ component: 'kubernetes' });
  const inner = k8s.createKubernetesSource({ kubeConfig, controllerName: CONTROLLER_NAME, log: k8sLog, batchMs: o.debounceMs });
  let source: ResourceSource = inner;
  let leadership: Leadership | undefined;
  if (o.leaderElect ?? true) {
    const warm = warmSource(inner);
    source = warm.source;
    const namespace = o.leaseNamespace || process.env.POD_NAMESPACE || kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default';
    const name = o.leaseName || DEFAULT_LEASE_NAME;
    // Two candidates with one identity would both think they hold the Lease: without a pod name, a random suffix.
    const identity = process.env.POD_NAME || `${hostname()}_${randomUUID().slice(0, 8)}`;
    let elector: import('@portway/provider-k8s').LeaderElector | undefined;
    leadership = {
      lease: `${namespace}/${name}`,
      identity,
      warmUp: warm.warmUp,
      warm: warm.warm,
      campaign(handlers) {
        elector = k8s.createLeaderElector({
          kubeConfig,
          namespace,
          name,
          identity,
          onStartedLeading: handlers.lead,
          onStoppedLeading: handlers.follow,
          log: log.child({ component: 'leader-election' }),
        });
        elector.start();
      },
      async stop() {
        await elector?.stop({ release: true });
        await warm.close();
      },
      isLeader: () => elector?.isLeader() ?? false,
      holder: () => elector?.currentHolder(),
    };
  }
  return {
    source,
    ...(leadership ? { leadership } : {}),
    attach: async (controller) => {
      const writer = k8s.createStatusWriter({ kubeConfig, controllerName: CONTROLLER_NAME, machine: statusWriteMachine, log: k8sLog });
      const unsubscribe = controller.statusStore.onChange((changed, removed) => writer.apply(changed, removed));
      writer.apply(k8s.updatesFromStatusMap(controller.statusStore.previous()), []);
      return async () => {
        unsubscribe();
        await writer.stop();
      };
    },
    describe: `kubernetes ${kubeConfig.getCurrentCluster()?.server ?? '(no current cluster)'}${leadership ? ` (leader election on Lease ${leadership.lease} as ${leadership.identity})` : ''}`,
  };
}
