export { ApiServer, startApiServer, type ApiServerOptions, type RequestRecord } from './api-server.js';
export type { ErrorInjection, Verb } from './faults.js';
export type { WatchFilter } from './watch-hub.js';
export { defaultCrdPaths, loadCrds, sharedCrdsDir } from './crd-loader.js';
export { kubeconfigYaml } from './kubeconfig.js';
export type { ResourceType, PrinterColumn, PatchMeta } from './resource-types.js';
export { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patches.js';
export { kubectlAvailable, startKubeEnvironment, type KubeEnvironment } from './kube-environment.js';
export { spawnApiServer, type RemoteApiServer } from './spawn-api-server.js';
