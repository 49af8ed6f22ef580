import type { AdminHandler } from '@portway/controller';
import { parseGatewayRef, type HistorySource } from './history-source.js';

/**
 * The controller's history endpoints, so `portway diff` works with only the admin address:
 * `GET /history?gateway=ns/name[&cluster=c]` → `{ gateway, clusters: [{ cluster, revisions }] }`;
 * `GET /history/config?gateway=ns/name&cluster=c&revision=N` → `{ config }`.
 */
export function historyAdminRoutes(history: HistorySource): Record<string, AdminHandler> {
  const bad = (message: string) => ({ status: 400, body: { error: message } });
  return {
    '/history': async (_req, url) => {
      const gateway = url.searchParams.get('gateway');
      if (!gateway) return bad('query parameter gateway=namespace/name is required');
      let ref: { namespace: string; name: string };
      try {
        ref = parseGatewayRef(gateway, 'gateway');
      } catch (e) {
        return bad((e as Error).message);
      }
      const cluster = url.searchParams.get('cluster');
      const clusters = cluster !== null ? [cluster] : await history.clustersOf(ref.namespace, ref.name);
      const out = [];
      for (const c of clusters) out.push({ cluster: c, revisions: await history.revisions({ cluster: c, ...ref }) });
      return { status: 200, body: { gateway, clusters: out } };
    },
    '/history/config': async (_req, url) => {
      const gateway = url.searchParams.get('gateway');
      const cluster = url.searchParams.get('cluster');
      const revision = Number(url.searchParams.get('revision'));
      if (!gateway || cluster === null || !Number.isInteger(revision) || revision <= 0) {
        return bad('query parameters gateway=namespace/name, cluster and revision=N are required');
      }
      try {
        return { status: 200, body: { config: await history.configAt({ cluster, ...parseGatewayRef(gateway, 'gateway') }, revision) } };
      } catch (e) {
        return { status: 404, body: { error: (e as Error).message } };
      }
    },
  };
}
