/**
 * Which watched kinds the cluster serves, and at which version: one `GET /apis/<group>/<version>`
 * (or `/api/v1`) per group version. A kind whose CRD is not installed is left out with a warning.
 */
import { KubeApiError, type KubeClient } from './kube-client.js';
import type { Log } from './source-types.js';
import { WATCHED_KINDS, type ServedKind, type WatchedKind } from './watched-kinds.js';

/** The served version of each kind in `kinds`; kinds the cluster does not serve are absent. */
export async function discoverKinds(client: KubeClient, log: Log, kinds: readonly WatchedKind[] = WATCHED_KINDS): Promise<ServedKind[]> {
  const cache = new Map<string, Promise<Set<string> | undefined>>();
  const resourcesOf = (group: string, version: string) => {
    const gv = group ? `${group}/${version}` : version;
    let p = cache.get(gv);
    if (!p) {
      p = client
        .request<{ resources?: { name: string }[] }>('GET', group ? `/apis/${group}/${version}` : `/api/${version}`)
        .then((r) => new Set((r.resources ?? []).map((x) => x.name)))
        .catch((e: unknown) => {
          if (e instanceof KubeApiError && e.code === 404) return undefined;
          throw e;
        });
      cache.set(gv, p);
    }
    return p;
  };
  const served: ServedKind[] = [];
  for (const k of kinds) {
    let found: string | undefined;
    for (const v of k.versions) {
      if ((await resourcesOf(k.group, v))?.has(k.plural)) {
        found = v;
        break;
      }
    }
    if (found) served.push({ ...k, version: found, apiVersion: k.group ? `${k.group}/${found}` : found });
    else log.warn({ kind: k.kind, group: k.group, versions: k.versions }, `${k.kind} is not served by the cluster (CRD not installed?): not watched`);
  }
  return served;
}
