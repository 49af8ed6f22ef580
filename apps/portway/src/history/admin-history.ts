import type { GatewayConfig } from '@portway/ir';
import type { HistorySource, RevisionInfo } from './history-source.js';

/** History read through a running controller's admin API (see `historyAdminRoutes`). */
export function adminHistory(admin: string): HistorySource {
  const base = admin.startsWith('http') ? admin : `http://${admin}`;
  const get = async <T>(path: string, params: Record<string, string>): Promise<T> => {
    const url = `${base}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`cannot reach the controller's admin API at ${base}: ${(e as Error).message}. Is portway controller running, or give --nats to read NATS directly?`);
    }
    const body = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok) throw new Error(body.error ?? `${url}: HTTP ${res.status}`);
    return body;
  };
  const history = async (namespace: string, name: string, cluster?: string) =>
    (await get<{ clusters: { cluster: string; revisions: RevisionInfo[] }[] }>('/history', { gateway: `${namespace}/${name}`, ...(cluster !== undefined ? { cluster } : {}) })).clusters;
  return {
    async clustersOf(namespace, name) {
      return (await history(namespace, name)).map((c) => c.cluster);
    },
    async revisions(key) {
      return (await history(key.namespace, key.name, key.cluster))[0]?.revisions ?? [];
    },
    async configAt(key, revision) {
      return (await get<{ config: GatewayConfig }>('/history/config', { gateway: `${key.namespace}/${key.name}`, cluster: key.cluster, revision: String(revision) })).config;
    },
  };
}
