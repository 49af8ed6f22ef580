import type { KubeObject } from './yaml-docs.js';

/** What the suite substitutes into manifests before applying them (SEMANTICS.md, "Manifest handling"). */
export interface ManifestContext {
  /** The GatewayClass under test (replaces "{GATEWAY_CLASS_NAME}" in Gateways). */
  gatewayClassName: string;
  /** Its controllerName (replaces "{GATEWAY_CONTROLLER_NAME}" in GatewayClasses). */
  controllerName: string;
  /** Addresses Portway can serve on (PLACEHOLDER_USABLE_ADDRS). */
  usableAddresses: readonly string[];
  /** Addresses Portway cannot serve on (PLACEHOLDER_UNUSABLE_ADDRS). */
  unusableAddresses: readonly string[];
  /** Extra labels and annotations for Namespaces (none by default). */
  namespaceLabels?: Readonly<Record<string, string>>;
  namespaceAnnotations?: Readonly<Record<string, string>>;
}

const USABLE = 'PLACEHOLDER_USABLE_ADDRS';
const UNUSABLE = 'PLACEHOLDER_UNUSABLE_ADDRS';

/**
 * Applies the suite's manifest rewriting to a copy of the objects: every Gateway gets
 * `spec.gatewayClassName` set to the class under test, every GatewayClass its `controllerName`,
 * Namespaces the configured labels/annotations, and Gateway addresses with the value
 * PLACEHOLDER_USABLE_ADDRS / PLACEHOLDER_UNUSABLE_ADDRS are replaced by the address pools
 * (each pool entry `{type: IPAddress, value}`), after the entries that are kept as they are.
 */
export function prepareManifests(objects: readonly KubeObject[], ctx: ManifestContext): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    const spec = (copy['spec'] ?? {}) as Record<string, unknown>;
    switch (copy.kind) {
      case 'Gateway':
        spec['gatewayClassName'] = ctx.gatewayClassName;
        if (Array.isArray(spec['addresses'])) spec['addresses'] = replaceAddressPlaceholders(spec['addresses'] as Record<string, unknown>[], ctx);
        copy['spec'] = spec;
        break;
      case 'GatewayClass':
        spec['controllerName'] = ctx.controllerName;
        copy['spec'] = spec;
        break;
      case 'Namespace':
        if (ctx.namespaceLabels && Object.keys(ctx.namespaceLabels).length > 0) copy.metadata.labels = { ...copy.metadata.labels, ...ctx.namespaceLabels };
        if (ctx.namespaceAnnotations && Object.keys(ctx.namespaceAnnotations).length > 0)
          copy.metadata.annotations = { ...copy.metadata.annotations, ...ctx.namespaceAnnotations };
        break;
      default:
        break;
    }
    return copy;
  });
}

/** Kept entries first, then the unusable pool, then the usable pool (the order upstream produces). */
function replaceAddressPlaceholders(addresses: Record<string, unknown>[], ctx: ManifestContext): Record<string, unknown>[] {
  const kept = addresses.filter((a) => a['value'] !== USABLE && a['value'] !== UNUSABLE);
  const pool = (placeholder: string, values: readonly string[]) => {
    const entry = addresses.find((a) => a['value'] === placeholder);
    if (!entry) return [];
    return values.map((value) => ({ type: (entry['type'] as string | undefined) ?? 'IPAddress', value }));
  };
  return [...kept, ...pool(UNUSABLE, ctx.unusableAddresses), ...pool(USABLE, ctx.usableAddresses)];
}
