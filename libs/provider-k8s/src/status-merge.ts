/**
 * Merging the status Portway computed into the status an object has in the cluster (pure).
 *
 * - Routes (`status.parents`) and policies (`status.ancestors`) are shared: entries whose
 *   `controllerName` is another controller's stay as they are; Portway's are replaced.
 * - Every other status (GatewayClass, Gateway, ListenerSet) is Portway's alone and replaced whole.
 * - A condition whose type and status did not change keeps the `lastTransitionTime` the cluster
 *   has: a controller that restarts, or a standby that takes over, computes the same conditions with a
 *   new time, and must not rewrite them for that (no status flapping).
 */

import { jsonEqual } from './json-equal.js';

type Obj = Record<string, any>;
const isRecord = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The list of shared entries in a kind's status, if it has one. */
export function sharedListOf(status: Obj | undefined): 'parents' | 'ancestors' | undefined {
  if (!status) return undefined;
  if (Array.isArray(status.parents)) return 'parents';
  if (Array.isArray(status.ancestors)) return 'ancestors';
  return undefined;
}

/** `desired` conditions, with the live `lastTransitionTime` kept where type and status are unchanged. */
function keepTransitionTimes(desired: unknown, live: unknown): unknown {
  if (!Array.isArray(desired) || !Array.isArray(live)) return desired;
  return desired.map((c) => {
    if (!isRecord(c)) return c;
    const old = live.find((l) => isRecord(l) && l.type === c.type);
    return old && old.status === c.status && typeof old.lastTransitionTime === 'string' ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
}

const refOf = (entry: Obj, list: 'parents' | 'ancestors') => (list === 'parents' ? entry.parentRef : entry.ancestorRef);

/** An entry (or a whole status), with times kept from the matching live entry. */
function withLiveTimes(desired: Obj, live: Obj | undefined): Obj {
  if (!live) return desired;
  const out: Obj = { ...desired };
  if (Array.isArray(desired.conditions)) out.conditions = keepTransitionTimes(desired.conditions, live.conditions);
  if (Array.isArray(desired.listeners)) {
    out.listeners = desired.listeners.map((l: Obj) => {
      const old = Array.isArray(live.listeners) ? live.listeners.find((x: Obj) => x?.name === l?.name) : undefined;
      return isRecord(l) && old ? { ...l, conditions: keepTransitionTimes(l.conditions, old.conditions) } : l;
    });
  }
  return out;
}

/**
 * The status to write: `desired` (Portway's) merged into `live` (the cluster's) as described above.
 * `desired` may carry no `parents`/`ancestors` at all to mean "Portway has nothing to say any more".
 */
export function mergeStatus(live: Obj | undefined, desired: Obj, controllerName: string): Obj {
  const list = sharedListOf(desired) ?? sharedListOf(live);
  if (!list) return withLiveTimes(desired, live);
  const liveEntries: Obj[] = Array.isArray(live?.[list]) ? live[list] : [];
  const foreign = liveEntries.filter((e) => isRecord(e) && e.controllerName !== controllerName);
  const ours = (Array.isArray(desired[list]) ? (desired[list] as Obj[]) : []).map((e) => {
    const old = liveEntries.find((l) => isRecord(l) && l.controllerName === controllerName && jsonEqual(refOf(l, list), refOf(e, list)));
    return withLiveTimes(e, old);
  });
  const rest = withLiveTimes({ ...desired, [list]: undefined }, live);
  delete rest[list];
  return { ...(live ?? {}), ...rest, [list]: [...foreign, ...ours] };
}

/**
 * Whether writing `merged` would change the object's status. Shared lists compare as sets of
 * entries, so the position of other controllers' entries never causes a write.
 */
export function statusDiffers(live: Obj | undefined, merged: Obj): boolean {
  const list = sharedListOf(merged);
  if (!list) return !jsonEqual(live ?? {}, merged);
  const a: Obj[] = Array.isArray(live?.[list]) ? live[list] : [];
  const b: Obj[] = merged[list];
  if (a.length !== b.length || !b.every((e) => a.some((x) => jsonEqual(x, e)))) return true;
  const { [list]: _a, ...restA } = live ?? {};
  const { [list]: _b, ...restB } = merged;
  return !jsonEqual(restA, restB);
}
