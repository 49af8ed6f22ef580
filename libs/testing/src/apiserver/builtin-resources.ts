/**
 * The built-in kinds the double serves: what Portway's provider and `kubectl apply` of the deploy/
 * manifests need. Their field selectors and strategic-merge-patch keys are the API server's.
 */
import type { PatchMeta, ResourceType } from './resource-types.js';

type Builtin = Pick<ResourceType, 'group' | 'kind' | 'plural' | 'namespaced'> & Partial<ResourceType>;

const META_PATCH: Record<string, PatchMeta> = {
  'metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'metadata.finalizers': { strategy: 'merge' },
};

const POD_SPEC = (prefix: string): Record<string, PatchMeta> => ({
  [`${prefix}.containers`]: { strategy: 'merge', mergeKey: 'name' },
  [`${prefix}.initContainers`]: { strategy: 'merge', mergeKey: 'name' },
  [`${prefix}.containers[].ports`]: { strategy: 'merge', mergeKey: 'containerPort' },
  [`${prefix}.containers[].env`]: { strategy: 'merge', mergeKey: 'name' },
  [`${prefix}.containers[].volumeMounts`]: { strategy: 'merge', mergeKey: 'mountPath' },
  [`${prefix}.volumes`]: { strategy: 'merge', mergeKey: 'name' },
  [`${prefix}.imagePullSecrets`]: { strategy: 'merge', mergeKey: 'name' },
  [`${prefix}.tolerations`]: { strategy: 'replace' },
});

const BUILTINS: Builtin[] = [
  { group: '', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], statusSubresource: true, fieldSelectors: ['status.phase'] },
  {
    group: '',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    patchMeta: { 'spec.ports': { strategy: 'merge', mergeKey: 'port' }, 'status.loadBalancer.ingress': { strategy: 'replace' } },
  },
  { group: '', kind: 'Secret', plural: 'secrets', namespaced: true, fieldSelectors: ['type'] },
  { group: '', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
  {
    group: '',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    fieldSelectors: [
      'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
      'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type',
    ],
  },
  {
    group: '',
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    statusSubresource: true,
    fieldSelectors: ['spec.unschedulable'],
    patchMeta: { 'status.addresses': { strategy: 'merge', mergeKey: 'type' }, 'spec.taints': { strategy: 'merge', mergeKey: 'key' } },
  },
  { group: 'discovery.k8s.io', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, generation: true },
  { group: 'coordination.k8s.io', kind: 'Lease', plural: 'leases', namespaced: true },
  { group: 'events.k8s.io', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], fieldSelectors: ['reason', 'type', 'regarding.kind', 'regarding.name', 'regarding.namespace'] },
  { group: 'apps', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], statusSubresource: true, generation: true, patchMeta: POD_SPEC('spec.template.spec') },
  { group: 'apps', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], statusSubresource: true, generation: true, patchMeta: POD_SPEC('spec.template.spec') },
  { group: 'apps', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], statusSubresource: true, generation: true, patchMeta: POD_SPEC('spec.template.spec') },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    statusSubresource: true,
    generation: true,
  },
];

/** The built-in resource types, each at `v1`. */
export function builtinResourceTypes(): ResourceType[] {
  return BUILTINS.map((b) => ({
    versions: ['v1'],
    storageVersion: 'v1',
    listKind: `${b.kind}List`,
    singular: b.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    statusSubresource: false,
    generation: false,
    printerColumns: { v1: [] },
    schemas: {},
    fieldSelectors: [],
    deprecated: {},
    custom: false,
    ...b,
    patchMeta: { ...META_PATCH, ...b.patchMeta },
  }));
}
