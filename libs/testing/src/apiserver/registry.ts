/**
 * The resource types the double serves, looked up by group/version/plural for requests and by
 * apiVersion/kind for objects handed to it directly.
 */
import { apiVersionOf, resourceId, type ResourceType } from './resource-types.js';

export class Registry {
  private readonly byId = new Map<string, ResourceType>();

  constructor(types: readonly ResourceType[]) {
    for (const t of types) this.install(t);
  }

  /** Adds or replaces a resource type (a CRD was created or updated). */
  install(t: ResourceType): void {
    this.byId.set(resourceId(t), t);
  }

  /** Removes a resource type (its CRD was deleted). */
  uninstall(group: string, plural: string): void {
    this.byId.delete(resourceId({ group, plural }));
  }

  all(): ResourceType[] {
    return [...this.byId.values()];
  }

  /** The type served at `group/version` under `plural`. */
  byPath(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.byId.get(resourceId({ group, plural }));
    return t && t.versions.includes(version) ? t : undefined;
  }

  /** Whether `group/version` is served at all. */
  servesGroupVersion(group: string, version: string): boolean {
    return this.all().some((t) => t.group === group && t.versions.includes(version));
  }

  /** The type of an object by its apiVersion and kind. */
  byKind(apiVersion: string, kind: string): { type: ResourceType; version: string } | undefined {
    for (const t of this.byId.values()) {
      if (t.kind !== kind) continue;
      const version = t.versions.find((v) => apiVersionOf(t.group, v) === apiVersion);
      if (version) return { type: t, version };
    }
    return undefined;
  }
}
