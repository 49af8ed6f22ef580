/**
 * The controller's `ResourceSource` by `--provider`: `file` (a watched folder of YAML) or
 * `kubernetes` (informers on an API server, with a status writer). The controller only sees the
 * `ResourceSource` contract; where status goes is the provider's business.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Controller } from '@portway/controller';
import { createFileSource, type ResourceSource } from '@portway/provider-file';
import { decodeManifests } from './decode.js';
import { CONTROLLER_NAME } from './defaults.js';
import type { Logger } from './logger.js';

export type ProviderName = 'file' | 'kubernetes';

export interface SourceOptions {
  provider: ProviderName;
  /** Folder of the file provider. */
  file?: string;
  debounceMs: number;
  /** kubeconfig file of the kubernetes provider (default: in-cluster, then $KUBECONFIG / ~/.kube/config). */
  kubeconfig?: string;
}

/** A source plus what must run beside it once the controller exists (a status writer), and its cleanup. */
export interface WiredSource {
  source: ResourceSource;
  /** Called with the started controller; returns a cleanup. */
  attach(controller: Controller): Promise<() => Promise<void>>;
  describe: string;
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
  return {
    source: k8s.createKubernetesSource({ kubeConfig, controllerName: CONTROLLER_NAME, log: k8sLog }),
    attach: async (controller) => {
      const writer = k8s.createStatusWriter({ kubeConfig, controllerName: CONTROLLER_NAME, machine: statusWriteMachine, log: k8sLog });
      const unsubscribe = controller.statusStore.onChange((changed, removed) => writer.apply(changed, removed));
      writer.apply(k8s.updatesFromStatusMap(controller.statusStore.previous()), []);
      return async () => {
        unsubscribe();
        await writer.stop();
      };
    },
    describe: `kubernetes ${kubeConfig.getCurrentCluster()?.server ?? '(no current cluster)'}`,
  };
}
