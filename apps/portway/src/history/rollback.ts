import type { ConfigKey, ConfigPinStore, NatsBus } from '@portway/bus';

/** What `rollback` did. */
export interface RollbackResult {
  key: ConfigKey;
  restoredRevision: number;
  /** The new revision carrying the restored config (absent when it was already in force). */
  revision?: number;
  hash: string;
  alreadyInForce: boolean;
}

type RollbackBus = Pick<NatsBus, 'configHistory' | 'configAt' | 'putConfig' | 'configKeys'> & ConfigPinStore;

/** The cluster holding `revision` of the Gateway (revisions are unique across keys), or the named one. */
export async function clusterOfRevision(bus: Pick<NatsBus, 'configHistory' | 'configKeys'>, namespace: string, name: string, revision: number, cluster?: string): Promise<string> {
  if (cluster !== undefined) return cluster;
  const clusters = (await bus.configKeys()).filter((k) => k.namespace === namespace && k.name === name).map((k) => k.cluster);
  if (clusters.length === 0) throw new Error(`Gateway ${namespace}/${name} has no config on the bus`);
  for (const c of clusters) {
    if ((await bus.configHistory({ cluster: c, namespace, name })).some((r) => r.revision === revision)) return c;
  }
  throw new Error(`no cluster holds revision ${revision} of Gateway ${namespace}/${name} (clusters: ${clusters.join(', ')}); see portway diff --list`);
}

/**
 * Publishes the config of an older revision again, under a rollback hold: first the hold
 * (`supersededHash` = what the controller had published, kept from an earlier hold), then the
 * config, so a controller build in between already sees the hold. The controller leaves the
 * config as it is while the Gateway's own configuration does not change; the first build that
 * produces something else for the Gateway publishes it and removes the hold.
 */
export async function rollback(bus: RollbackBus, key: ConfigKey, toRevision: number, now: Date): Promise<RollbackResult> {
  const gw = `${key.namespace}/${key.name}`;
  const history = await bus.configHistory(key);
  const target = history.find((r) => r.revision === toRevision);
  if (!target) {
    throw new Error(
      `revision ${toRevision} of Gateway ${gw} in cluster ${key.cluster || '""'} is not in the history (stored: ${history.map((r) => r.revision).join(', ') || 'none'})`,
    );
  }
  const current = history.at(-1)!;
  if (current.manifest.hash === target.manifest.hash) {
    return { key, restoredRevision: toRevision, hash: target.manifest.hash, alreadyInForce: true };
  }
  const earlier = (await bus.listPins(key.cluster)).find((p) => p.key.namespace === key.namespace && p.key.name === key.name);
  const config = await bus.configAt(key, toRevision);
  await bus.putPin({
    key,
    restoredRevision: toRevision,
    hash: target.manifest.hash,
    supersededHash: earlier?.supersededHash ?? current.manifest.hash,
    at: now.toISOString(),
  });
  const entry = await bus.putConfig(key, config);
  return { key, restoredRevision: toRevision, revision: entry.revision, hash: entry.hash, alreadyInForce: false };
}
