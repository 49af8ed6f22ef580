import { NatsBus } from '@portway/bus';
import { adminHistory } from '../history/admin-history.js';
import { parseGatewayRef, type HistorySource } from '../history/history-source.js';
import { pickRevisions, renderConfigDiff, renderRevisionList } from '../history/ir-diff.js';
import { natsHistory } from '../history/nats-history.js';
import { clusterOfRevision, rollback } from '../history/rollback.js';
import { natsConnectOptions, type NatsCliOptions } from '../nats-options.js';

export interface DiffOptions extends NatsCliOptions {
  admin: string;
  gateway: string;
  cluster?: string;
  from?: number;
  to?: number;
  list?: boolean;
}

export interface RollbackOptions extends NatsCliOptions {
  gateway: string;
  toGeneration: number;
  cluster?: string;
}

async function withNats<T>(o: NatsCliOptions, name: string, fn: (bus: NatsBus) => Promise<T>): Promise<T> {
  const bus = await NatsBus.connect({ ...natsConnectOptions(o), name, connectTimeoutMs: 5_000, onError: () => undefined });
  try {
    return await fn(bus);
  } finally {
    await bus.close();
  }
}

/**
 * `portway diff`: a readable diff of two revisions of a Gateway's IR (default the last two), per
 * cluster; `--list` lists the stored revisions. Reads NATS directly with `--nats`, else through
 * the controller's admin API.
 */
export async function diffCommand(o: DiffOptions): Promise<number> {
  try {
    const ref = parseGatewayRef(o.gateway);
    const gw = `${ref.namespace}/${ref.name}`;
    const run = async (history: HistorySource) => {
      const clusters = o.cluster !== undefined ? [o.cluster] : await history.clustersOf(ref.namespace, ref.name);
      if (clusters.length === 0) throw new Error(`Gateway ${gw} has no config on the bus (is it accepted, and does a cluster serve it?)`);
      let out = '';
      let chosen = clusters;
      // A revision number belongs to one cluster: find it rather than fail in the others.
      if (o.cluster === undefined && (o.from !== undefined || o.to !== undefined)) {
        const wanted = [o.from, o.to].filter((n): n is number => n !== undefined);
        const matching = [];
        for (const c of clusters) {
          const revs = await history.revisions({ cluster: c, ...ref });
          if (wanted.every((n) => revs.some((r) => r.revision === n))) matching.push(c);
        }
        if (matching.length === 0) throw new Error(`no cluster holds revision${wanted.length > 1 ? 's' : ''} ${wanted.join(' and ')} of Gateway ${gw} (clusters: ${clusters.join(', ')}); see portway diff --list`);
        chosen = matching;
      }
      for (const cluster of chosen) {
        const key = { cluster, ...ref };
        const revisions = await history.revisions(key);
        if (o.list) {
          out += renderRevisionList(gw, cluster, revisions);
          continue;
        }
        const pick = pickRevisions(revisions, o.from, o.to);
        const [a, b] = await Promise.all([history.configAt(key, pick.from.revision), history.configAt(key, pick.to.revision)]);
        out += renderConfigDiff(gw, cluster, pick, a, b);
      }
      return out;
    };
    const text = o.nats !== undefined ? await withNats(o, 'portway diff', (bus) => run(natsHistory(bus))) : await run(adminHistory(o.admin));
    process.stdout.write(text);
    return 0;
  } catch (e) {
    console.error(`portway diff: ${(e as Error).message}`);
    return 1;
  }
}

/**
 * `portway rollback`: publishes the config of an older revision again, held until the Gateway's
 * own configuration changes (see `rollback`). Talks to NATS with the controller's credentials.
 */
export async function rollbackCommand(o: RollbackOptions): Promise<number> {
  try {
    const ref = parseGatewayRef(o.gateway);
    const gw = `${ref.namespace}/${ref.name}`;
    const result = await withNats(o, 'portway rollback', async (bus) => {
      const cluster = await clusterOfRevision(bus, ref.namespace, ref.name, o.toGeneration, o.cluster);
      return rollback(bus, { cluster, ...ref }, o.toGeneration, new Date());
    });
    const where = `Gateway ${gw} in cluster ${result.key.cluster || '""'}`;
    if (result.alreadyInForce) console.log(`${where} already serves the config of revision ${result.restoredRevision} (${result.hash}): nothing published`);
    else {
      console.log(`${where}: the config of revision ${result.restoredRevision} is published again as revision ${result.revision} (${result.hash}).`);
      console.log('It holds until the Gateway\'s own configuration changes; the controller then publishes its build and the hold ends.');
    }
    return 0;
  } catch (e) {
    console.error(`portway rollback: ${(e as Error).message}`);
    return 1;
  }
}

