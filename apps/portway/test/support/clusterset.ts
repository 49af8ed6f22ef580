/**
 * The local ClusterSet for end-to-end tests: the same launcher `npm run demo:clusterset` runs
 * (`src/demo/clusterset.ts`), plus traffic helpers. Needs the build (`npm run build`) and nats-server.
 */
import { existsSync } from 'node:fs';
import { findNatsServer, LocalClusterSet, portwayCli, type LocalClusterSetOptions } from '../../src/demo/clusterset.js';

export { LocalClusterSet, type LocalClusterSetOptions };

/** The ClusterSet tests run only with the build and nats-server present. */
export const clusterSetRunnable = (() => {
  try {
    findNatsServer();
    return existsSync(portwayCli);
  } catch {
    return false;
  }
})();

/** Sends `n` GET requests (`concurrency` at a time) and counts the answering echo pods; failures are counted as "error". */
export async function countPods(url: string, n: number, concurrency = 16): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      let pod = 'error';
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json()) as { pod?: string };
        if (res.ok && body.pod) pod = body.pod;
      } catch {
        // counted as an error
      }
      counts.set(pod, (counts.get(pod) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** Sums counts by the pods' cluster (pod names are "<cluster>-echo-<i>", "local-echo-<i>"). */
export function byCluster(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pod, n] of counts) {
    const cluster = pod === 'error' ? 'error' : pod.split('-echo-')[0]!;
    out[cluster] = (out[cluster] ?? 0) + n;
  }
  return out;
}
